#include "processes/service_level/sla_reports.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "core/text.h"
#include "engine/refusals.h"
#include "processes/record_fields.h"
#include "processes/report_query.h"
#include "processes/service_level/clock_store.h"
#include "store/sla_clocks.h"

namespace kanri::processes::service_level {

using json = nlohmann::json;

namespace {

constexpr int kMaxLimit = 500;

struct Ticket {
  std::string type, number, title;
  std::optional<std::int64_t> service, org;
};
using TicketKey = std::pair<std::string, std::int64_t>;

// The tickets of `clocks` that p may read (a type p may not read at all has none).
Result<std::map<TicketKey, Ticket>> readable_tickets(engine::RecordService& records, const engine::Principal& p,
                                                     const std::vector<store::StoredClock>& clocks) {
  std::map<std::string, std::vector<std::int64_t>> ids;
  for (auto& k : clocks) ids[k.record_type].push_back(k.record_id);
  std::map<TicketKey, Ticket> out;
  for (auto& [type, list] : ids) {
    const model::TypeDef* t = records.catalogue().type(type);
    if (!t || p.scope(type, "read") == engine::Scope::none) continue;
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
    for (std::size_t i = 0; i < list.size(); i += kMaxLimit) {
      std::string joined;
      for (std::size_t j = i; j < std::min(list.size(), i + kMaxLimit); ++j)
        joined += (joined.empty() ? "" : ",") + std::to_string(list[j]);
      auto rows = read_all(records, p, *t, {{"id[in]", joined}});
      if (!rows) return rows.take_error();
      for (auto& r : *rows) out[{type, r.id}] = Ticket{type, r.number, text(r, "title"), opt_int(r, "service"), r.org_id};
    }
  }
  return out;
}

// The clock reports are of tickets: refused (before any parameter is looked at) to whoever may
// read neither incidents nor service requests.
Status may_read_tickets(engine::RecordService& records, const engine::Principal& p) {
  const model::TypeDef* first = nullptr;
  for (const char* type : {"incident", "service_request"}) {
    const model::TypeDef* t = records.catalogue().type(type);
    if (t && p.scope(type, "read") != engine::Scope::none) return ok_status();
    if (!first) first = t;
  }
  if (!first) return Error::of(ErrorKind::not_found, "report.unavailable", {{"type", "incident"}});
  return engine::access_denied("read", *first);
}

json ticket_json(const Ticket& t, std::int64_t id) {
  const char* collection = t.type == "incident" ? "incidents" : "requests";
  return {{"type", t.type},
          {"id", id},
          {"number", t.number},
          {"title", t.title},
          {"clocks", std::string("/api/v1/") + collection + "/" + t.number + "/clocks"}};
}

// {id, number, display} of each id of `type` p may read; {id} for one it may not.
std::map<std::int64_t, json> refs(engine::RecordService& records, const engine::Principal& p, const char* type,
                                  const std::set<std::int64_t>& ids) {
  std::map<std::int64_t, json> out;
  const model::TypeDef* t = records.catalogue().type(type);
  if (!t || ids.empty()) return out;
  auto labels = records.labels(p, *t, std::vector<std::int64_t>(ids.begin(), ids.end()));
  for (std::int64_t id : ids) {
    auto it = labels.find(id);
    out[id] = it == labels.end() ? json{{"id", id}} : json{{"id", id}, {"number", it->second.number}, {"display", it->second.display}};
  }
  return out;
}

double percent(std::int64_t part, std::int64_t whole, int decimals) {
  const double scale = std::pow(10.0, decimals);
  return std::round(static_cast<double>(part) * 100.0 * scale / static_cast<double>(whole)) / scale;
}

// The period of `day`, or -1 outside the report.
int period_of(const ReportQuery& q, std::int64_t day) {
  for (std::size_t i = 0; i < q.periods.size(); ++i)
    if (day >= q.periods[i].first_day && day <= q.periods[i].last_day) return static_cast<int>(i);
  return -1;
}

Result<std::string> metric_param(const std::map<std::string, std::string>& extra) {
  auto it = extra.find("metric");
  if (it == extra.end()) return std::string();
  if (it->second != "response" && it->second != "resolution") return bad_report_parameter("metric", "report.metric");
  return it->second;
}

Result<int> limit_param(const std::map<std::string, std::string>& extra, int fallback) {
  auto it = extra.find("limit");
  if (it == extra.end()) return fallback;
  auto v = parse_int(it->second);
  if (!v || *v < 1 || *v > kMaxLimit) return bad_report_parameter("limit", "query.limit", {{"max", std::to_string(kMaxLimit)}});
  return static_cast<int>(*v);
}

// Breached: past its target when it was decided (a running clock past its due time is).
bool breached(const store::StoredClock& k) { return k.breached_at.has_value() || k.mode != "stopped"; }
EpochMs decided_at(const store::StoredClock& k) {
  if (k.breached_at) return *k.breached_at;
  return k.mode == "stopped" ? k.stopped_at.value_or(k.updated_at) : k.due_at.value_or(k.updated_at);
}

// The decided clocks of the report's range that p may read, of `metric` (all when empty) and
// the report's service.
struct Decided {
  std::vector<store::StoredClock> clocks;
  std::map<TicketKey, Ticket> tickets;
};
Result<Decided> decided_clocks(engine::RecordService& records, const engine::Principal& p, const ReportQuery& q,
                               const std::string& metric, EpochMs now) {
  Decided d;
  const EpochMs from = q.day_start(q.from_day), to = q.day_start(q.to_day + 1);
  std::vector<store::StoredClock> all;
  records.database().read([&](store::Connection& c) { all = store::clocks_decided_between(c, from, to, now); });
  if (!metric.empty()) std::erase_if(all, [&](auto& k) { return k.metric != metric; });
  auto tickets = readable_tickets(records, p, all);
  if (!tickets) return tickets.take_error();
  d.tickets = std::move(*tickets);
  for (auto& k : all) {
    auto it = d.tickets.find({k.record_type, k.record_id});
    if (it == d.tickets.end()) continue;
    if (q.service && it->second.service != q.service->id) continue;
    d.clocks.push_back(std::move(k));
  }
  return d;
}

struct Cell {
  std::int64_t met = 0, breached = 0;
};

json cell_json(const Cell& c) {
  const std::int64_t decided = c.met + c.breached;
  return {{"met", c.met},
          {"breached", c.breached},
          {"decided", decided},
          {"attainment", decided ? json(percent(c.met, decided, 1)) : json(nullptr)}};
}

// The periods of one row with its totals and the trend: the last period's attainment against
// the one before it that decided anything, in percentage points.
json row_json(const std::vector<Cell>& cells) {
  json periods = json::array();
  Cell sum;
  std::vector<double> seen;
  for (auto& c : cells) {
    periods.push_back(cell_json(c));
    sum.met += c.met;
    sum.breached += c.breached;
    if (c.met + c.breached) seen.push_back(percent(c.met, c.met + c.breached, 1));
  }
  json out = cell_json(sum);
  out["periods"] = periods;
  out["trend"] = seen.size() >= 2 ? json(std::round((seen.back() - seen[seen.size() - 2]) * 10.0) / 10.0) : json(nullptr);
  return out;
}

// Outage intervals of the incidents, merged where they overlap (two incidents of one outage
// are one downtime).
struct Outage {
  EpochMs from = 0, to = 0;
  bool ongoing = false;  // no end recorded yet: counted up to now
  json incident;
};

std::vector<std::pair<EpochMs, EpochMs>> merged(std::vector<std::pair<EpochMs, EpochMs>> spans) {
  std::sort(spans.begin(), spans.end());
  std::vector<std::pair<EpochMs, EpochMs>> out;
  for (auto& s : spans) {
    if (!out.empty() && s.first <= out.back().second) out.back().second = std::max(out.back().second, s.second);
    else out.push_back(s);
  }
  return out;
}

Status outage_write(engine::WriteContext& w) {
  const store::Record& r = w.after;
  auto start = opt_int(r, "outage_started_at"), end = opt_int(r, "outage_ended_at");
  if (end && !start) return Error::invalid({{"outage_started_at", "outage.end_without_start", {}}});
  if (start && end && *end < *start) return Error::invalid({{"outage_ended_at", "outage.end_before_start", {}}});
  if (w.action == "transition:resolve" && start && !end)
    return Error::invalid({{"outage_ended_at", "outage.open_at_resolve", {}}});
  return ok_status();
}

}  // namespace

void register_outage_rules(engine::RuleRegistry& rules) { rules.add_write_rule("incident", outage_write); }

Result<json> service_level_report(engine::RecordService& records, const engine::Principal& p, const ReportParams& query,
                                  EpochMs now) {
  if (auto allowed = may_read_tickets(records, p); !allowed) return allowed.error();
  auto q = parse_report_query(records, p, query, {"group_by", "metric"});
  if (!q) return q.take_error();
  const std::string group_by = q->extra.count("group_by") ? q->extra["group_by"] : "agreement";
  if (group_by != "agreement" && group_by != "service" && group_by != "customer")
    return bad_report_parameter("group_by", "report.group_by");
  auto metric = metric_param(q->extra);
  if (!metric) return metric.take_error();
  auto d = decided_clocks(records, p, *q, *metric, now);
  if (!d) return d.take_error();

  std::map<std::optional<std::int64_t>, std::vector<Cell>> rows;
  std::vector<Cell> total(q->periods.size());
  for (auto& k : d->clocks) {
    const int i = period_of(*q, q->day_of(decided_at(k)));
    if (i < 0) continue;
    const Ticket& t = d->tickets.at({k.record_type, k.record_id});
    const std::optional<std::int64_t> key = group_by == "agreement" ? k.agreement_id
                                            : group_by == "service" ? t.service
                                                                    : t.org;
    auto& cells = rows[key];
    if (cells.empty()) cells.resize(q->periods.size());
    (breached(k) ? cells[i].breached : cells[i].met)++;
    (breached(k) ? total[i].breached : total[i].met)++;
  }
  std::set<std::int64_t> ids;
  for (auto& [key, _] : rows)
    if (key) ids.insert(*key);
  const char* type = group_by == "agreement" ? "agreement" : group_by == "service" ? "service" : "organization";
  auto names = refs(records, p, type, ids);
  json out = q->header();
  out["group_by"] = group_by;
  out["metric"] = metric->empty() ? json(nullptr) : json(*metric);
  json items = json::array();
  for (auto& [key, cells] : rows) {
    json row = row_json(cells);
    row[group_by] = key ? names[*key] : json(nullptr);
    items.push_back(std::move(row));
  }
  std::stable_sort(items.begin(), items.end(), [&](const json& a, const json& b) {
    return a[group_by].value("number", "~") < b[group_by].value("number", "~");
  });
  out["items"] = items;
  out["total"] = row_json(total);
  return out;
}

Result<json> sla_at_risk_report(engine::RecordService& records, const engine::Principal& p, const ReportParams& query,
                                EpochMs now) {
  if (auto allowed = may_read_tickets(records, p); !allowed) return allowed.error();
  std::map<std::string, std::string> params;
  for (auto& [k, v] : query) {
    if (k != "within" && k != "metric" && k != "limit" && k != "service")
      return bad_report_parameter(k, "query.unknown_parameter_of", {{"allowed", "within, metric, service, limit"}});
    params[k] = v;
  }
  std::optional<std::int64_t> service;
  if (params.count("service")) {
    const model::TypeDef* service_t = records.catalogue().type("service");
    auto s = service_t ? records.get(p, *service_t, params["service"]) : Result<store::Record>(Error::of(ErrorKind::not_found, ""));
    if (!s) return bad_report_parameter("service", "report.service", {{"value", params["service"]}});
    service = s->id;
  }
  std::int64_t within = 4 * 3'600'000;
  if (params.count("within")) {
    auto d = parse_duration(params["within"]);
    if (!d) return bad_report_parameter("within", "report.within");
    within = *d;
  }
  auto metric = metric_param(params);
  if (!metric) return metric.take_error();
  auto limit = limit_param(params, 50);
  if (!limit) return limit.take_error();

  std::vector<store::StoredClock> clocks;
  records.database().read([&](store::Connection& c) { clocks = store::running_clocks_due_before(c, now + within, 20 * kMaxLimit); });
  if (!metric->empty()) std::erase_if(clocks, [&](auto& k) { return k.metric != *metric; });
  auto tickets = readable_tickets(records, p, clocks);
  if (!tickets) return tickets.take_error();
  std::erase_if(clocks, [&](auto& k) {
    auto t = tickets->find({k.record_type, k.record_id});
    return t == tickets->end() || (service && t->second.service != service);
  });
  const bool truncated = clocks.size() > static_cast<std::size_t>(*limit);
  if (truncated) clocks.resize(*limit);
  std::set<std::int64_t> agreement_ids;
  for (auto& k : clocks)
    if (k.agreement_id) agreement_ids.insert(*k.agreement_id);
  auto agreements = refs(records, p, "agreement", agreement_ids);
  json items = json::array();
  records.database().read([&](store::Connection& c) {
    std::map<std::optional<std::int64_t>, BusinessCalendar> calendars;
    for (auto& k : clocks) {
      auto cal = calendars.find(k.calendar_id);
      if (cal == calendars.end()) cal = calendars.emplace(k.calendar_id, calendar_for(c, records, k.calendar_id)).first;
      const std::int64_t used = elapsed_at(state_of(k), now, cal->second);
      const std::int64_t left = std::max<std::int64_t>(0, k.target_ms - used);
      items.push_back({{"ticket", ticket_json(tickets->at({k.record_type, k.record_id}), k.record_id)},
                       {"metric", k.metric},
                       {"agreement", k.agreement_id ? agreements[*k.agreement_id] : json(nullptr)},
                       {"target_ref", k.target_ref},
                       {"target_time", format_duration(k.target_ms)},
                       {"due_at", k.due_at ? json(format_timestamp(*k.due_at)) : json(nullptr)},
                       {"elapsed_ms", used},
                       {"used_percent", k.target_ms > 0 ? json(percent(used, k.target_ms, 1)) : json(nullptr)},
                       {"left", format_duration(left)},
                       {"left_ms", left},
                       {"breached", k.due_at && *k.due_at <= now}});
    }
  });
  return json{{"at", format_timestamp(now)}, {"within", format_duration(within)}, {"items", items}, {"truncated", truncated}};
}

Result<json> sla_breach_report(engine::RecordService& records, const engine::Principal& p, const ReportParams& query,
                               EpochMs now) {
  if (auto allowed = may_read_tickets(records, p); !allowed) return allowed.error();
  auto q = parse_report_query(records, p, query, {"metric", "limit"});
  if (!q) return q.take_error();
  auto metric = metric_param(q->extra);
  if (!metric) return metric.take_error();
  auto limit = limit_param(q->extra, 100);
  if (!limit) return limit.take_error();
  auto d = decided_clocks(records, p, *q, *metric, now);
  if (!d) return d.take_error();
  std::erase_if(d->clocks, [](auto& k) { return !breached(k); });
  std::stable_sort(d->clocks.begin(), d->clocks.end(), [](auto& a, auto& b) { return decided_at(a) < decided_at(b); });
  const std::size_t count = d->clocks.size();
  if (count > static_cast<std::size_t>(*limit)) d->clocks.resize(*limit);
  std::set<std::int64_t> agreement_ids;
  for (auto& k : d->clocks)
    if (k.agreement_id) agreement_ids.insert(*k.agreement_id);
  auto agreements = refs(records, p, "agreement", agreement_ids);
  json items = json::array();
  records.database().read([&](store::Connection& c) {
    CalendarsAsOf calendars(c, records);
    for (auto& k : d->clocks) {
      auto replayed = replay_ticket(c, records, calendars, k.record_type, k.record_id, now);
      auto r = replayed.find(k.metric);
      items.push_back({{"ticket", ticket_json(d->tickets.at({k.record_type, k.record_id}), k.record_id)},
                       {"metric", k.metric},
                       {"agreement", k.agreement_id ? agreements[*k.agreement_id] : json(nullptr)},
                       {"agreement_version", k.agreement_version},
                       {"target_ref", k.target_ref},
                       {"target_time", format_duration(k.target_ms)},
                       {"breached_at", format_timestamp(decided_at(k))},
                       {"state", k.mode},
                       {"timeline", r == replayed.end() ? json::array() : timeline_json(r->second.timeline)}});
    }
  });
  json out = q->header();
  out["metric"] = metric->empty() ? json(nullptr) : json(*metric);
  out["count"] = count;
  out["truncated"] = count > items.size();
  out["items"] = items;
  return out;
}

Result<json> availability_report(engine::RecordService& records, const engine::Principal& p, const ReportParams& query,
                                 EpochMs now) {
  const model::Catalogue& cat = records.catalogue();
  const model::TypeDef* agreement_t = cat.type("agreement");
  const model::TypeDef* target_t = cat.type("service_level_target");
  const model::TypeDef* incident_t = cat.type("incident");
  if (!agreement_t || !target_t || !incident_t)
    return Error::of(ErrorKind::not_found, "report.unavailable", {{"type", "agreement"}});
  if (p.scope(agreement_t->name, "read") == engine::Scope::none) return engine::access_denied("read", *agreement_t);
  auto q = parse_report_query(records, p, query, {"agreement"});
  if (!q) return q.take_error();
  std::vector<store::Record> agreements;
  if (q->extra.count("agreement")) {
    auto a = records.get(p, *agreement_t, q->extra["agreement"]);
    if (!a) return bad_report_parameter("agreement", "report.agreement", {{"value", q->extra["agreement"]}});
    agreements.push_back(std::move(*a));
  } else {
    auto active = read_all(records, p, *agreement_t, {{"state", "active"}});
    if (!active) return active.take_error();
    agreements = std::move(*active);
  }
  const EpochMs from = q->day_start(q->from_day), to = q->day_start(q->to_day + 1);
  json items = json::array();
  // Each service's outages in the range, read once however many agreements cover it.
  std::map<std::int64_t, std::vector<Outage>> outages;
  auto outages_of = [&](std::int64_t service) -> Result<const std::vector<Outage>*> {
    auto it = outages.find(service);
    if (it != outages.end()) return &it->second;
    auto rows = read_all(records, p, *incident_t,
                         {{"service", std::to_string(service)}, {"outage_started_at[lte]", format_timestamp(to)}});
    if (!rows) return rows.take_error();
    std::vector<Outage> list;
    for (auto& r : *rows) {
      auto start = opt_int(r, "outage_started_at");
      if (!start) continue;
      const auto recorded_end = opt_int(r, "outage_ended_at");
      const EpochMs end = recorded_end.value_or(now);
      if (end <= from || end <= *start) continue;
      list.push_back({*start, end, !recorded_end, {{"id", r.id}, {"number", r.number}, {"title", text(r, "title")}}});
    }
    return &outages.emplace(service, std::move(list)).first->second;
  };
  for (auto& a : agreements) {
    auto targets = read_all(records, p, *target_t, {{"agreement", std::to_string(a.id)}, {"metric", "availability"}});
    if (!targets) return targets.take_error();
    if (targets->empty()) continue;
    auto links = records.links(p, *agreement_t, std::to_string(a.id));
    if (!links) return links.take_error();
    BusinessCalendar cal = around_the_clock();
    json calendar = nullptr;
    records.database().read([&](store::Connection& c) {
      cal = calendar_for(c, records, opt_int(a, "calendar"));
      calendar = ref_of(c, records, "business_calendar", opt_int(a, "calendar"));
    });
    for (auto& l : *links) {
      if (!l.outgoing || l.link.relation != "covers") continue;
      if (q->service && l.other_id != q->service->id) continue;
      auto list = outages_of(l.other_id);
      if (!list) return list.take_error();
      std::vector<std::pair<EpochMs, EpochMs>> spans;
      json outage_items = json::array();
      for (auto& o : **list) {
        const EpochMs s = std::max(o.from, from), e = std::min(o.to, to);
        if (e <= s) continue;
        spans.emplace_back(s, e);
        outage_items.push_back({{"incident", o.incident},
                                {"from", format_timestamp(o.from)},
                                {"to", o.ongoing ? json(nullptr) : json(format_timestamp(o.to))},
                                {"business_ms", cal.between(s, e)}});
      }
      const auto down = merged(spans);
      for (auto& t : *targets) {
        const double want = as_double(field(t, "availability_percent"));
        json periods = json::array();
        std::int64_t agreed_sum = 0, down_sum = 0;
        for (auto& period : q->periods) {
          // A period not over yet counts up to now.
          const EpochMs ps = q->day_start(period.first_day), pe = std::min(q->day_start(period.last_day + 1), now);
          const std::int64_t agreed = pe > ps ? cal.between(ps, pe) : 0;
          std::int64_t downtime = 0;
          for (auto& [s, e] : down)
            if (std::min(e, pe) > std::max(s, ps)) downtime += cal.between(std::max(s, ps), std::min(e, pe));
          agreed_sum += agreed;
          down_sum += downtime;
          const json achieved = agreed ? json(percent(agreed - downtime, agreed, 3)) : json(nullptr);
          periods.push_back({{"agreed_ms", agreed},
                             {"downtime_ms", downtime},
                             {"downtime", format_duration(downtime)},
                             {"availability", achieved},
                             {"met", achieved.is_null() ? json(nullptr) : json(achieved.get<double>() >= want)}});
        }
        const json achieved = agreed_sum ? json(percent(agreed_sum - down_sum, agreed_sum, 3)) : json(nullptr);
        items.push_back({{"agreement", {{"id", a.id}, {"number", a.number}, {"display", text(a, "title")}}},
                         {"target", {{"id", t.id}, {"number", t.number}, {"display", text(t, "summary")}}},
                         {"service", {{"id", l.other_id}, {"number", l.other.number}, {"display", l.other.display}}},
                         {"calendar", calendar},
                         {"target_percent", want},
                         {"target_period", text(t, "period")},
                         {"periods", periods},
                         {"agreed_ms", agreed_sum},
                         {"downtime_ms", down_sum},
                         {"availability", achieved},
                         {"met", achieved.is_null() ? json(nullptr) : json(achieved.get<double>() >= want)},
                         {"outages", outage_items}});
      }
    }
  }
  json out = q->header();
  out["formula"] = "(agreed service time - downtime) / agreed service time";
  out["items"] = items;
  return out;
}

}  // namespace kanri::processes::service_level
