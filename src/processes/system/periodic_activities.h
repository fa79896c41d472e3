// Periodic activities (ISO/IEC 20000-1 9.2, 9.3 and every review "at planned intervals";
// ISO/IEC 27001 6.1.2, 9.2, 9.3): the rules the model cannot state. A completion must name an
// existing record as its evidence and moves the next due date on; timers create the owner's
// task lead_time before the due date and, once it has passed, tell the owner, service owners
// and top management every week until it is done.
#pragma once

#include <optional>
#include <string>

#include "engine/record_service.h"
#include "engine/rules.h"
#include "jobs/scheduler.h"

namespace kanri::processes::system {

// FREQ=WEEKLY;BYDAY=MO | FREQ=MONTHLY;BYMONTHDAY=1 (or -1: the last day) |
// FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=1, each with an optional INTERVAL=n.
struct CalendarRule {
  enum class Freq { weekly, monthly, yearly } freq = Freq::monthly;
  int interval = 1;
  int weekday = 0;    // 0 = Monday … 6 = Sunday, for weekly
  int month = 1;      // 1..12, for yearly
  int month_day = 1;  // 1..31 or -1, for monthly and yearly
};
// The rule, or nullopt when the text is not one of the forms above.
std::optional<CalendarRule> parse_calendar_rule(const std::string& text);
// The first date of the rule strictly after `after` ("YYYY-MM-DD"); INTERVAL counts periods
// from `after`'s period.
std::string next_occurrence(const CalendarRule& rule, const std::string& after);
// The due date after a completion on `completed_on`: by interval (whole days) or by rule.
std::optional<std::string> next_due_date(const std::string& completed_on, std::optional<std::int64_t> interval_ms,
                                         const std::optional<CalendarRule>& rule);

// Records a completion of `activity` evidenced by the record numbered `evidence` on
// `completed_on`, as its transition "complete" would (same checks, next due date, timers),
// inside the caller's transaction: for a record whose closing is the completion (a service
// review). Errors are on the activity's fields evidence and completed_on; conflict when the
// activity is not active.
Result<store::Record> complete_within(engine::RecordService& records, store::Connection& connection,
                                      const engine::Principal& principal, EpochMs now, const store::Record& activity,
                                      const std::string& evidence, const std::string& completed_on);

// The job kinds the timers schedule.
inline constexpr const char* kDueJob = "periodic_activity.due";
inline constexpr const char* kOverdueJob = "periodic_activity.overdue";

// Registers the hook "periodic_activity_complete" and the observer that checks the schedule
// and sets the timers.
void register_rules(engine::RuleRegistry& rules);
// Registers the handlers of the timers; they act through `records` as the system.
void register_jobs(jobs::Registry& registry, engine::RecordService& records, const std::string& site_url);

}  // namespace kanri::processes::system
