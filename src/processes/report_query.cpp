#include "processes/report_query.h"

#include <algorithm>

#include "core/time.h"

namespace kanri::processes {

using json = nlohmann::json;

namespace {

constexpr std::int64_t kDay = 86'400'000;
constexpr size_t kMaxPeriods = 120;

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

}  // namespace

Error bad_report_parameter(const std::string& name, const std::string& code, MessageArgs args) {
  Error e = Error::of(ErrorKind::bad_request, "query.invalid");
  e.fields.push_back({name, code, std::move(args)});
  return e;
}

EpochMs ReportQuery::day_start(std::int64_t day) const {
  const EpochMs wall = day * kDay;
  const EpochMs guess = wall - zone->offset_ms(wall);
  return wall - zone->offset_ms(guess);
}

std::int64_t ReportQuery::day_of(EpochMs at) const { return floor_div(at + zone->offset_ms(at), kDay); }

std::vector<std::pair<std::string, std::string>> ReportQuery::between(const std::string& field, std::int64_t first_day,
                                                                      std::int64_t last_day) const {
  return {{field + "[gte]", format_timestamp(day_start(first_day))},
          {field + "[lte]", format_timestamp(day_start(last_day + 1) - 1)}};
}

json ReportQuery::header() const {
  json ps = json::array();
  for (auto& p : periods) ps.push_back({{"start", days_to_date(p.first_day)}, {"end", days_to_date(p.last_day)}});
  json out{{"from", from}, {"to", to}, {"period", period}, {"tz", zone_name}, {"periods", ps}, {"service", nullptr}};
  if (service) out["service"] = {{"id", service->id}, {"number", service->number}};
  return out;
}

Result<ReportQuery> parse_report_query(engine::RecordService& records, const engine::Principal& p,
                                       const std::vector<std::pair<std::string, std::string>>& query,
                                       const std::vector<std::string>& extra) {
  std::vector<std::string> allowed{"from", "to", "period", "service", "tz"};
  allowed.insert(allowed.end(), extra.begin(), extra.end());
  ReportQuery r;
  std::map<std::string, std::string> q;
  for (auto& [k, v] : query) {
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) {
      std::string names;
      for (auto& a : allowed) names += (names.empty() ? "" : ", ") + a;
      return bad_report_parameter(k, "query.unknown_parameter_of", {{"allowed", names}});
    }
    q[k] = v;
    if (std::find(extra.begin(), extra.end(), k) != extra.end()) r.extra[k] = v;
  }
  for (const char* name : {"from", "to"})
    if (!is_valid_date(q[name])) return bad_report_parameter(name, "report.date");
  r.from = q["from"];
  r.to = q["to"];
  r.from_day = date_to_days(r.from);
  r.to_day = date_to_days(r.to);
  if (r.to_day < r.from_day) return bad_report_parameter("to", "report.range");
  if (q.count("period")) r.period = q["period"];
  const std::int64_t step = r.period == "month" ? 1 : r.period == "quarter" ? 3 : r.period == "year" ? 12 : 0;
  if (step == 0) return bad_report_parameter("period", "report.period");
  if (q.count("tz")) r.zone_name = q["tz"];
  r.zone = TimeZone::named(r.zone_name);
  if (!r.zone) return bad_report_parameter("tz", "report.time_zone", {{"value", r.zone_name}});

  std::vector<std::int64_t> starts;
  for (std::int64_t k = 0; add_months(r.from_day, k * step) <= r.to_day; ++k) {
    if (starts.size() == kMaxPeriods) return bad_report_parameter("to", "report.too_many_periods", {{"max", "120"}});
    starts.push_back(add_months(r.from_day, k * step));
  }
  for (size_t i = 0; i < starts.size(); ++i) {
    std::int64_t end = i + 1 < starts.size() ? starts[i + 1] - 1 : std::min(r.to_day, add_months(starts[i], step) - 1);
    r.periods.push_back({starts[i], end});
  }
  if (q.count("service")) {
    const model::TypeDef* service_t = records.catalogue().type("service");
    auto s = service_t ? records.get(p, *service_t, q["service"]) : Result<store::Record>(Error::of(ErrorKind::not_found, ""));
    if (!s) return bad_report_parameter("service", "report.service", {{"value", q["service"]}});
    r.service = *s;
  }
  return r;
}

Result<std::vector<store::Record>> read_all(engine::RecordService& records, const engine::Principal& p,
                                            const model::TypeDef& t,
                                            std::vector<std::pair<std::string, std::string>> filters) {
  std::vector<store::Record> out;
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

}  // namespace kanri::processes
