#include "processes/service_level/ticket_clocks.h"

#include <chrono>
#include <cmath>
#include <limits>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>

#include <spdlog/spdlog.h>

#include "processes/record_fields.h"
#include "processes/service_level/calendar_rules.h"
#include "processes/service_level/clock.h"
#include "processes/service_level/clock_store.h"
#include "processes/service_level/threshold_actions.h"
#include "core/text.h"
#include "jobs/events.h"
#include "store/jobs.h"
#include "store/journal.h"
#include "store/sla_clocks.h"

namespace kanri::processes::service_level {

using json = nlohmann::json;

namespace {

const char* const kMetrics[] = {"response", "resolution"};
// A running clock has one timer: the first of kThresholds (threshold_actions.h) it has not passed
// under its target. When it fires (a notice, the sla_threshold event that subscriptions turn into
// mails; the target's threshold actions; at 100 % the breach) it sets the timer to the next share,
// so a clock costs one pending job, and a change or a calendar edit moves one.
constexpr const char* kThresholdJob = "sla.threshold";

std::string timer_key(const store::StoredClock& k) {
  return "sla:" + k.record_type + ":" + std::to_string(k.record_id) + ":" + k.metric;
}

bool fired(const store::StoredClock& k, int percent) {
  const std::string p = std::to_string(percent);
  std::size_t from = 0;
  while (from <= k.thresholds_fired.size()) {
    std::size_t to = k.thresholds_fired.find(',', from);
    if (to == std::string::npos) to = k.thresholds_fired.size();
    if (k.thresholds_fired.compare(from, to - from, p) == 0) return true;
    from = to + 1;
  }
  return false;
}

struct NextThreshold {
  int percent = 0;
  EpochMs at = 0;
  bool operator==(const NextThreshold& o) const { return percent == o.percent && at == o.at; }
};

// The first share not yet passed that a running clock with a target reaches, and when.
std::optional<NextThreshold> next_threshold(const store::StoredClock& k, const ClockState& clock,
                                            const BusinessCalendar& cal) {
  if (clock.mode != ClockMode::running || clock.target_ms <= 0) return std::nullopt;
  for (int percent : kThresholds) {
    if (fired(k, percent)) continue;
    auto at = threshold_at(clock, percent / 100.0, cal);
    if (!at) return std::nullopt;  // never reached (a calendar without hours from here on)
    return NextThreshold{percent, *at};
  }
  return std::nullopt;
}

json timer_payload(const store::StoredClock& k, int percent) {
  return {{"record_type", k.record_type}, {"record_id", k.record_id}, {"metric", k.metric},
          {"percent", percent},           {"target_ref", k.target_ref}};
}

void schedule_timer(store::Connection& c, const store::StoredClock& k, const NextThreshold& next,
                    std::optional<std::int64_t> org_id, EpochMs now) {
  store::JobSpec spec;
  spec.kind = kThresholdJob;
  spec.key = timer_key(k);
  spec.due_at = std::max(next.at, now);  // a share already reached fires at once
  spec.org_id = org_id;
  spec.payload = timer_payload(k, next.percent);
  store::schedule_job(c, spec, now);
}

// The clock's timer after a change: set (or moved) to its next share while it runs under a
// target, cancelled while it is paused or stopped.
void set_threshold_timer(store::Connection& c, const store::StoredClock& k, const ClockState& clock,
                         const BusinessCalendar& cal, std::optional<std::int64_t> org_id, EpochMs now) {
  auto next = next_threshold(k, clock, cal);
  if (!next) {
    store::cancel_job(c, timer_key(k), now);
    return;
  }
  schedule_timer(c, k, *next, org_id, now);
  jobs::wake();
}

struct Applicable {
  std::optional<store::Record> agreement;
  std::map<std::string, store::Record> targets;  // by measure
};

// The SLA that applies to the ticket now, and its targets for the ticket: of its type, and the
// most particular one of each measure (its request type and priority, then its request type or
// priority, then every ticket).
Applicable applicable(store::Connection& c, engine::RecordService& records, const store::Record& ticket) {
  Applicable out;
  const model::TypeDef* agreement_t = records.catalogue().type("agreement");
  const model::TypeDef* target_t = records.catalogue().type("service_level_target");
  auto service = opt_int(ticket, "service");
  if (!agreement_t || !target_t || !service) return out;
  const auto org = opt_int(ticket, "organization");
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
  const std::string priority = text(ticket, "priority");
  const auto request_type = opt_int(ticket, "request_type");
  std::map<std::string, int> best;
  for (auto& row : c.query("SELECT id FROM " + target_t->table() +
                               " WHERE \"agreement\" = ? AND deleted_at IS NULL ORDER BY id",
                           {out.agreement->id})
                       .rows) {
    auto t = records.store().find(c, *target_t, as_int(row[0]));
    if (!t || text(*t, "applies_to") != ticket.type->name) continue;
    const std::string metric = text(*t, "metric"), p = text(*t, "priority");
    const auto rt = opt_int(*t, "request_type");
    if (metric != "response" && metric != "resolution") continue;
    if ((!p.empty() && p != priority) || (rt && rt != request_type)) continue;
    const int score = (rt ? 2 : 0) + (p.empty() ? 0 : 1);
    auto it = best.find(metric);
    if (it != best.end() && it->second >= score) continue;
    best[metric] = score;
    out.targets.insert_or_assign(metric, std::move(*t));
  }
  return out;
}

json event_json(const ClockEvent& e) {
  return {{"at", e.at}, {"state", e.state}, {"target_ms", e.target_ms}, {"target_ref", e.target_ref}};
}

// Whether a write can move the ticket's clocks: a create, an edit or a transition, and a rule's
// own change of what the clocks follow (an approval completing, an automatic closure, a
// threshold action raising the priority). Not an import: an imported ticket brings its outcome.
bool moves_clocks(const engine::RecordChange& ch) {
  if (ch.action == "create" || ch.action == "update" || ch.action.rfind("transition:", 0) == 0) return true;
  if (ch.action == "import" || !ch.changes.is_object()) return false;
  for (const char* f : {"state", "priority", "service", "organization", "request_type"})
    if (ch.changes.contains(f)) return true;
  return false;
}

Status ticket_changed(const engine::RecordChange& ch) {
  if (!ch.records || !moves_clocks(ch)) return ok_status();
  const store::Record& incident = ch.record;  // an incident or a service request
  const std::string& type = incident.type->name;
  auto clocks = store::ticket_clocks(ch.connection, type, incident.id);
  Applicable now = applicable(ch.connection, *ch.records, incident);
  if (clocks.empty() && now.targets.empty()) return ok_status();  // no agreement, no clock
  // What each clock was advanced by, journaled on the incident: the source of its timeline and
  // of `kanri sla recompute`, and the record of which target applied when.
  json journaled = json::object();
  std::map<std::optional<std::int64_t>, BusinessCalendar> calendars;
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
      k.record_type = type;
      k.record_id = incident.id;
      k.metric = metric;
      k.calendar_id = opt_int(*now.agreement, "calendar");
    }
    // Read and built once per write: a ticket's clocks mostly share their calendar.
    auto built = calendars.find(k.calendar_id);
    if (built == calendars.end())
      built = calendars.emplace(k.calendar_id, calendar_for(ch.connection, *ch.records, k.calendar_id)).first;
    const BusinessCalendar& cal = built->second;
    const ClockPolicy policy = ClockPolicy::of(type, metric);
    ClockState c = stored == clocks.end() ? ClockState{} : state_of(k);
    json applied = json::array();
    if (stored == clocks.end()) {
      const EpochMs opened = opt_int(incident, "opened_at").value_or(ch.at);
      const std::string first = incident.type->lifecycle ? incident.type->lifecycle->initial : incident.state;
      ClockEvent start{std::min(opened, ch.at), first, e.target_ms, e.target_ref};
      c = advance(c, start, cal, policy);
      applied.push_back(event_json(start));
    }
    c = advance(c, e, cal, policy);
    applied.push_back(event_json(e));
    if (target != now.targets.end()) {
      k.target_id = target->second.id;
      k.agreement_id = now.agreement->id;
      k.agreement_version = opt_int(*now.agreement, "agreement_version").value_or(0);
    } else {
      k.target_id.reset();
    }
    put_state(k, c);
    k.due_at = c.target_ms > 0 ? due_at(c, cal) : std::nullopt;
    k.updated_at = ch.at;
    const bool new_target = stored != clocks.end() && stored->target_ref != k.target_ref;
    k.id = store::save_clock(ch.connection, k);
    if (new_target) {  // a new target: its thresholds start over
      store::clear_fired_thresholds(ch.connection, k.id);
      k.thresholds_fired.clear();
    }
    set_threshold_timer(ch.connection, k, c, cal, incident.org_id, ch.at);
    journaled[metric] = {{"events", applied},
                         {"calendar", k.calendar_id ? json(*k.calendar_id) : json(nullptr)},
                         {"state", k.mode},
                         {"elapsed_ms", k.elapsed_ms},
                         {"due_at", k.due_at ? json(*k.due_at) : json(nullptr)}};
  }
  if (!journaled.empty())
    store::journal_event(ch.connection, store::Actor{}, ch.at, type, incident.id, incident.number, "sla_clock",
                         journaled.dump());
  return ok_status();
}

}  // namespace

namespace {

// A calendar edit brings sooner itself only the threshold timers whose share now comes within
// this horizon; the later ones are left to the sweep (kCalendarTimersJob) that it queues, which
// runs at once and takes seconds, so no timer fires late.
constexpr EpochMs kTimerHorizonMs = 15 * 60'000;
constexpr const char* kCalendarTimersJob = "sla.calendar_timers";
constexpr int kSweepClocks = 5000;  // running clocks per transaction of the sweep

// The threshold timers of these running clocks made to agree with `cal`: one later than its
// clock's next share is brought forward to it, a missing one or one of another share or target is
// set, and one whose clock reaches no share any more is cancelled. A timer earlier than its share
// stays: it fires early, finds the share not reached and waits again (the sla.threshold handler),
// which costs that clock a job when the time comes instead of a row write now.
TimerCounts align_timers(store::Connection& c, engine::RecordService& records,
                         const std::vector<store::StoredClock>& clocks, const BusinessCalendar& cal, EpochMs now) {
  TimerCounts n;
  n.clocks = static_cast<std::int64_t>(clocks.size());
  std::vector<std::string> keys;
  keys.reserve(clocks.size());
  for (const auto& k : clocks) keys.push_back(timer_key(k));
  std::unordered_map<std::string, store::Job> pending;
  for (auto& j : store::pending_jobs(c, keys)) pending.emplace(j.key, std::move(j));
  // A timer a worker is firing now is left to it: it marks its share and sets the next one, or,
  // fired early, sets itself again, under the calendar as it is.
  const auto running = store::running_job_keys(c, kThresholdJob);
  const std::unordered_set<std::string> firing(running.begin(), running.end());
  std::vector<store::TimerMove> sooner;
  std::vector<std::pair<std::size_t, NextThreshold>> anew;
  for (std::size_t i = 0; i < clocks.size(); ++i) {
    if (firing.count(keys[i])) continue;
    const auto next = next_threshold(clocks[i], state_of(clocks[i]), cal);
    auto it = pending.find(keys[i]);
    const store::Job* j = it == pending.end() || it->second.kind != kThresholdJob ? nullptr : &it->second;
    if (!next) {
      if (j && store::cancel_job(c, keys[i], now)) ++n.cancelled;
      continue;
    }
    json payload = timer_payload(clocks[i], next->percent);
    const EpochMs due = std::max(next->at, now);  // a share already reached fires at once
    if (j && j->payload == payload) {
      if (j->due_at > due) sooner.push_back({keys[i], std::move(payload), due});
      continue;
    }
    anew.emplace_back(i, *next);
  }
  // One that a worker claimed since it was read is left to it too (its ticket's change, which
  // would also change the timer, waits for this transaction: the clocks' rows are held).
  n.moved = static_cast<std::int64_t>(sooner.size() - store::move_timers_sooner(c, kThresholdJob, sooner, now).size());
  for (const auto& [i, next] : anew) {
    const store::StoredClock& k = clocks[i];
    std::optional<std::int64_t> org;
    if (auto it = pending.find(keys[i]); it != pending.end()) {
      org = it->second.org_id;
    } else if (const model::TypeDef* t = records.catalogue().type(k.record_type)) {
      store::Rows r = c.query("SELECT org_id FROM " + t->table() + " WHERE id = ?", {k.record_id});
      if (!r.empty() && !is_null(r[0][0])) org = as_int(r[0][0]);
    }
    schedule_timer(c, k, next, org, now);
  }
  n.set = static_cast<std::int64_t>(anew.size());
  if (n.moved > 0 || n.set > 0) jobs::wake();
  return n;
}

// A calendar's hours, holidays or closures changed: the clocks running under it are due when the
// calendar as it is now says (what their next change would compute anyway), in the calendar's
// transaction, and a threshold timer that would now fire late is moved sooner. What they
// counted so far stays; the journal of each ticket is untouched (its next change records the
// calendar again). Only what the edit moves is written: each clock's due time and next share
// are computed under the calendar as it was and as it is; a due time that stays put (a holiday
// added after it) is not written, and neither is a timer whose share now comes later (it fires
// early and waits again). The timers whose share now comes sooner but beyond kTimerHorizonMs are
// left to the sweep the edit queues (align_calendar_timers), so an edit costs its arithmetic,
// the due times it moved and the timers that are due soon.
Status calendar_changed(const engine::RecordChange& ch) {
  if (!ch.records || ch.action == "create" || !ch.changes.is_object()) return ok_status();
  bool relevant = false;
  for (const char* f : {"time_zone", "hours", "national_holidays", "extra_holidays", "closures"})
    relevant = relevant || ch.changes.contains(f);
  if (!relevant) return ok_status();
  const BusinessCalendar cal = calendar_for(ch.connection, *ch.records, ch.record.id);
  // As it was: the calendar the stored due times and timers were computed under (each edit
  // refreshes them, so the one before this edit). One that could not be read then is no
  // baseline: every timer is looked at.
  std::optional<BusinessCalendar> before;
  if (auto d = calendar_of(engine::RecordService::before_change(ch.record, ch.changes)))
    if (auto made = BusinessCalendar::make(std::move(d).value())) before = std::move(*made);
  // What the edit writes, sent together once every clock is computed (on PostgreSQL a statement
  // per few thousand rows instead of a round trip per row).
  std::vector<store::ClockDue> dues;
  std::vector<store::StoredClock> soon;  // whose timer may have to move, due within the horizon
  bool sweep = false;                    // and later than that
  for (auto& k : store::running_clocks_of_calendar(ch.connection, ch.record.id)) {
    const ClockState state = state_of(k);
    const std::optional<EpochMs> due = k.target_ms > 0 ? due_at(state, cal) : std::nullopt;
    if (due != k.due_at) dues.push_back({k.id, due});
    const auto next = next_threshold(k, state, cal);
    const bool is_soon = next && next->at <= ch.at + kTimerHorizonMs;
    // A timer due later is the sweep's: once it is queued, the others need not be looked at.
    if (!is_soon && sweep) continue;
    if (before) {
      const auto was = next_threshold(k, state, *before);
      if (!next && !was) continue;  // no share to reach, as before
      // A share reached later than its timer says (a holiday, shorter hours) keeps its timer.
      if (next && was && next->percent == was->percent && next->at >= was->at) continue;
    }
    if (is_soon)
      soon.push_back(std::move(k));
    else
      sweep = true;
  }
  store::set_clock_dues(ch.connection, dues);
  align_timers(ch.connection, *ch.records, soon, cal, ch.at);
  if (sweep) {
    // One pending sweep per calendar: a second edit before it ran leaves it as it is.
    store::JobSpec spec;
    spec.kind = kCalendarTimersJob;
    spec.key = std::string(kCalendarTimersJob) + ":" + std::to_string(ch.record.id);
    spec.due_at = ch.at;
    spec.org_id = ch.record.org_id;
    spec.payload = json{{"calendar_id", ch.record.id}};
    store::schedule_job(ch.connection, spec, ch.at);
    jobs::wake();
  }
  return ok_status();
}

}  // namespace

void register_ticket_clock_rules(engine::RuleRegistry& rules) {
  rules.add_observer("incident", ticket_changed);
  rules.add_observer("service_request", ticket_changed);
  rules.add_observer("business_calendar", calendar_changed);
}

void register_ticket_clock_jobs(jobs::Registry& registry, engine::RecordService& records) {
  // A threshold reached: the notice to whoever subscribes to sla_threshold and, at 100 %, the
  // breach journaled on the ticket and an improvement opportunity for the service review. A
  // timer whose clock has since paused, stopped or changed target does nothing (the change
  // moved or cancelled its timers); one that fires early (the calendar was edited) waits again.
  registry.add(kThresholdJob, jobs::KindDef{[&records](jobs::JobContext& ctx) -> jobs::Outcome {
    const json& p = ctx.job.payload;
    const std::string type = p.value("record_type", ""), metric = p.value("metric", "");
    const std::int64_t id = p.value("record_id", std::int64_t{0});
    const int percent = p.value("percent", 0);
    const model::TypeDef* t = records.catalogue().type(type);
    if (!t) return jobs::Outcome::done();
    std::optional<EpochMs> later;
    Status s = ctx.finish_with([&](store::Connection& c) -> Status {
      auto clocks = store::ticket_clocks(c, type, id);
      auto k = std::find_if(clocks.begin(), clocks.end(), [&](auto& x) { return x.metric == metric; });
      if (k == clocks.end() || k->mode != "running" || k->target_ref != p.value("target_ref", "") || fired(*k, percent))
        return ok_status();
      const ClockState clock = state_of(*k);
      const BusinessCalendar cal = calendar_for(c, records, k->calendar_id);
      const EpochMs now = ctx.clock.now_ms();
      const auto amount = static_cast<std::int64_t>(std::llround(static_cast<double>(clock.target_ms) * percent / 100.0));
      if (elapsed_at(clock, now, cal) < amount) {
        later = threshold_at(clock, percent / 100.0, cal);
        return ok_status();
      }
      auto record = records.store().find(c, *t, id);
      if (!record) return ok_status();
      // Only this mark is written: the clock's state stays whatever a change made it meanwhile.
      if (!store::add_fired_threshold(c, k->id, k->target_ref, percent)) return ok_status();
      // The clock's timer goes on to the next share. (A timer of one share each, as clocks had
      // before they had one timer, leaves that to its siblings.)
      k->thresholds_fired += (k->thresholds_fired.empty() ? "" : ",") + std::to_string(percent);
      if (ctx.job.key == timer_key(*k))
        if (auto next = next_threshold(*k, clock, cal)) {
          schedule_timer(c, *k, *next, ctx.job.org_id, now);
          jobs::wake();
        }
      const auto reached = threshold_at(clock, percent / 100.0, cal).value_or(now);
      const auto due = due_at(clock, cal);
      const std::string label = metric + " " + std::to_string(percent) + " % (" + readable_duration(clock.target_ms) + ")";
      // The target's actions at this share, done as the system in this transaction (a raised
      // priority brings its own target: the clock observer runs on that change).
      ThresholdOutcome outcome;
      if (const model::TypeDef* targets = records.catalogue().type("service_level_target"); targets && k->target_id)
        if (auto target = records.store().find(c, *targets, *k->target_id)) {
          const std::string configured = text(*target, "threshold_actions");
          auto actions = read_threshold_actions(c, records, configured.empty() ? json() : json::parse(configured, nullptr, false));
          // A target whose actions no longer hold (a group since deleted) still gets its notice.
          if (actions && !actions->empty()) {
            auto ran = run_threshold_actions(c, records, *record, *actions, percent,
                                             "SLA " + label + " reached, " + k->target_ref);
            if (!ran) return ran.take_error();
            outcome = std::move(*ran);
          }
        }
      json data{{"threshold",
                 {{"label", label},
                  {"metric", metric},
                  {"percent", percent},
                  {"at", format_timestamp(reached)},
                  {"due_at", due ? format_timestamp(*due) : std::string()},
                  {"target_time", format_duration(clock.target_ms)},
                  {"target_ref", k->target_ref},
                  {"actions", outcome.done}}}};
      if (!outcome.notify_users.empty()) data["recipient_ids"] = outcome.notify_users;
      jobs::emit_event(c, jobs::Event{"sla_threshold", type, id, record->org_id, std::nullopt, "system", data}, now);
      if (!outcome.done.empty())
        store::journal_event(c, store::Actor{}, now, type, id, record->number, "sla_threshold",
                             json{{"metric", metric}, {"percent", percent}, {"target_ref", k->target_ref},
                                  {"actions", outcome.done}}.dump());
      if (percent < 100) return ok_status();
      store::journal_event(c, store::Actor{}, now, type, id, record->number, "sla_breach",
                           json{{"metric", metric}, {"due_at", format_timestamp(reached)}, {"target_ref", k->target_ref}}.dump());
      const model::TypeDef* improvement = records.catalogue().type("improvement");
      if (!improvement) return ok_status();
      json body{{"title", utf8_prefix(record->number + " " + metric + " target missed: " + text(*record, "title"), 300)},
                {"source", "service_review"},
                {"source_number", record->number},
                {"description", "The " + metric + " target (" + readable_duration(clock.target_ms) + ", " + k->target_ref +
                                    ") was missed at " + format_timestamp(reached) + "."}};
      if (auto svc = opt_int(*record, "service")) body["service"] = *svc;
      if (record->org_id) body["organization"] = *record->org_id;
      auto made = records.create_within(c, engine::Principal::system(), *improvement, body, engine::Scope::all);
      return made ? ok_status() : made.take_error();
    });
    if (!s) return jobs::Outcome::retry(s.error().code);
    if (later) {
      // The timer fired before its time: set again (a new job of the same key).
      Status again = records.database().write([&](store::Connection& c) -> Status {
        store::JobSpec spec;
        spec.kind = kThresholdJob;
        spec.key = ctx.job.key;
        spec.due_at = *later;
        spec.org_id = ctx.job.org_id;
        spec.payload = p;
        store::schedule_job(c, spec, ctx.clock.now_ms());
        return ok_status();
      });
      if (!again) return jobs::Outcome::retry(again.error().code);
    }
    return jobs::Outcome::done();
  }});

  // After a calendar edit, the timers it left for later (calendar_changed).
  registry.add(kCalendarTimersJob, jobs::KindDef{[&records](jobs::JobContext& ctx) -> jobs::Outcome {
    const std::int64_t calendar_id = ctx.job.payload.value("calendar_id", std::int64_t{0});
    auto n = align_calendar_timers(records, calendar_id);
    if (!n) return jobs::Outcome::retry(n.error().code);
    spdlog::info("sla: the threshold timers of the {} clocks running under business calendar {} checked in {} ms: "
                 "{} brought forward, {} set, {} cancelled",
                 n->clocks, calendar_id, n->elapsed_ms, n->moved, n->set, n->cancelled);
    return jobs::Outcome::done();
  }});
}

Result<TimerCounts> align_calendar_timers(engine::RecordService& records, std::int64_t calendar_id) {
  const auto started = std::chrono::steady_clock::now();
  TimerCounts total;
  std::int64_t after = 0;
  // A transaction per kSweepClocks clocks, each read in it: another writer waits for one part
  // only, and a ticket changed meanwhile is seen as it is now. Done again after a failure, it
  // finds the timers already moved in line and leaves them.
  for (bool more = true; more;) {
    Status s = records.database().write([&](store::Connection& c) -> Status {
      auto clocks = store::running_clocks_of_calendar(c, calendar_id, after, kSweepClocks);
      more = clocks.size() == static_cast<std::size_t>(kSweepClocks);
      if (clocks.empty()) return ok_status();
      after = clocks.back().id;
      const BusinessCalendar cal = calendar_for(c, records, calendar_id);
      auto n = align_timers(c, records, clocks, cal, records.clock().now_ms());
      total.clocks += n.clocks;
      total.moved += n.moved;
      total.set += n.set;
      total.cancelled += n.cancelled;
      return ok_status();
    });
    if (!s) return s.take_error();
  }
  total.elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  return total;
}

RecomputeReport recompute_clocks(engine::RecordService& records, bool fix, bool open_only, int tickets_per_read) {
  const std::size_t per_read = static_cast<std::size_t>(std::max(1, tickets_per_read));
  RecomputeReport report;
  std::vector<store::StoredClock> fixes;
  records.database().read([&](store::Connection& c) {
    // One snapshot for the whole recompute: a server writing meanwhile does not make a ticket's
    // clock and its journal look apart, and SQLite takes its read lock once instead of for
    // every statement.
    c.execute(c.dialect() == store::Dialect::postgres ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN");
    struct End {
      store::Connection& c;
      ~End() {
        try {
          c.execute("COMMIT");
        } catch (...) {
        }
      }
    } end{c};
    CalendarsAsOf calendars(c, records);
    std::vector<std::pair<std::string, std::int64_t>> tickets;
    const std::string which = open_only ? " WHERE mode <> 'stopped'" : "";
    for (auto& row :
         c.query("SELECT DISTINCT record_type, record_id FROM sla_clocks" + which + " ORDER BY record_type, record_id", {}).rows)
      tickets.emplace_back(as_text(row[0]), as_int(row[1]));
    // `per_read` tickets of a type at a time, by id range: their journal entries, clocks and
    // numbers in a statement each (on PostgreSQL a round trip per query per ticket cost
    // 1.35 ms a ticket). A range of open tickets also holds closed ones, read and left: it
    // ends before it spans more than four times `per_read` ids, so one old open ticket among
    // recent ones does not make a read of everything closed in between.
    const std::int64_t span = 4 * static_cast<std::int64_t>(per_read);
    for (std::size_t from = 0; from < tickets.size();) {
      const std::string type = tickets[from].first;
      std::size_t to = from;
      while (to < tickets.size() && to - from < per_read && tickets[to].first == type &&
             tickets[to].second - tickets[from].second < span)
        ++to;
      const std::int64_t first_id = tickets[from].second, last_id = tickets[to - 1].second;
      const auto entries = store::records_history(c, type, first_id, last_id, "sla_clock");
      const auto clocks = store::tickets_clocks(c, type, first_id, last_id);
      std::map<std::int64_t, std::string> numbers;
      if (const model::TypeDef* t = records.catalogue().type(type))  // not the whole records
        for (auto& row : c.query("SELECT id, number FROM " + t->table() + " WHERE id BETWEEN ? AND ?", {first_id, last_id}).rows)
          numbers[as_int(row[0])] = as_text(row[1]);
      std::size_t e = 0, ki = 0;
      for (; from < to; ++from) {
        const std::int64_t id = tickets[from].second;
        ++report.tickets;
        auto n = numbers.find(id);
        const std::string number = n != numbers.end() ? n->second : type + " " + std::to_string(id);
        while (e < entries.size() && entries[e].record_id < id) ++e;
        std::size_t e_end = e;
        while (e_end < entries.size() && entries[e_end].record_id == id) ++e_end;
        auto replayed = replay_entries(std::span(entries).subspan(e, e_end - e), calendars, type, std::nullopt);
        e = e_end;
        while (ki < clocks.size() && clocks[ki].record_id < id) ++ki;
        for (; ki < clocks.size() && clocks[ki].record_id == id; ++ki) {
          const store::StoredClock& k = clocks[ki];
          ++report.clocks;
          auto it = replayed.find(k.metric);
          if (it == replayed.end()) {
            report.differences.push_back(number + " " + k.metric + ": no journal entry of this clock");
            continue;
          }
          const ClockState& r = it->second.clock;
          // Due under the calendar as it is now: an edit of the calendar moves the due times of
          // the clocks running under it (calendar_changed).
          const BusinessCalendar& cal = calendars.at(k.calendar_id, std::numeric_limits<EpochMs>::max());
          const std::optional<EpochMs> due = r.target_ms > 0 ? due_at(r, cal) : std::nullopt;
          std::vector<std::string> diff;
          auto compare = [&](const char* what, const auto& stored, const auto& again) {
            auto show = [](const auto& v) -> std::string {
              using V = std::decay_t<decltype(v)>;
              if constexpr (std::is_same_v<V, std::optional<EpochMs>>) return v ? std::to_string(*v) : "none";
              else if constexpr (std::is_same_v<V, std::string>) return v;
              else return std::to_string(v);
            };
            if (stored != again) diff.push_back(std::string(what) + " " + show(stored) + " ≠ " + show(again));
          };
          compare("state", k.mode, std::string(mode_name(r.mode)));
          compare("since", k.since, r.since);
          compare("elapsed_ms", k.elapsed_ms, r.elapsed_ms);
          compare("target_ms", k.target_ms, r.target_ms);
          compare("target_ref", k.target_ref, r.target_ref);
          compare("breached_at", k.breached_at, r.breached_at);
          compare("stopped_at", k.stopped_at, r.stopped_at);
          compare("due_at", k.due_at, due);
          if (diff.empty()) continue;
          std::string line = number + " " + k.metric + ":";
          for (auto& d : diff) line += " " + d + ";";
          line.pop_back();
          report.differences.push_back(line);
          store::StoredClock f = k;
          put_state(f, r);
          f.due_at = due;
          fixes.push_back(std::move(f));
        }
      }
    }
  });
  if (fix && !fixes.empty()) {
    Status s = records.database().write([&](store::Connection& c) -> Status {
      for (auto& f : fixes) store::save_clock(c, f);
      return ok_status();
    });
    if (!s) report.differences.push_back("the fixes could not be written: " + s.error().code);
  }
  return report;
}

Result<json> ticket_clocks_json(engine::RecordService& records, const engine::Principal& p, const std::string& type,
                                const std::string& key, EpochMs now) {
  const model::TypeDef* t = records.catalogue().type(type);
  if (!t) return Error::of(ErrorKind::not_found, "report.unavailable", {{"type", type}});
  auto ticket = records.get(p, *t, key);
  if (!ticket) return ticket.take_error();
  json items = json::array();
  records.database().read([&](store::Connection& c) {
    CalendarsAsOf calendars(c, records);
    auto replayed = replay_ticket(c, records, calendars, type, ticket->id, now);
    for (auto& k : store::ticket_clocks(c, type, ticket->id)) {
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
                       {"target_ref", k.target_ref},
                       {"timeline", timeline_json(replayed[k.metric].timeline)}});
    }
  });
  return json{{type == "incident" ? "incident" : "ticket", {{"id", ticket->id}, {"number", ticket->number}}},
              {"items", items}};
}

}  // namespace kanri::processes::service_level
