// The live SLA clocks of incidents and service requests: after every change of one, in its
// transaction, the response and resolution clocks of the agreement that applies are advanced
// by the change (clock.h) and stored (store/sla_clocks.h) with their due time.
//
// The agreement that applies: an active SLA that covers the ticket's service and is agreed
// with the ticket's organization (the lowest number when several do). Its target for a
// measure: the most particular of the ticket's type (for the request type and priority, then
// either, then every ticket). Its calendar: the agreement's business calendar, around the
// clock in UTC when it names none. A clock keeps the calendar it started under; its target
// follows the priority and the agreement (clock.h says how a changed target counts).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "engine/record_service.h"
#include "engine/rules.h"
#include "jobs/scheduler.h"

namespace kanri::processes::service_level {

void register_ticket_clock_rules(engine::RuleRegistry& rules);
// The threshold timers' job (sla.threshold): the sla_threshold event at 50, 75 and 100 % of a
// running clock's target; at 100 % the breach journaled on the ticket (sla_breach) and an
// improvement opportunity (source service_review) for the missed target.
void register_ticket_clock_jobs(jobs::Registry& registry, engine::RecordService& records);

// The threshold timers of the clocks running under a business calendar brought into line with
// the calendar as it is: a timer later than its clock's next share is brought forward, a missing
// one set, one with no share left cancelled; an earlier one stays (it fires early and waits),
// and one a worker is firing is left to it.
// A calendar edit does this itself for the timers due within 15 minutes and queues it as the
// job sla.calendar_timers for the rest; `kanri sla align-timers` runs it by hand. One
// transaction per 5,000 clocks.
struct TimerCounts {
  std::int64_t clocks = 0, moved = 0, set = 0, cancelled = 0;
  std::int64_t elapsed_ms = 0;
};
Result<TimerCounts> align_calendar_timers(engine::RecordService& records, std::int64_t calendar_id);

// `kanri sla recompute`: every stored clock replayed from its ticket's journal and compared
// with what the live clock stored; with `fix`, a clock that differs is replaced by its replay.
// With `open_only` (`--open`), only the tickets that have a clock still running or paused:
// those whose due times and threshold timers still matter. The journal entries, clocks and
// numbers of `tickets_per_read` tickets are read a statement each.
struct RecomputeReport {
  std::int64_t tickets = 0, clocks = 0;
  std::vector<std::string> differences;  // "INC-000012 resolution: elapsed_ms 3600000 ≠ 3599000", …
};
inline constexpr int kRecomputeTicketsPerRead = 1000;
RecomputeReport recompute_clocks(engine::RecordService& records, bool fix, bool open_only = false,
                                 int tickets_per_read = kRecomputeTicketsPerRead);

// The clocks of a ticket (incident, service_request) as the API shows them, evaluated at
// `now`, each with its timeline replayed from the ticket's journal; the ticket is read with the
// principal's rights (not found when it may not read it).
Result<nlohmann::json> ticket_clocks_json(engine::RecordService& records, const engine::Principal& p,
                                          const std::string& type, const std::string& key, EpochMs now);

}  // namespace kanri::processes::service_level
