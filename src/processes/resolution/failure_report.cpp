#include "processes/resolution/failure_report.h"

#include <algorithm>
#include <map>
#include <set>

#include "core/time_zone.h"
#include "engine/refusals.h"
#include "processes/record_fields.h"
#include "processes/report_query.h"

namespace kanri::processes::resolution {

using json = nlohmann::json;
using store::Record;

namespace {

std::int64_t id_of(const Record& r, const char* name) { return opt_int(r, name).value_or(0); }

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
  auto parsed = parse_report_query(records, p, query);
  if (!parsed) return parsed.take_error();
  const ReportQuery& rq = *parsed;
  const std::int64_t from = rq.from_day, to = rq.to_day;
  std::vector<std::int64_t> starts;
  for (auto& period : rq.periods) starts.push_back(period.first_day);
  std::optional<std::int64_t> service_id;
  if (rq.service) service_id = rq.service->id;
  std::map<std::string, std::string> q{{"from", rq.from}, {"to", rq.to}};

  // The occurrences within the dates in the report's zone.
  auto filters = rq.between("occurred_at", from, to);
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
    const std::int64_t day = rq.day_of(as_int(at));
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
  const std::int64_t today = rq.day_of(now);
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

  json out = rq.header();
  out.erase("service");
  out["levels"] = levels;
  out["rows"] = out_rows;
  out["overdue_rollout_tasks"] = overdue;
  return out;
}

}  // namespace kanri::processes::resolution
