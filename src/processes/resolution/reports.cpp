#include "processes/resolution/reports.h"

#include <set>

#include "engine/refusals.h"
#include "processes/record_fields.h"
#include "processes/report_query.h"

namespace kanri::processes::resolution {

using json = nlohmann::json;
using Filters = std::vector<std::pair<std::string, std::string>>;

namespace {

constexpr std::int64_t kDay = 86'400'000;

// The open states of incidents and requests: the backlog (resolved and fulfilled ones wait
// only for confirmation, so they are not).
constexpr const char* kOpenIncident = "new,assigned,in_progress,pending_requester,pending_supplier,pending_change";
constexpr const char* kOpenRequest = "submitted,awaiting_approval,in_fulfilment";

// Age bands of open work, in days: [0, 1), [1, 3), … [90, ∞).
constexpr std::int64_t kAgeBands[] = {0, 1, 3, 7, 30, 90};

Filters plus(Filters a, const Filters& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

double rate(std::int64_t part, std::int64_t whole) {
  return whole == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(whole);
}

// Reads one record type's counts for a report, with the caller's principal. The first error
// (a filter the model does not allow) is kept, the reads after it give nothing, and the
// report returns it: a report is whole or an error, never partly counted.
class Counter {
 public:
  Counter(engine::RecordService& records, const engine::Principal& p, const model::TypeDef& t)
      : records_(records), p_(p), t_(t) {}

  const std::optional<Error>& failed() const { return failed_; }

  std::int64_t count(const Filters& filters) {
    auto rows = tally(filters, {}, {});
    return rows.empty() ? 0 : rows.front().count;
  }

  // The first group's sums (zeros when nothing matches).
  std::vector<std::int64_t> sums(const Filters& filters, const std::vector<std::string>& columns) {
    auto rows = tally(filters, {}, columns);
    return rows.empty() ? std::vector<std::int64_t>(columns.size(), 0) : rows.front().sums;
  }

  std::vector<store::Tally> tally(const Filters& filters, const std::vector<std::string>& group_by,
                                  const std::vector<std::string>& sums) {
    if (failed_) return {};
    engine::ListRequest req;
    req.filters = filters;
    auto rows = records_.tally(p_, t_, req, group_by, sums);
    if (!rows) {
      failed_ = rows.take_error();
      return {};
    }
    return std::move(*rows);
  }

  // [{"value": …, "count": n}], largest first: a reference as {id, number, display} (only
  // {id} when the caller may not read it), anything else as stored, unset as null.
  json breakdown(const Filters& filters, const std::string& column) {
    auto rows = tally(filters, {column}, {});
    const model::FieldDef* f = t_.field(column);
    std::map<std::int64_t, store::RecordLabel> labels;
    if (f && f->is_reference()) {
      std::vector<std::int64_t> ids;
      for (auto& r : rows)
        if (!is_null(r.keys[0])) ids.push_back(as_int(r.keys[0]));
      if (const model::TypeDef* target = records_.catalogue().type(f->target)) labels = records_.labels(p_, *target, ids);
    }
    json out = json::array();
    for (auto& r : rows) {
      const Value& v = r.keys[0];
      json value;
      if (is_null(v)) value = nullptr;
      else if (f && f->is_reference()) {
        value = {{"id", as_int(v)}};
        if (auto it = labels.find(as_int(v)); it != labels.end()) {
          value["number"] = it->second.number;
          value["display"] = it->second.display;
        }
      } else if (f && f->type == model::FieldType::boolean) value = as_int(v) != 0;
      else if (std::holds_alternative<std::int64_t>(v)) value = as_int(v);
      else value = as_text(v);
      out.push_back({{"value", value}, {"count", r.count}});
    }
    return out;
  }

  // [{"min_days", "max_days" (null: no upper end), "count"}] of the records matching
  // `filters` by the age of `field` at `now`.
  json ageing(const Filters& filters, const std::string& field, EpochMs now) {
    json out = json::array();
    const size_t n = std::size(kAgeBands);
    for (size_t i = 0; i < n; ++i) {
      Filters band = filters;
      band.push_back({field + "[lte]", format_timestamp(now - kAgeBands[i] * kDay)});
      if (i + 1 < n) band.push_back({field + "[gte]", format_timestamp(now - kAgeBands[i + 1] * kDay + 1)});
      out.push_back({{"min_days", kAgeBands[i]}, {"max_days", i + 1 < n ? json(kAgeBands[i + 1]) : json()},
                     {"count", count(band)}});
    }
    return out;
  }

  // The first `limit` records matching `filters` in `sort` order, as the API renders them.
  json items(const Filters& filters, const std::string& sort, const std::vector<std::string>& fields,
             size_t limit = 50) {
    json out = json::array();
    if (failed_) return out;
    engine::ListRequest req;
    req.filters = filters;
    req.sort = sort;
    req.limit = std::to_string(limit);
    auto page = records_.list(p_, t_, req);
    if (!page) {
      failed_ = page.take_error();
      return out;
    }
    for (auto& r : records_.to_json(p_, page->records)) {
      json item{{"id", r["id"]}, {"number", r["number"]}, {"state", r.value("state", json())}};
      for (auto& f : fields) item[f] = r.value(f, json());
      out.push_back(std::move(item));
    }
    return out;
  }

 private:
  engine::RecordService& records_;
  const engine::Principal& p_;
  const model::TypeDef& t_;
  std::optional<Error> failed_;
};

// The report's type, readable by the caller, and its parsed query.
struct Prepared {
  const model::TypeDef* type = nullptr;
  ReportQuery query;
};

Result<Prepared> prepare(engine::RecordService& records, const engine::Principal& p, const std::string& name,
                         const ReportParams& params) {
  const model::TypeDef* t = records.catalogue().type(name);
  if (!t) return Error::of(ErrorKind::not_found, "report.unavailable", {{"type", name}});
  if (p.scope(t->name, "read") == engine::Scope::none) return engine::access_denied("read", *t);
  auto parsed = parse_report_query(records, p, params);
  if (!parsed) return parsed.take_error();
  return Prepared{t, std::move(*parsed)};
}

Filters service_filter(const ReportQuery& rq) {
  if (!rq.service) return {};
  return {{"service", std::to_string(rq.service->id)}};
}

}  // namespace

Result<json> incident_report(engine::RecordService& records, const engine::Principal& p, const ReportParams& query,
                             EpochMs now) {
  auto ready = prepare(records, p, "incident", query);
  if (!ready) return ready.take_error();
  const ReportQuery& rq = ready->query;
  Counter c(records, p, *ready->type);
  const Filters base = service_filter(rq);
  const Filters opened = plus(base, rq.between("opened_at", rq.from_day, rq.to_day));
  const Filters resolved = plus(base, rq.between("resolved_at", rq.from_day, rq.to_day));
  json out = rq.header();

  const std::int64_t total = c.count(opened);
  json volume{{"opened", total}};
  json periods = json::array();
  for (auto& period : rq.periods)
    periods.push_back({{"start", days_to_date(period.first_day)},
                       {"end", days_to_date(period.last_day)},
                       {"opened", c.count(plus(base, rq.between("opened_at", period.first_day, period.last_day)))},
                       {"resolved", c.count(plus(base, rq.between("resolved_at", period.first_day, period.last_day)))}});
  volume["periods"] = periods;
  for (const char* column : {"priority", "category", "service", "channel", "group"})
    volume[std::string("by_") + column] = c.breakdown(opened, column);
  out["volume"] = volume;

  const Filters open = plus(base, {{"state[in]", kOpenIncident}});
  out["backlog"] = {{"open", c.count(open)},
                    {"by_state", c.breakdown(open, "state")},
                    {"by_priority", c.breakdown(open, "priority")},
                    {"ageing", c.ageing(open, "opened_at", now)},
                    {"as_of", format_timestamp(now)}};

  const auto sums = c.sums(opened, {"escalation_count", "reassignment_count"});
  const std::int64_t escalated = c.count(plus(opened, {{"escalation_count[gte]", "1"}}));
  out["escalations"] = {{"incidents_escalated", escalated},
                        {"escalations", sums[0]},
                        {"incidents_reassigned", c.count(plus(opened, {{"reassignment_count[gte]", "1"}}))},
                        {"reassignments", sums[1]},
                        {"escalated_rate", rate(escalated, total)}};

  const std::int64_t resolved_n = c.count(resolved);
  const std::int64_t reopened = c.count(plus(resolved, {{"reopen_count[gte]", "1"}}));
  const std::int64_t first_contact = c.count(plus(resolved, {{"first_contact", "true"}}));
  out["resolution"] = {{"resolved", resolved_n},
                       {"reopened", reopened},
                       {"reopen_rate", rate(reopened, resolved_n)},
                       {"first_contact", first_contact},
                       {"first_contact_rate", rate(first_contact, resolved_n)}};

  const Filters major = plus(opened, {{"major", "true"}});
  out["major_incidents"] = {{"declared", c.count(major)},
                            {"candidates", c.count(plus(opened, {{"major_candidate", "true"}}))},
                            {"items", c.items(major, "-opened_at",
                                              {"title", "priority", "service", "major_manager", "major_declared_at",
                                               "opened_at", "resolved_at", "reviewed_on"})}};

  // Incidents and changes: those waiting for a change now, and those opened within the dates
  // whose problem is fixed through a named change.
  std::vector<std::int64_t> fixing;
  if (const model::TypeDef* problem_t = records.catalogue().type("problem");
      problem_t && p.scope(problem_t->name, "read") != engine::Scope::none) {
    auto problems = read_all(records, p, *problem_t, {{"state[in]", "fix_pending,fixed,closed"}});
    if (!problems) return problems.take_error();
    for (auto& pr : *problems)
      if (!text(pr, "change_ref").empty()) fixing.push_back(pr.id);
  }
  std::int64_t via_change = 0;
  for (size_t i = 0; i < fixing.size(); i += 100) {
    std::string list;
    for (size_t j = i; j < fixing.size() && j < i + 100; ++j) list += (list.empty() ? "" : ",") + std::to_string(fixing[j]);
    via_change += c.count(plus(opened, {{"problem[in]", list}}));
  }
  out["changes"] = {{"waiting_for_change", c.count(plus(base, {{"state", "pending_change"}}))},
                    {"fixed_through_change", via_change}};
  if (c.failed()) return *c.failed();
  return out;
}

Result<json> request_report(engine::RecordService& records, const engine::Principal& p, const ReportParams& query,
                            EpochMs now) {
  auto ready = prepare(records, p, "service_request", query);
  if (!ready) return ready.take_error();
  const ReportQuery& rq = ready->query;
  Counter c(records, p, *ready->type);
  const Filters base = service_filter(rq);
  const Filters opened = plus(base, rq.between("created_at", rq.from_day, rq.to_day));
  const Filters fulfilled = plus(base, rq.between("fulfilled_at", rq.from_day, rq.to_day));
  json out = rq.header();
  out["volume"] = {{"opened", c.count(opened)},
                   {"by_request_type", c.breakdown(opened, "request_type")},
                   {"by_state", c.breakdown(opened, "state")}};

  // Fulfilment against the target: per request type, in time, late, and without a target.
  struct Line {
    std::int64_t in_time = 0, late = 0, no_target = 0;
  };
  std::map<std::int64_t, Line> lines;  // request type id (0: none)
  Line all;
  for (auto& r : c.tally(fulfilled, {"request_type", "target_met"}, {})) {
    std::int64_t Line::*slot = is_null(r.keys[1]) ? &Line::no_target : as_int(r.keys[1]) ? &Line::in_time : &Line::late;
    lines[is_null(r.keys[0]) ? 0 : as_int(r.keys[0])].*slot += r.count;
    all.*slot += r.count;
  }
  std::map<std::int64_t, store::RecordLabel> labels;
  if (const model::TypeDef* type_t = records.catalogue().type("request_type")) {
    std::vector<std::int64_t> ids;
    for (auto& [id, _] : lines) ids.push_back(id);
    labels = records.labels(p, *type_t, ids);
  }
  auto line_json = [](const Line& l) {
    const std::int64_t measured = l.in_time + l.late;
    return json{{"fulfilled", measured + l.no_target}, {"in_time", l.in_time}, {"late", l.late},
                {"no_target", l.no_target}, {"in_time_rate", rate(l.in_time, measured)}};
  };
  json per_type = json::array();
  for (auto& [id, l] : lines) {
    json line = line_json(l);
    line["request_type"] = id == 0 ? json() : json{{"id", id}};
    if (auto it = labels.find(id); it != labels.end())
      line["request_type"].update({{"number", it->second.number}, {"display", it->second.display}});
    per_type.push_back(std::move(line));
  }
  json fulfilment = line_json(all);
  fulfilment["by_request_type"] = per_type;
  out["fulfilment"] = fulfilment;

  const Filters open = plus(base, {{"state[in]", kOpenRequest}});
  const Filters late = plus(open, {{"due_at[lte]", format_timestamp(now)}});
  out["backlog"] = {{"open", c.count(open)},
                    {"overdue", c.count(late)},
                    {"overdue_items", c.items(late, "due_at", {"title", "request_type", "priority", "due_at", "assignee"})},
                    {"ageing", c.ageing(open, "created_at", now)},
                    {"as_of", format_timestamp(now)}};
  if (c.failed()) return *c.failed();
  return out;
}

Result<json> problem_report(engine::RecordService& records, const engine::Principal& p, const ReportParams& query,
                            EpochMs now) {
  auto ready = prepare(records, p, "problem", query);
  if (!ready) return ready.take_error();
  const ReportQuery& rq = ready->query;
  Counter c(records, p, *ready->type);
  const Filters base = service_filter(rq);
  json out = rq.header();

  const Filters raised = plus(base, rq.between("created_at", rq.from_day, rq.to_day));
  out["problems"] = {
      {"raised", c.count(raised)},
      {"by_origin", c.breakdown(raised, "origin")},
      {"open_by_state", c.breakdown(plus(base, {{"state[in]", "new,investigating,known_error,fix_pending,fixed"}}), "state")}};

  // Fixed within the dates, each with the incidents opened on or after its fix date.
  const Filters fixed = plus(base, {{"fixed_on[gte]", rq.from}, {"fixed_on[lte]", rq.to}});
  const std::int64_t fixed_n = c.count(fixed);
  const std::int64_t recurring = c.count(plus(fixed, {{"recurrences[gte]", "1"}}));
  out["effectiveness"] = {
      {"fixed", fixed_n},
      {"with_recurrence", recurring},
      {"recurrences", c.sums(fixed, {"recurrences"})[0]},
      {"recurrence_rate", rate(recurring, fixed_n)},
      {"by_result", c.breakdown(fixed, "effectiveness_result")},
      {"items", c.items(fixed, "fixed_on", {"title", "service", "fixed_on", "change_ref", "recurrences", "effectiveness_result"}, 200)}};
  if (c.failed()) return *c.failed();

  json known;
  if (const model::TypeDef* ke = records.catalogue().type("known_error");
      ke && p.scope(ke->name, "read") != engine::Scope::none) {
    Counter k(records, p, *ke);
    const Filters open = plus(base, {{"state[in]", "draft,published"}});
    known = {{"open", k.count(open)},
             {"by_state", k.breakdown(open, "state")},
             {"ageing", k.ageing(open, "created_at", now)},
             {"oldest", k.items(open, "created_at", {"title", "problem", "service", "published_on", "created_at"}, 10)},
             {"published_in_range", k.count(plus(base, {{"published_on[gte]", rq.from}, {"published_on[lte]", rq.to}}))},
             {"as_of", format_timestamp(now)}};
    if (k.failed()) return *k.failed();
  }
  out["known_errors"] = known;
  return out;
}

}  // namespace kanri::processes::resolution
