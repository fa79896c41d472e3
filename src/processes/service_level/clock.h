// SLA clocks (ISO/IEC 20000-1 8.3.3): how much of a target's business time a ticket has used,
// from the sequence of its states and targets. One function advances a clock by one event; the
// live clock and a recompute from the journal both fold the same events through it, so they
// cannot disagree. docs/service-levels.md ("How clocks count") states the policies.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/time.h"
#include "processes/service_level/calendar.h"

namespace kanri::processes::service_level {

enum class ClockMode { running, paused, stopped };

// What the ticket's states do to a clock. A state not named takes `otherwise`.
struct ClockPolicy {
  std::map<std::string, ClockMode> states;
  ClockMode otherwise = ClockMode::running;
  // A clock that stops only once (a response target): once stopped it stays stopped, whatever
  // the ticket does after. Otherwise a ticket that leaves a stopping state (a reopen) resumes
  // its clock with the business time it had used: the time it spent resolved is not counted.
  bool stops_once = false;

  ClockMode mode_of(const std::string& state) const {
    auto it = states.find(state);
    return it == states.end() ? otherwise : it->second;
  }
  // Resolution: paused while waiting for the requester, a supplier or a change; stopped when
  // resolved or closed. Response: running while new, stopped for good when first taken on.
  static ClockPolicy incident_resolution();
  static ClockPolicy incident_response();
  // A service request's fulfilment: paused while awaiting approval, stopped once fulfilled,
  // closed, rejected, cancelled or reclassified. Its response: running while submitted.
  static ClockPolicy request_fulfilment();
  static ClockPolicy request_response();
  // The policy of a ticket type's measure (incident or service_request; response or resolution).
  static ClockPolicy of(const std::string& type, const std::string& metric);
};

// Something that happened to the ticket: its state from `at` on, and the target in force from
// then (a priority or agreement change brings another target; `target_ref` says which).
struct ClockEvent {
  EpochMs at = 0;
  std::string state;
  std::int64_t target_ms = 0;
  std::string target_ref;
};

// A clock as stored: enough to continue it with the next event and to explain it.
struct ClockState {
  bool started = false;
  ClockMode mode = ClockMode::stopped;
  EpochMs started_at = 0;
  EpochMs since = 0;            // when the current mode began
  std::int64_t elapsed_ms = 0;  // business time used before `since`
  std::int64_t target_ms = 0;
  std::string target_ref;
  std::optional<EpochMs> breached_at;  // once recorded, kept (a later, longer target does not undo it)
  std::optional<EpochMs> stopped_at;
  bool ended = false;  // stopped for good (stops_once)
  bool operator==(const ClockState&) const = default;
};

// The clock after `event`. Events come in time order; one earlier than the clock's last is
// taken as happening at that last time. The first event starts the clock.
//
// The time between the previous event and this one is counted in the calendar if the clock was
// running. A target that changes keeps the business time already used and measures the new
// target from the ticket's start; when that time already exceeds the new target, the clock is
// breached at the change (the old target applied until then).
ClockState advance(const ClockState& clock, const ClockEvent& event, const BusinessCalendar& calendar,
                   const ClockPolicy& policy);
// Every event folded in order (what `kanri sla recompute` does from the journal).
ClockState replay(const std::vector<ClockEvent>& events, const BusinessCalendar& calendar, const ClockPolicy& policy);

// Business time used at `now` (counting the running segment up to `now`).
std::int64_t elapsed_at(const ClockState& clock, EpochMs now, const BusinessCalendar& calendar);
// When a running clock reaches its target: stored, and what the threshold timers are set from.
// For a running clock already past its target, the instant it was breached. nullopt when paused
// or stopped (a paused clock has no due time until it runs again), or when the calendar has no
// service time ahead.
std::optional<EpochMs> due_at(const ClockState& clock, const BusinessCalendar& calendar);
// The instant a running clock reaches `fraction` of its target (a 50 % or 75 % threshold).
std::optional<EpochMs> threshold_at(const ClockState& clock, double fraction, const BusinessCalendar& calendar);
// Whether the clock is breached at `now`: recorded, or running past its due time.
bool breached(const ClockState& clock, EpochMs now, const BusinessCalendar& calendar);

// One piece of a clock's timeline: a mode over [from, to), the business time it counted (0 when
// paused or stopped), and the target in force.
struct ClockSegment {
  EpochMs from = 0, to = 0;
  ClockMode mode = ClockMode::running;
  std::string state;
  std::int64_t business_ms = 0;
  std::int64_t target_ms = 0;
  std::string target_ref;
  bool operator==(const ClockSegment&) const = default;
};
// A timeline built event by event, each advanced in the calendar it was advanced in live (a
// calendar may be edited while a clock runs: its new holidays count from then on).
class TimelineBuilder {
 public:
  explicit TimelineBuilder(const ClockPolicy& policy) : policy_(policy) {}
  void add(const ClockEvent& event, const BusinessCalendar& calendar);
  // The segments up to `until` (the last one counted in `calendar`).
  std::vector<ClockSegment> finish(EpochMs until, const BusinessCalendar& calendar);
  const ClockState& clock() const { return clock_; }

 private:
  void close(EpochMs to, const BusinessCalendar& calendar);
  const ClockPolicy& policy_;
  ClockState clock_;
  std::string state_;
  std::vector<ClockSegment> out_;
};

// The timeline from the events up to `until`, consecutive segments of the same mode, state and
// target joined. Its running segments add up to elapsed_at(replay(events), until).
std::vector<ClockSegment> timeline(const std::vector<ClockEvent>& events, EpochMs until,
                                   const BusinessCalendar& calendar, const ClockPolicy& policy);

const char* mode_name(ClockMode mode);

}  // namespace kanri::processes::service_level
