#include "processes/service_level/clock.h"

#include <algorithm>
#include <cmath>

namespace kanri::processes::service_level {

ClockPolicy ClockPolicy::incident_resolution() {
  ClockPolicy p;
  p.states = {{"pending_requester", ClockMode::paused}, {"pending_supplier", ClockMode::paused},
              {"pending_change", ClockMode::paused},    {"resolved", ClockMode::stopped},
              {"closed", ClockMode::stopped},           {"reclassified", ClockMode::stopped}};
  p.otherwise = ClockMode::running;
  return p;
}

ClockPolicy ClockPolicy::incident_response() {
  ClockPolicy p;
  p.states = {{"new", ClockMode::running}};
  p.otherwise = ClockMode::stopped;
  p.stops_once = true;
  return p;
}

ClockPolicy ClockPolicy::request_fulfilment() {
  ClockPolicy p;
  p.states = {{"awaiting_approval", ClockMode::paused}, {"fulfilled", ClockMode::stopped},
              {"closed", ClockMode::stopped},           {"rejected", ClockMode::stopped},
              {"cancelled", ClockMode::stopped},        {"reclassified", ClockMode::stopped}};
  p.otherwise = ClockMode::running;
  return p;
}

ClockPolicy ClockPolicy::request_response() {
  ClockPolicy p;
  p.states = {{"submitted", ClockMode::running}};
  p.otherwise = ClockMode::stopped;
  p.stops_once = true;
  return p;
}

ClockPolicy ClockPolicy::of(const std::string& type, const std::string& metric) {
  if (type == "service_request") return metric == "response" ? request_response() : request_fulfilment();
  return metric == "response" ? incident_response() : incident_resolution();
}

const char* mode_name(ClockMode mode) {
  switch (mode) {
    case ClockMode::running: return "running";
    case ClockMode::paused: return "paused";
    case ClockMode::stopped: return "stopped";
  }
  return "stopped";
}

namespace {

// The instant the clock's used time reaches `amount`, counting from `since` with `used` already
// used (the clock running from `since`); `since` itself when it was reached before.
std::optional<EpochMs> reaching(EpochMs since, std::int64_t used, std::int64_t amount, const BusinessCalendar& cal) {
  if (amount <= used) return since;
  return cal.add(since, amount - used);
}

}  // namespace

ClockState advance(const ClockState& clock, const ClockEvent& event, const BusinessCalendar& calendar,
                   const ClockPolicy& policy) {
  ClockState c = clock;
  if (!c.started) {
    c.started = true;
    c.started_at = c.since = event.at;
    c.mode = ClockMode::stopped;
  }
  const EpochMs at = std::max(event.at, c.since);
  // The segment that ends now: counted if it ran, and breached if it crossed the target.
  if (c.mode == ClockMode::running) {
    const std::int64_t used = calendar.between(c.since, at);
    if (!c.breached_at && c.target_ms > 0 && c.elapsed_ms + used > c.target_ms)
      c.breached_at = reaching(c.since, c.elapsed_ms, c.target_ms, calendar).value_or(at);
    c.elapsed_ms += used;
  }
  // A target that changes is measured on the time already used; used up, it is breached now.
  if (event.target_ms != c.target_ms || event.target_ref != c.target_ref) {
    c.target_ms = event.target_ms;
    c.target_ref = event.target_ref;
    if (!c.breached_at && c.target_ms > 0 && c.elapsed_ms > c.target_ms) c.breached_at = at;
  }
  ClockMode next = c.ended ? ClockMode::stopped : policy.mode_of(event.state);
  if (next != c.mode) {
    if (next == ClockMode::stopped) {
      c.stopped_at = at;
      if (policy.stops_once) c.ended = true;
    } else if (c.mode == ClockMode::stopped) {
      c.stopped_at.reset();  // a reopen resumes the clock
    }
    c.mode = next;
  }
  c.since = at;
  return c;
}

ClockState replay(const std::vector<ClockEvent>& events, const BusinessCalendar& calendar, const ClockPolicy& policy) {
  ClockState c;
  for (auto& e : events) c = advance(c, e, calendar, policy);
  return c;
}

std::int64_t elapsed_at(const ClockState& clock, EpochMs now, const BusinessCalendar& calendar) {
  if (clock.mode != ClockMode::running || now <= clock.since) return clock.elapsed_ms;
  return clock.elapsed_ms + calendar.between(clock.since, now);
}

std::optional<EpochMs> threshold_at(const ClockState& clock, double fraction, const BusinessCalendar& calendar) {
  if (!clock.started || clock.mode != ClockMode::running || clock.target_ms <= 0) return std::nullopt;
  const auto amount = static_cast<std::int64_t>(std::llround(static_cast<double>(clock.target_ms) * fraction));
  return reaching(clock.since, clock.elapsed_ms, amount, calendar);
}

std::optional<EpochMs> due_at(const ClockState& clock, const BusinessCalendar& calendar) {
  if (clock.mode == ClockMode::running && clock.breached_at) return clock.breached_at;
  return threshold_at(clock, 1.0, calendar);
}

bool breached(const ClockState& clock, EpochMs now, const BusinessCalendar& calendar) {
  if (clock.breached_at) return true;
  if (clock.mode != ClockMode::running || clock.target_ms <= 0) return false;
  return elapsed_at(clock, now, calendar) > clock.target_ms;
}

void TimelineBuilder::close(EpochMs to, const BusinessCalendar& calendar) {
  const ClockState& c = clock_;
  if (!c.started || to <= c.since) return;
  ClockSegment s{c.since, to, c.mode, state_, c.mode == ClockMode::running ? calendar.between(c.since, to) : 0,
                 c.target_ms, c.target_ref};
  if (!out_.empty()) {
    ClockSegment& last = out_.back();
    if (last.to == s.from && last.mode == s.mode && last.state == s.state && last.target_ms == s.target_ms &&
        last.target_ref == s.target_ref) {
      last.to = s.to;
      last.business_ms += s.business_ms;
      return;
    }
  }
  out_.push_back(std::move(s));
}

void TimelineBuilder::add(const ClockEvent& event, const BusinessCalendar& calendar) {
  close(std::max(event.at, clock_.since), calendar);
  clock_ = advance(clock_, event, calendar, policy_);
  state_ = event.state;
}

std::vector<ClockSegment> TimelineBuilder::finish(EpochMs until, const BusinessCalendar& calendar) {
  close(until, calendar);
  return std::move(out_);
}

std::vector<ClockSegment> timeline(const std::vector<ClockEvent>& events, EpochMs until,
                                   const BusinessCalendar& calendar, const ClockPolicy& policy) {
  TimelineBuilder b(policy);
  for (auto& e : events) b.add(e, calendar);
  return b.finish(until, calendar);
}

}  // namespace kanri::processes::service_level
