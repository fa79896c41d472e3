#include "processes/service_level/ticket_clocks.h"

#include "processes/record_fields.h"
#include "processes/service_level/calendar_rules.h"
#include "processes/service_level/clock.h"
#include "store/sla_clocks.h"

namespace kanri::processes::service_level {

using json = nlohmann::json;

namespace {

const char* const kMetrics[] = {"response", "resolution"};

ClockMode mode_of(const std::string& name) {
  return name == "running" ? ClockMode::running : name == "paused" ? ClockMode::paused : ClockMode::stopped;
}

ClockState state_of(const store::StoredClock& k) {
  ClockState c;
  c.started = true;
  c.mode = mode_of(k.mode);
  c.started_at = k.started_at;
  c.since = k.since;
  c.elapsed_ms = k.elapsed_ms;
  c.target_ms = k.target_ms;
  c.target_ref = k.target_ref;
  c.breached_at = k.breached_at;
  c.stopped_at = k.stopped_at;
  c.ended = k.ended;
  return c;
}

BusinessCalendar around_the_clock() {
  CalendarDefinition d;
  for (auto& day : d.week) day = {{0, 86'400'000}};
  return *BusinessCalendar::make(d);
}

// The calendar of a business_calendar record; around the clock when there is none or it cannot
// be read (the write rule refuses calendars that cannot be read, so that is a deleted one).
BusinessCalendar calendar_for(store::Connection& c, engine::RecordService& records, std::optional<std::int64_t> id) {
  const model::TypeDef* t = records.catalogue().type("business_calendar");
  if (!t || !id) return around_the_clock();
  auto r = records.store().find(c, *t, *id);
  if (!r) return around_the_clock();
  auto d = calendar_of(*r);
  if (!d) return around_the_clock();
  auto cal = BusinessCalendar::make(std::move(d).value());
  if (!cal) return around_the_clock();
  return std::move(*cal);
}

struct Applicable {
  std::optional<store::Record> agreement;
  std::map<std::string, store::Record> targets;  // by measure
};

// The SLA that applies to the incident now, and its targets for the incident's priority.
Applicable applicable(store::Connection& c, engine::RecordService& records, const store::Record& incident) {
  Applicable out;
  const model::TypeDef* agreement_t = records.catalogue().type("agreement");
  const model::TypeDef* target_t = records.catalogue().type("service_level_target");
  auto service = opt_int(incident, "service");
  if (!agreement_t || !target_t || !service) return out;
  const auto org = opt_int(incident, "organization");
  for (auto& row : c.query("SELECT from_id FROM links WHERE to_type = 'service' AND to_id = ? AND relation = 'covers' "
                           "AND from_type = 'agreement' ORDER BY from_id",
                           {*service})
                       .rows) {
    auto a = records.store().find(c, *agreement_t, as_int(row[0]));
    if (!a || a->state != "active" || text(*a, "kind") != "sla" || opt_int(*a, "customer") != org) continue;
    out.agreement = std::move(a);
    break;
  }
  if (!out.agreement) return out;
  const std::string priority = text(incident, "priority");
  for (auto& row : c.query("SELECT id FROM " + target_t->table() +
                               " WHERE \"agreement\" = ? AND deleted_at IS NULL ORDER BY id",
                           {out.agreement->id})
                       .rows) {
    auto t = records.store().find(c, *target_t, as_int(row[0]));
    if (!t || text(*t, "applies_to") != "incident") continue;
    const std::string metric = text(*t, "metric"), p = text(*t, "priority");
    if (metric != "response" && metric != "resolution") continue;
    if (p == priority) out.targets.insert_or_assign(metric, std::move(*t));       // this priority's wins
    else if (p.empty()) out.targets.try_emplace(metric, std::move(*t));           // else every priority's
  }
  return out;
}

Status incident_changed(const engine::RecordChange& ch) {
  if (!ch.records || !(ch.action == "create" || ch.action == "update" || ch.action.rfind("transition:", 0) == 0))
    return ok_status();
  const store::Record& incident = ch.record;
  auto clocks = store::ticket_clocks(ch.connection, "incident", incident.id);
  Applicable now = applicable(ch.connection, *ch.records, incident);
  if (clocks.empty() && now.targets.empty()) return ok_status();  // no agreement, no clock
  for (const char* metric : kMetrics) {
    auto stored = std::find_if(clocks.begin(), clocks.end(), [&](auto& k) { return k.metric == metric; });
    auto target = now.targets.find(metric);
    if (stored == clocks.end() && target == now.targets.end()) continue;
    store::StoredClock k = stored == clocks.end() ? store::StoredClock{} : *stored;
    ClockEvent e{ch.at, incident.state, 0, ""};
    if (target != now.targets.end()) {
      e.target_ms = opt_int(target->second, "target_time").value_or(0);
      e.target_ref = target->second.number + " " + now.agreement->number + " v" +
                     std::to_string(opt_int(*now.agreement, "agreement_version").value_or(0));
    }
    // A new clock starts when the incident was opened (an incident recorded afterwards, as
    // imported ones are, has used the time since), under its agreement's calendar.
    if (stored == clocks.end()) {
      k.record_type = "incident";
      k.record_id = incident.id;
      k.metric = metric;
      k.calendar_id = opt_int(*now.agreement, "calendar");
    }
    const BusinessCalendar cal = calendar_for(ch.connection, *ch.records, k.calendar_id);
    const ClockPolicy policy = std::string(metric) == "response" ? ClockPolicy::incident_response()
                                                                 : ClockPolicy::incident_resolution();
    ClockState c = stored == clocks.end() ? ClockState{} : state_of(k);
    if (stored == clocks.end()) {
      const EpochMs opened = opt_int(incident, "opened_at").value_or(ch.at);
      c = advance(c, {std::min(opened, ch.at), "new", e.target_ms, e.target_ref}, cal, policy);
    }
    c = advance(c, e, cal, policy);
    if (target != now.targets.end()) {
      k.target_id = target->second.id;
      k.agreement_id = now.agreement->id;
      k.agreement_version = opt_int(*now.agreement, "agreement_version").value_or(0);
    } else {
      k.target_id.reset();
    }
    k.mode = mode_name(c.mode);
    k.started_at = c.started_at;
    k.since = c.since;
    k.elapsed_ms = c.elapsed_ms;
    k.target_ms = c.target_ms;
    k.target_ref = c.target_ref;
    k.breached_at = c.breached_at;
    k.stopped_at = c.stopped_at;
    k.ended = c.ended;
    k.due_at = c.target_ms > 0 ? due_at(c, cal) : std::nullopt;
    k.updated_at = ch.at;
    store::save_clock(ch.connection, k);
  }
  return ok_status();
}

json ref_of(store::Connection& c, engine::RecordService& records, const char* type, std::optional<std::int64_t> id) {
  const model::TypeDef* t = records.catalogue().type(type);
  if (!t || !id) return nullptr;
  auto r = records.store().find(c, *t, *id);
  if (!r) return {{"id", *id}};
  return {{"id", r->id}, {"number", r->number}};
}

}  // namespace

void register_ticket_clock_rules(engine::RuleRegistry& rules) { rules.add_observer("incident", incident_changed); }

Result<json> incident_clocks(engine::RecordService& records, const engine::Principal& p, const std::string& key,
                             EpochMs now) {
  const model::TypeDef* t = records.catalogue().type("incident");
  if (!t) return Error::of(ErrorKind::not_found, "report.unavailable", {{"type", "incident"}});
  auto incident = records.get(p, *t, key);
  if (!incident) return incident.take_error();
  json items = json::array();
  records.database().read([&](store::Connection& c) {
    for (auto& k : store::ticket_clocks(c, "incident", incident->id)) {
      const BusinessCalendar cal = calendar_for(c, records, k.calendar_id);
      ClockState s = state_of(k);
      auto when = [](const std::optional<EpochMs>& v) { return v ? json(format_timestamp(*v)) : json(nullptr); };
      items.push_back({{"metric", k.metric},
                       {"state", k.mode},
                       {"target", ref_of(c, records, "service_level_target", k.target_id)},
                       {"agreement", ref_of(c, records, "agreement", k.agreement_id)},
                       {"agreement_version", k.agreement_version},
                       {"calendar", ref_of(c, records, "business_calendar", k.calendar_id)},
                       {"target_time", k.target_ms > 0 ? json(format_duration(k.target_ms)) : json(nullptr)},
                       {"elapsed", format_duration(elapsed_at(s, now, cal))},
                       {"elapsed_ms", elapsed_at(s, now, cal)},
                       {"started_at", format_timestamp(k.started_at)},
                       {"due_at", when(k.due_at)},
                       {"breached", k.target_ms > 0 && breached(s, now, cal)},
                       {"breached_at", when(k.breached_at)},
                       {"stopped_at", when(k.stopped_at)},
                       {"target_ref", k.target_ref}});
    }
  });
  return json{{"incident", {{"id", incident->id}, {"number", incident->number}}}, {"items", items}};
}

}  // namespace kanri::processes::service_level
