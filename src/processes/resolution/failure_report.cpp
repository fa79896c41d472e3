#include "processes/resolution/failure_report.h"

#include <algorithm>
#include <map>
#include <set>

#include "core/time_zone.h"
#include "engine/refusals.h"
#include "processes/record_fields.h"

namespace kanri::processes::resolution {

using json = nlohmann::json;
using store::Record;

namespace {

constexpr std::int64_t kDay = 86'400'000;
constexpr size_t kMaxPeriods = 120;

Error bad_parameter(const std::string& name, const std::string& code, MessageArgs args = {}) {
  Error e = Error::of(ErrorKind::bad_request, "query.invalid");
  e.fields.push_back({name, code, std::move(args)});
  return e;
}

std::int64_t id_of(const Record& r, const char* name) { return opt_int(r, name).value_or(0); }

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - (a % b < 0 ? 1 : 0); }

// `day` moved on by whole months, the day clamped to the month's length.
std::int64_t add_months(std::int64_t day, std::int64_t months) {
  std::int64_t y;
  unsigned m, d;
  civil_from_days(day, y, m, d);
  std::int64_t total = y * 12 + (m - 1) + months;
  std::int64_t ny = floor_div(total, 12);
  auto nm = static_cast<unsigned>(total - ny * 12 + 1);
  const std::int64_t first = days_from_civil(ny, nm, 1);
  const std::int64_t next = days_from_civil(nm == 12 ? ny + 1 : ny, nm == 12 ? 1 : nm + 1, 1);
  return std::min(first + d - 1, next - 1);
}

// Every record of `t` matching `filters` that `p` may read, 500 at a time.
Result<std::vector<Record>> read_all(engine::RecordService& records, const engine::Principal& p, const model::TypeDef& t,
                                     std::vector<std::pair<std::string, std::string>> filters) {
  std::vector<Record> out;
  engine::ListRequest req;
  req.filters = std::move(filters);
  req.limit = "500";
  req.sort = "id";
  for (;;) {
    auto page = records.list(p, t, req);
    if (!page) return page.take_error();
    for (auto& r : page->records) out.push_back(std::move(r));
    if (page->next_cursor.empty()) return out;
    req.cursor = page->next_cursor;
  }
}

struct Row {
  std::vector<std::int64_t> counts;
  const Record* cap = nullptr;
};

}  // namespace

Result<json> failure_report(engine::RecordService& records, const engine::Principal& p,
                            const std::vector<std::pair<std::string, std::string>>& query, EpochMs now) {
  const model::Catalogue& catalogue = records.catalogue();
  const model::TypeDef* failure_t = catalogue.type("failure");
  const model::TypeDef* cap_t = catalogue.type("failure_cap");
  const model::TypeDef* service_t = catalogue.type("service");
  const model::TypeDef* task_t = catalogue.type("task");
  const model::TypeDef* scheme_t = catalogue.type("severity_scheme");
  if (!failure_t || !cap_t || !service_t || !task_t || !scheme_t)
    return Error::of(ErrorKind::not_found, "failure.report_unavailable");

  if (p.scope(failure_t->name, "read") == engine::Scope::none) return engine::access_denied("read", *failure_t);
  std::map<std::string, std::string> q;
  for (auto& [k, v] : query) {
    if (k != "from" && k != "to" && k != "period" && k != "service" && k != "tz")
      return bad_parameter(k, "query.unknown_parameter_of", {{"allowed", "from, to, period, service, tz"}});
    q[k] = v;
  }
  for (const char* name : {"from", "to"})
    if (!is_valid_date(q[name])) return bad_parameter(name, "failure.report_date");
  const std::int64_t from = date_to_days(q["from"]), to = date_to_days(q["to"]);
  if (to < from) return bad_parameter("to", "failure.report_range");
  const std::string period = q.count("period") ? q["period"] : "month";
  const std::int64_t step = period == "month" ? 1 : period == "quarter" ? 3 : period == "year" ? 12 : 0;
  if (step == 0) return bad_parameter("period", "failure.report_period");
  const std::string zone_name = q.count("tz") ? q["tz"] : "UTC";
  auto zone = TimeZone::named(zone_name);
  if (!zone) return bad_parameter("tz", "failure.report_time_zone", {{"value", zone_name}});

  std::vector<std::int64_t> starts;
  for (std::int64_t k = 0; add_months(from, k * step) <= to; ++k) {
    if (starts.size() == kMaxPeriods) return bad_parameter("to", "failure.report_too_many_periods", {{"max", "120"}});
    starts.push_back(add_months(from, k * step));
  }
  json periods = json::array();
  for (size_t i = 0; i < starts.size(); ++i) {
    std::int64_t end = i + 1 < starts.size() ? starts[i + 1] - 1 : std::min(to, add_months(starts[i], step) - 1);
    periods.push_back({{"start", days_to_date(starts[i])}, {"end", days_to_date(end)}});
  }

  std::optional<std::int64_t> service_id;
  if (q.count("service")) {
    auto s = records.get(p, *service_t, q["service"]);
    if (!s) return bad_parameter("service", "failure.report_service", {{"value", q["service"]}});
    service_id = s->id;
  }

  // The occurrences a day either side in UTC, then by their date in the report's zone.
  std::vector<std::pair<std::string, std::string>> filters{
      {"occurred_at[gte]", format_timestamp((from - 1) * kDay)}, {"occurred_at[lte]", format_timestamp((to + 2) * kDay)}};
  if (service_id) filters.push_back({"service", std::to_string(*service_id)});
  auto failures = read_all(records, p, *failure_t, filters);
  if (!failures) return failures.take_error();
  auto caps = read_all(records, p, *cap_t, {});
  if (!caps) return caps.take_error();

  std::map<std::pair<std::int64_t, std::string>, Row> rows;  // (service id or 0 = every service, grade)
  auto row = [&](std::int64_t service, const std::string& grade) -> Row& {
    Row& r = rows[{service, grade}];
    r.counts.resize(starts.size());
    return r;
  };
  for (auto& f : *failures) {
    const Value& at = field(f, "occurred_at");
    if (is_null(at)) continue;
    const std::int64_t day = floor_div(as_int(at) + zone->offset_ms(as_int(at)), kDay);
    if (day < from || day > to) continue;
    size_t bucket = static_cast<size_t>(std::upper_bound(starts.begin(), starts.end(), day) - starts.begin()) - 1;
    const std::string grade = text(f, "severity");
    if (std::int64_t s = id_of(f, "service")) row(s, grade).counts[bucket]++;
    if (!service_id) row(0, grade).counts[bucket]++;
  }
  // The cap of a row: the one for these dates, else the latest that overlaps them.
  for (auto& c : *caps) {
    if (c.state == "withdrawn" || text(c, "starts_on") > q["to"] || text(c, "ends_on") < q["from"]) continue;
    const std::int64_t s = id_of(c, "service");
    if (service_id ? s != *service_id : false) continue;
    Row& r = row(s, text(c, "grade"));
    auto covers = [&](const Record* x) { return text(*x, "starts_on") <= q["from"] && text(*x, "ends_on") >= q["to"]; };
    if (!r.cap || (covers(&c) && !covers(r.cap)) ||
        (covers(&c) == covers(r.cap) && text(c, "starts_on") > text(*r.cap, "starts_on")))
      r.cap = &c;
  }

  std::vector<std::string> levels;
  if (auto active = read_all(records, p, *scheme_t, {{"active", "true"}}); active && !active->empty()) {
    auto d = json::parse(text(active->front(), "definition"), nullptr, false);
    if (d.is_object() && d.contains("levels") && d["levels"].is_array())
      for (auto& l : d["levels"])
        if (l.is_string()) levels.push_back(l);
  }
  std::map<std::int64_t, json> services;
  for (auto& [key, _] : rows) {
    if (key.first == 0 || services.count(key.first)) continue;
    auto s = records.get(p, *service_t, std::to_string(key.first));
    services[key.first] = s ? json{{"id", s->id}, {"number", s->number}, {"display", text(*s, service_t->display_field.c_str())}}
                            : json{{"id", key.first}};
  }
  auto rank = [&](const std::pair<std::int64_t, std::string>& key) {
    auto at = std::find(levels.begin(), levels.end(), key.second);
    std::string number = key.first ? services[key.first].value("number", "") : "";
    return std::make_tuple(key.first != 0, number, key.second.empty(), at - levels.begin(), key.second);
  };
  std::vector<std::pair<std::int64_t, std::string>> order;
  for (auto& [key, _] : rows) order.push_back(key);
  std::sort(order.begin(), order.end(), [&](auto& a, auto& b) { return rank(a) < rank(b); });

  json out_rows = json::array();
  for (auto& key : order) {
    const Row& r = rows[key];
    std::int64_t total = 0;
    for (auto n : r.counts) total += n;
    json line{{"service", key.first ? services[key.first] : json()},
              {"grade", key.second.empty() ? json() : json(key.second)},
              {"counts", r.counts},
              {"total", total},
              {"cap", nullptr},
              {"remaining", nullptr},
              {"breached", nullptr}};
    if (r.cap) {
      const std::int64_t cap = id_of(*r.cap, "cap");
      line["cap"] = {{"id", r.cap->id},           {"number", r.cap->number},
                     {"fiscal_year", id_of(*r.cap, "fiscal_year")}, {"target_kind", text(*r.cap, "target_kind")},
                     {"value", cap},               {"state", r.cap->state}};
      line["remaining"] = cap - total;
      line["breached"] = total > cap;
    }
    out_rows.push_back(std::move(line));
  }

  // Roll-out tasks past their due date and not done (§4.8 T11), in the report's zone.
  const std::int64_t today = floor_div(now + zone->offset_ms(now), kDay);
  std::vector<std::pair<std::string, std::string>> task_filters{{"state", "open"}, {"due_on[lte]", days_to_date(today - 1)}};
  if (service_id) task_filters.push_back({"service", std::to_string(*service_id)});
  auto tasks = read_all(records, p, *task_t, task_filters);
  if (!tasks) return tasks.take_error();
  std::erase_if(*tasks, [](const Record& t) { return id_of(t, "failure") == 0; });
  json overdue = json::array();
  for (auto& t : records.to_json(p, *tasks)) {
    overdue.push_back({{"number", t["number"]}, {"title", t["title"]}, {"failure", t["failure"]},
                       {"service", t["service"]}, {"due_on", t["due_on"]}, {"assignee", t["assignee"]}});
  }

  return json{{"from", q["from"]},
              {"to", q["to"]},
              {"period", period},
              {"tz", zone_name},
              {"periods", periods},
              {"levels", levels},
              {"rows", out_rows},
              {"overdue_rollout_tasks", overdue}};
}

}  // namespace kanri::processes::resolution
