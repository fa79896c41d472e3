#include "ui/report_pages.h"

#include <nlohmann/json.hpp>

#include "api/problem_render.h"
#include "processes/resolution/failure_report.h"
#include "processes/resolution/reports.h"
#include "processes/service_level/sla_reports.h"
#include "ui/record_view.h"

namespace kanri::ui {

using nlohmann::json;

namespace {

using Params = std::vector<std::pair<std::string, std::string>>;
using Report = Result<json> (*)(engine::RecordService&, const engine::Principal&, const Params&, EpochMs);

struct ReportDef {
  const char* name;  // the path /reports/NAME and the API's /api/v1/reports/NAME
  const char* type;  // the record type one must be able to read
  Report make;
};

// The service levels page: the attainment of the range, and the clocks at risk now and the
// breaches of the range beside it (three reports of the API on one page).
Result<json> service_level_page(engine::RecordService& records, const engine::Principal& p, const Params& params,
                                EpochMs now) {
  namespace sl = processes::service_level;
  auto attainment = sl::service_level_report(records, p, params, now);
  if (!attainment) return attainment.take_error();
  Params risk{{"within", "PT8H"}, {"limit", "20"}};
  for (auto& [k, v] : params)
    if (k == "service") risk.push_back({k, v});
  auto at_risk = sl::sla_at_risk_report(records, p, risk, now);
  if (!at_risk) return at_risk.take_error();
  Params breach_params = params;
  breach_params.push_back({"limit", "50"});
  auto breaches = sl::sla_breach_report(records, p, breach_params, now);
  if (!breaches) return breaches.take_error();
  return json{{"attainment", std::move(*attainment)}, {"at_risk", std::move(*at_risk)}, {"breaches", std::move(*breaches)}};
}

constexpr ReportDef kReports[] = {
    {"incidents", "incident", processes::resolution::incident_report},
    {"requests", "service_request", processes::resolution::request_report},
    {"problems", "problem", processes::resolution::problem_report},
    {"failures", "failure", processes::resolution::failure_report},
    {"service_levels", "agreement", service_level_page},
    {"availability", "agreement", processes::service_level::availability_report},
};

std::int64_t int_of(const json& v) { return v.is_number() ? v.get<std::int64_t>() : 0; }

// JSON inside <script type="application/json">: "<" is escaped so no "</script>" can end it.
std::string script_json(const json& j) {
  std::string out;
  for (char ch : j.dump()) out += ch == '<' ? std::string("\\u003c") : std::string(1, ch);
  return out;
}

class ReportPages : public std::enable_shared_from_this<ReportPages> {
 public:
  explicit ReportPages(Web& web) : web_(web), cat_(web.ctx().records.catalogue()) {}

  void register_all(http::Router& router) {
    auto self = shared_from_this();
    router.add("GET", "/reports", web_.page([self](http::Request& req, Visitor& v) { return self->index(req, v); }));
    for (auto& def : kReports) {
      const ReportDef* d = &def;
      router.add("GET", std::string("/reports/") + def.name,
                 web_.page([self, d](http::Request& req, Visitor& v) { return self->report(req, v, *d); }));
    }
  }

 private:
  bool readable(const Visitor& v, const ReportDef& def) const {
    return cat_.type(def.type) && v.principal.scope(def.type, "read") != engine::Scope::none;
  }

  std::string title_of(const Visitor& v, const ReportDef& def) const {
    return web_.t(v, std::string("report_") + def.name);
  }

  http::Response index(http::Request& req, Visitor& v) {
    if (v.portal_only) return Web::redirect("/portal");
    data list{data::type::list};
    for (auto& def : kReports) {
      if (!readable(v, def)) continue;
      data item{data::type::object};
      item.set("href", std::string("/reports/") + def.name);
      item.set("title", title_of(v, def));
      item.set("about", web_.t(v, std::string("report_") + def.name + "_about"));
      list << item;
    }
    data d{data::type::object};
    d.set("reports", list);
    d.set("no_reports", flag(list.is_empty_list()));
    return web_.render(req, v, "reports", d, web_.t(v, "reports_title"), 200, "reports");
  }

  // ---- building blocks ----

  // A key figure: a count or a share.
  data figure(const std::string& label, const std::string& value) {
    data f{data::type::object};
    f.set("label", label);
    f.set("value", value);
    return f;
  }
  std::string percent(const Visitor& v, const json& share) {
    return v.format.number((share.is_number() ? share.get<double>() : 0.0) * 100.0, 1) + " %";
  }
  std::string count(const Visitor& v, const json& n) { return v.format.number(static_cast<double>(int_of(n)), 0); }

  struct Section {
    std::string id, title;
    std::vector<std::string> columns;
    std::vector<std::vector<Shown>> rows;
    json chart;  // a Chart.js configuration, or null
  };

  // The label of one breakdown value of `field` of `t` (the state when field is "state").
  Shown label_of(const Visitor& v, const model::TypeDef& t, const std::string& field, const json& value) {
    if (value.is_null()) return {web_.t(v, "report_none"), ""};
    if (field == "state") return {state_label(t, value.get<std::string>(), v.lang), ""};
    if (const model::FieldDef* f = t.field(field)) return show_field(cat_, *f, value, v);
    return {value.dump(), ""};
  }

  // A breakdown ([{value, count}]) as a bar chart and its table, each row linking to the list.
  Section breakdown(const Visitor& v, const std::string& id, const std::string& title, const model::TypeDef& t,
                    const std::string& field, const json& rows, const std::string& list_query) {
    Section s{id, title, {web_.t(v, "report_value"), web_.t(v, "report_count")}, {}, nullptr};
    json labels = json::array(), values = json::array();
    for (auto& r : rows) {
      Shown label = label_of(v, t, field, r["value"]);
      const json& value = r["value"];
      std::string key = value.is_object() ? std::to_string(int_of(value["id"]))
                        : value.is_string() ? value.get<std::string>()
                        : value.is_boolean() ? (value.get<bool>() ? "true" : "false")
                        : value.is_number() ? value.dump() : "";
      label.href = key.empty() ? "" : "/r/" + t.collection + "?" + field + "=" + url_encode(key) + list_query;
      labels.push_back(label.text);
      values.push_back(r["count"]);
      s.rows.push_back({label, {count(v, r["count"]), ""}});
    }
    s.chart = bar(labels, {{title, values}});
    return s;
  }

  json bar(const json& labels, const std::vector<std::pair<std::string, json>>& series, const char* type = "bar") {
    json datasets = json::array();
    for (auto& [label, values] : series) datasets.push_back({{"label", label}, {"data", values}});
    return {{"type", type},
            {"data", {{"labels", labels}, {"datasets", datasets}}},
            {"options", {{"plugins", {{"legend", {{"display", series.size() > 1}}}}}, {"maintainAspectRatio", false}}}};
  }

  Section ageing(const Visitor& v, const std::string& id, const std::string& title, const json& bands) {
    Section s{id, title, {web_.t(v, "report_age"), web_.t(v, "report_count")}, {}, nullptr};
    json labels = json::array(), values = json::array();
    for (auto& b : bands) {
      std::string label = b["max_days"].is_null()
                              ? web_.t(v, "report_age_over", {{"min", std::to_string(int_of(b["min_days"]))}})
                              : web_.t(v, "report_age_band", {{"min", std::to_string(int_of(b["min_days"]))},
                                                               {"max", std::to_string(int_of(b["max_days"]))}});
      labels.push_back(label);
      values.push_back(b["count"]);
      s.rows.push_back({{label, ""}, {count(v, b["count"]), ""}});
    }
    s.chart = bar(labels, {{title, values}});
    return s;
  }

  // A list of records ([{number, …}]) as a table of the given fields.
  Section items(const Visitor& v, const std::string& id, const std::string& title, const model::TypeDef& t,
                const json& list, const std::vector<std::string>& fields) {
    Section s{id, title, {web_.t(v, "column_number")}, {}, nullptr};
    for (auto& f : fields) {
      const model::FieldDef* def = t.field(f);
      s.columns.push_back(f == "state" ? web_.t(v, "column_state") : def ? def->label.in(v.lang) : f);
    }
    for (auto& item : list) {
      std::vector<Shown> row{{item.value("number", ""), "/r/" + t.collection + "/" + item.value("number", "")}};
      for (auto& f : fields) row.push_back(label_of(v, t, f, item.value(f, json())));
      s.rows.push_back(std::move(row));
    }
    return s;
  }

  // ---- the reports ----

  void incidents(const Visitor& v, const json& r, data& figures, std::vector<Section>& out) {
    const model::TypeDef& t = *cat_.type("incident");
    figures << figure(web_.t(v, "report_opened"), count(v, r["volume"]["opened"]));
    figures << figure(web_.t(v, "report_backlog"), count(v, r["backlog"]["open"]));
    figures << figure(web_.t(v, "report_reopen_rate"), percent(v, r["resolution"]["reopen_rate"]));
    figures << figure(web_.t(v, "report_first_contact_rate"), percent(v, r["resolution"]["first_contact_rate"]));
    figures << figure(web_.t(v, "report_escalated_rate"), percent(v, r["escalations"]["escalated_rate"]));
    figures << figure(web_.t(v, "report_major_declared"), count(v, r["major_incidents"]["declared"]));
    figures << figure(web_.t(v, "report_waiting_for_change"), count(v, r["changes"]["waiting_for_change"]));
    figures << figure(web_.t(v, "report_fixed_through_change"), count(v, r["changes"]["fixed_through_change"]));

    Section per{"per-period", web_.t(v, "report_per_period"),
                {web_.t(v, "report_period"), web_.t(v, "report_opened"), web_.t(v, "report_resolved")}, {}, nullptr};
    json labels = json::array(), opened = json::array(), resolved = json::array();
    for (auto& p : r["volume"]["periods"]) {
      labels.push_back(p["start"]);
      opened.push_back(p["opened"]);
      resolved.push_back(p["resolved"]);
      per.rows.push_back({{p.value("start", "") + " – " + p.value("end", ""), ""},
                          {count(v, p["opened"]), ""},
                          {count(v, p["resolved"]), ""}});
    }
    per.chart = bar(labels, {{web_.t(v, "report_opened"), opened}, {web_.t(v, "report_resolved"), resolved}}, "line");
    out.push_back(std::move(per));
    for (const char* f : {"priority", "category", "service", "channel", "group"})
      out.push_back(breakdown(v, std::string("by-") + f, t.field(f)->label.in(v.lang), t, f,
                              r["volume"][std::string("by_") + f], ""));
    out.push_back(breakdown(v, "backlog-state", web_.t(v, "report_backlog_by_state"), t, "state", r["backlog"]["by_state"], ""));
    out.push_back(ageing(v, "backlog-ageing", web_.t(v, "report_backlog_ageing"), r["backlog"]["ageing"]));

    Section rates{"rates", web_.t(v, "report_rates"), {web_.t(v, "report_measure"), web_.t(v, "report_count")}, {}, nullptr};
    const json& e = r["escalations"];
    const json& res = r["resolution"];
    for (auto& [key, value] : std::vector<std::pair<std::string, json>>{
             {"report_resolved", res["resolved"]},          {"report_reopened", res["reopened"]},
             {"report_first_contact", res["first_contact"]}, {"report_incidents_escalated", e["incidents_escalated"]},
             {"report_escalations", e["escalations"]},       {"report_incidents_reassigned", e["incidents_reassigned"]},
             {"report_reassignments", e["reassignments"]},   {"report_major_candidates", r["major_incidents"]["candidates"]}})
      rates.rows.push_back({{web_.t(v, key), ""}, {count(v, value), ""}});
    out.push_back(std::move(rates));
    out.push_back(items(v, "major", web_.t(v, "report_major_incidents"), t, r["major_incidents"]["items"],
                        {"title", "priority", "state", "major_manager", "opened_at", "reviewed_on"}));
  }

  void requests(const Visitor& v, const json& r, data& figures, std::vector<Section>& out) {
    const model::TypeDef& t = *cat_.type("service_request");
    const json& f = r["fulfilment"];
    figures << figure(web_.t(v, "report_opened"), count(v, r["volume"]["opened"]));
    figures << figure(web_.t(v, "report_fulfilled"), count(v, f["fulfilled"]));
    figures << figure(web_.t(v, "report_in_time_rate"), percent(v, f["in_time_rate"]));
    figures << figure(web_.t(v, "report_backlog"), count(v, r["backlog"]["open"]));
    figures << figure(web_.t(v, "report_overdue"), count(v, r["backlog"]["overdue"]));

    Section per{"fulfilment", web_.t(v, "report_fulfilment"),
                {t.field("request_type")->label.in(v.lang), web_.t(v, "report_fulfilled"), web_.t(v, "report_in_time"),
                 web_.t(v, "report_late"), web_.t(v, "report_no_target"), web_.t(v, "report_in_time_rate")},
                {}, nullptr};
    json labels = json::array(), in_time = json::array(), late = json::array();
    for (auto& line : f["by_request_type"]) {
      Shown type = label_of(v, t, "request_type", line["request_type"]);
      labels.push_back(type.text);
      in_time.push_back(line["in_time"]);
      late.push_back(line["late"]);
      per.rows.push_back({type, {count(v, line["fulfilled"]), ""}, {count(v, line["in_time"]), ""},
                          {count(v, line["late"]), ""}, {count(v, line["no_target"]), ""},
                          {percent(v, line["in_time_rate"]), ""}});
    }
    per.chart = bar(labels, {{web_.t(v, "report_in_time"), in_time}, {web_.t(v, "report_late"), late}});
    out.push_back(std::move(per));
    out.push_back(breakdown(v, "by-type", t.field("request_type")->label.in(v.lang), t, "request_type",
                            r["volume"]["by_request_type"], ""));
    out.push_back(breakdown(v, "by-state", web_.t(v, "column_state"), t, "state", r["volume"]["by_state"], ""));
    out.push_back(ageing(v, "backlog-ageing", web_.t(v, "report_backlog_ageing"), r["backlog"]["ageing"]));
    out.push_back(items(v, "overdue", web_.t(v, "report_overdue"), t, r["backlog"]["overdue_items"],
                        {"title", "request_type", "priority", "due_at"}));
  }

  void problems(const Visitor& v, const json& r, data& figures, std::vector<Section>& out) {
    const model::TypeDef& t = *cat_.type("problem");
    const json& e = r["effectiveness"];
    figures << figure(web_.t(v, "report_raised"), count(v, r["problems"]["raised"]));
    figures << figure(web_.t(v, "report_fixed"), count(v, e["fixed"]));
    figures << figure(web_.t(v, "report_recurrence_rate"), percent(v, e["recurrence_rate"]));
    if (r["known_errors"].is_object())
      figures << figure(web_.t(v, "report_known_errors_open"), count(v, r["known_errors"]["open"]));
    out.push_back(items(v, "fixed", web_.t(v, "report_fixed_problems"), t, e["items"],
                        {"title", "fixed_on", "change_ref", "recurrences", "effectiveness_result", "state"}));
    out.push_back(breakdown(v, "by-result", t.field("effectiveness_result")->label.in(v.lang), t,
                            "effectiveness_result", e["by_result"], ""));
    out.push_back(breakdown(v, "by-origin", t.field("origin")->label.in(v.lang), t, "origin", r["problems"]["by_origin"], ""));
    out.push_back(breakdown(v, "open-state", web_.t(v, "report_open_by_state"), t, "state", r["problems"]["open_by_state"], ""));
    if (const model::TypeDef* ke = cat_.type("known_error"); ke && r["known_errors"].is_object()) {
      out.push_back(ageing(v, "known-error-ageing", web_.t(v, "report_known_error_ageing"), r["known_errors"]["ageing"]));
      out.push_back(items(v, "known-errors", web_.t(v, "report_oldest_known_errors"), *ke, r["known_errors"]["oldest"],
                          {"title", "state", "published_on"}));
    }
  }

  void failures(const Visitor& v, const json& r, data&, std::vector<Section>& out) {
    Section s{"failures", web_.t(v, "report_failures"), {web_.t(v, "report_service"), web_.t(v, "report_grade")}, {}, nullptr};
    for (auto& p : r["periods"]) s.columns.push_back(p.value("start", ""));
    for (const char* k : {"report_total", "report_cap", "report_remaining"}) s.columns.push_back(web_.t(v, k));
    for (auto& row : r["rows"]) {
      std::vector<Shown> cells;
      cells.push_back({row["service"].is_object() ? row["service"].value("display", "") : web_.t(v, "report_every_service"),
                       row["service"].is_object() ? "/r/services/" + row["service"].value("number", "") : ""});
      cells.push_back({row["grade"].is_string() ? row["grade"].get<std::string>() : web_.t(v, "report_none"), ""});
      for (auto& n : row["counts"]) cells.push_back({count(v, n), ""});
      cells.push_back({count(v, row["total"]), ""});
      cells.push_back({row["cap"].is_object() ? count(v, row["cap"]["value"]) : "", ""});
      cells.push_back({row["remaining"].is_number() ? count(v, row["remaining"]) : "", ""});
      s.rows.push_back(std::move(cells));
    }
    out.push_back(std::move(s));
  }

  // A reference of a report ({id, number, display}) shown as a link to its record.
  Shown ref_shown(const json& ref, const char* collection) {
    if (!ref.is_object()) return {"—", ""};
    const std::string number = ref.value("number", "");
    return {ref.value("display", number), number.empty() ? "" : std::string("/r/") + collection + "/" + number};
  }
  std::string points(const Visitor& v, const json& value) {
    return value.is_number() ? v.format.number(value.get<double>(), 1) + " %" : "—";
  }
  std::string when(const Visitor& v, const json& iso) {
    auto ms = iso.is_string() ? parse_timestamp(iso.get<std::string>()) : std::nullopt;
    return ms ? v.format.datetime(*ms) : "—";
  }
  Shown ticket_shown(const json& ticket) {
    const std::string number = ticket.value("number", "");
    const char* collection = ticket.value("type", "") == "incident" ? "incidents" : "requests";
    return {number + " " + ticket.value("title", ""), std::string("/r/") + collection + "/" + number};
  }
  std::string measure(const Visitor& v, const json& metric) {
    return web_.t(v, "clock_metric_" + (metric.is_string() ? metric.get<std::string>() : std::string("resolution")));
  }

  void service_levels(const Visitor& v, const json& r, data& figures, std::vector<Section>& out) {
    const json& a = r["attainment"];
    const json& total = a["total"];
    figures << figure(web_.t(v, "report_sla_decided"), count(v, total["decided"]));
    figures << figure(web_.t(v, "report_sla_met"), count(v, total["met"]));
    figures << figure(web_.t(v, "report_sla_breached"), count(v, total["breached"]));
    figures << figure(web_.t(v, "report_sla_attainment"), points(v, total["attainment"]));
    figures << figure(web_.t(v, "report_sla_at_risk"), count(v, json(r["at_risk"]["items"].size())));

    Section per{"attainment", web_.t(v, "report_sla_per_agreement"), {web_.t(v, "report_sla_agreement")}, {}, nullptr};
    json labels = json::array();
    for (auto& period : a["periods"]) {
      per.columns.push_back(period.value("start", ""));
      labels.push_back(period["start"]);
    }
    per.columns.push_back(web_.t(v, "report_total"));
    per.columns.push_back(web_.t(v, "report_sla_trend"));
    std::vector<std::pair<std::string, json>> series;
    for (auto& row : a["items"]) {
      Shown name = ref_shown(row["agreement"], "agreements");
      std::vector<Shown> cells{name};
      json values = json::array();
      for (auto& cell : row["periods"]) {
        cells.push_back({points(v, cell["attainment"]) + " (" + count(v, cell["met"]) + "/" + count(v, cell["decided"]) + ")", ""});
        values.push_back(cell["attainment"]);
      }
      cells.push_back({points(v, row["attainment"]), ""});
      cells.push_back({row["trend"].is_number() ? v.format.number(row["trend"].get<double>(), 1) : "—", ""});
      per.rows.push_back(std::move(cells));
      series.push_back({name.text, values});
    }
    per.chart = bar(labels, series, "line");
    out.push_back(std::move(per));

    Section risk{"at-risk", web_.t(v, "report_sla_at_risk_now"),
                 {web_.t(v, "report_sla_ticket"), web_.t(v, "report_sla_measure"), web_.t(v, "report_sla_due"),
                  web_.t(v, "report_sla_used"), web_.t(v, "report_sla_left")},
                 {}, nullptr};
    for (auto& item : r["at_risk"]["items"])
      risk.rows.push_back({ticket_shown(item["ticket"]), {measure(v, item["metric"]), ""}, {when(v, item["due_at"]), ""},
                           {points(v, item["used_percent"]), ""},
                           {item.value("breached", false) ? web_.t(v, "clock_breached")
                                                          : readable_duration(item.value("left_ms", std::int64_t{0})), ""}});
    out.push_back(std::move(risk));

    Section breaches{"breaches", web_.t(v, "report_sla_breaches"),
                     {web_.t(v, "report_sla_ticket"), web_.t(v, "report_sla_measure"), web_.t(v, "report_sla_agreement"),
                      web_.t(v, "report_sla_breached_at"), web_.t(v, "report_sla_timeline")},
                     {}, nullptr};
    for (auto& item : r["breaches"]["items"]) {
      std::string segments;
      for (auto& seg : item["timeline"])
        if (seg.value("business_ms", std::int64_t{0}) > 0 || seg.value("mode", "") != "running")
          segments += (segments.empty() ? "" : " → ") + web_.t(v, "clock_mode_" + seg.value("mode", "stopped")) + " " +
                      readable_duration(seg.value("business_ms", std::int64_t{0}));
      breaches.rows.push_back({ticket_shown(item["ticket"]), {measure(v, item["metric"]), ""},
                               ref_shown(item["agreement"], "agreements"), {when(v, item["breached_at"]), ""},
                               {segments, ""}});
    }
    out.push_back(std::move(breaches));
  }

  void availability(const Visitor& v, const json& r, data& figures, std::vector<Section>& out) {
    std::int64_t met = 0, missed = 0;
    Section s{"availability", web_.t(v, "report_availability"),
              {web_.t(v, "report_sla_agreement"), web_.t(v, "report_service"), web_.t(v, "report_availability_target"),
               web_.t(v, "report_availability_achieved"), web_.t(v, "report_availability_downtime"),
               web_.t(v, "report_availability_outages")},
              {}, nullptr};
    json labels = json::array(), achieved = json::array(), wanted = json::array();
    for (auto& row : r["items"]) {
      if (row["met"].is_boolean()) (row["met"].get<bool>() ? met : missed)++;
      std::string outages;
      for (auto& o : row["outages"]) outages += (outages.empty() ? "" : ", ") + o["incident"].value("number", "");
      Shown service = ref_shown(row["service"], "services");
      s.rows.push_back({ref_shown(row["agreement"], "agreements"), service,
                        {v.format.number(row.value("target_percent", 0.0), 3) + " %", ""},
                        {row["availability"].is_number() ? v.format.number(row["availability"].get<double>(), 3) + " %" : "—", ""},
                        {readable_duration(row.value("downtime_ms", std::int64_t{0})), ""},
                        {outages.empty() ? "—" : outages, ""}});
      labels.push_back(row["agreement"].value("number", "") + " " + service.text);
      achieved.push_back(row["availability"]);
      wanted.push_back(row["target_percent"]);
    }
    figures << figure(web_.t(v, "report_availability_met"), count(v, json(met)));
    figures << figure(web_.t(v, "report_availability_missed"), count(v, json(missed)));
    s.chart = bar(labels, {{web_.t(v, "report_availability_achieved"), achieved}, {web_.t(v, "report_availability_target"), wanted}});
    out.push_back(std::move(s));
  }

  // ---- the page ----

  http::Response report(http::Request& req, Visitor& v, const ReportDef& def) {
    if (v.portal_only) return Web::redirect("/portal");
    if (!cat_.type(def.type)) {
      data d{data::type::object};
      d.set("heading", web_.t(v, "not_found_title"));
      d.set("message", web_.t(v, "not_found_page"));
      return web_.render(req, v, "error", d, web_.t(v, "not_found_title"), 404);
    }
    // The query as given, with the defaults of a page: the last twelve months to today, in
    // the visitor's time zone.
    const EpochMs now = web_.ctx().clock.now_ms();
    const std::string today = v.format.local_date(now);
    std::string from = Web::query(req, "from"), to = Web::query(req, "to"), period = Web::query(req, "period");
    std::string tz = Web::query(req, "tz"), service = Web::query(req, "service");
    if (to.empty()) to = today;
    if (from.empty()) {
      std::int64_t day = is_valid_date(to) ? date_to_days(to) : date_to_days(today);
      std::int64_t y;
      unsigned m, d;
      civil_from_days(day, y, m, d);
      std::int64_t months = y * 12 + (m - 1) - 11;
      from = days_to_date(days_from_civil(months / 12, static_cast<unsigned>(months % 12 + 1), 1));
    }
    if (period.empty()) period = "month";
    if (tz.empty()) tz = v.format.time_zone();
    Params params{{"from", from}, {"to", to}, {"period", period}, {"tz", tz}};
    if (!service.empty()) params.push_back({"service", service});

    data d{data::type::object};
    d.set("title", title_of(v, def));
    d.set("path", std::string("/reports/") + def.name);
    d.set("from", from);
    d.set("to", to);
    d.set("tz", tz);
    d.set("service", service);
    data periods{data::type::list};
    for (const char* p : {"month", "quarter", "year"}) {
      data o{data::type::object};
      o.set("value", p);
      o.set("label", web_.t(v, std::string("report_period_") + p));
      o.set("selected", flag(period == p));
      periods << o;
    }
    d.set("periods", periods);
    std::string api = std::string("/api/v1/reports/") + def.name + "?";
    for (auto& [k, val] : params) api += k + "=" + url_encode(val) + "&";
    api.pop_back();
    d.set("api_href", api);

    auto result = def.make(web_.ctx().records, v.principal, params, now);
    data figures{data::type::list}, sections{data::type::list};
    int status = 200;
    if (!result) {
      status = api::status_for(result.error().kind);
      d.set("error", error_data(web_, v, result.error(), nullptr));
    } else {
      std::vector<Section> out;
      const std::string name = def.name;
      if (name == "incidents") incidents(v, *result, figures, out);
      else if (name == "requests") requests(v, *result, figures, out);
      else if (name == "problems") problems(v, *result, figures, out);
      else if (name == "service_levels") service_levels(v, *result, figures, out);
      else if (name == "availability") availability(v, *result, figures, out);
      else failures(v, *result, figures, out);
      bool charts = false;
      for (auto& s : out) {
        data sec{data::type::object};
        sec.set("id", s.id);
        sec.set("title", s.title);
        data cols{data::type::list};
        for (auto& c : s.columns) cols << data(c);
        sec.set("columns", cols);
        data rows{data::type::list};
        for (auto& row : s.rows) {
          data cells{data::type::list};
          for (auto& cell : row) {
            data c{data::type::object};
            c.set("text", cell.text);
            if (!cell.href.empty()) c.set("href", cell.href);
            cells << c;
          }
          data r{data::type::object};
          r.set("cells", cells);
          rows << r;
        }
        sec.set("rows", rows);
        sec.set("empty", flag(s.rows.empty()));
        if (!s.chart.is_null() && !s.rows.empty()) {
          sec.set("config", script_json(s.chart));
          sec.set("has_chart", flag(true));
          charts = true;
        }
        sections << sec;
      }
      d.set("has_charts", flag(charts));
    }
    d.set("figures", figures);
    d.set("sections", sections);
    return web_.render(req, v, "report", d, title_of(v, def), status, "reports");
  }

  Web& web_;
  const model::Catalogue& cat_;
};

}  // namespace

void register_report_pages(http::Router& router, Web& web) { std::make_shared<ReportPages>(web)->register_all(router); }

}  // namespace kanri::ui
