// Business calendars (ISO/IEC 20000-1 8.3.3: the service hours an agreement's targets count
// in): a time zone, weekly service hours, holidays and closures, and the arithmetic of
// business time on UTC instants, exact to the millisecond. docs/service-levels.md describes
// how time is counted.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/time.h"
#include "core/time_zone.h"

namespace kanri::processes::service_level {

// Service hours within one local day: [start_ms, end_ms) after midnight, 0 ≤ start < end ≤ 24 h.
struct DayInterval {
  std::int64_t start_ms = 0, end_ms = 0;
};

// The instants [from, to).
struct Span {
  EpochMs from = 0, to = 0;
  bool operator==(const Span&) const = default;
};

// What a calendar is made of. Dates are local civil dates counted in days since 1970-01-01.
struct CalendarDefinition {
  std::string time_zone = "UTC";
  std::array<std::vector<DayInterval>, 7> week;  // Monday first; each day sorted, not overlapping
  bool japanese_holidays = false;                // Japan's national holidays are closed days
  std::vector<std::int64_t> holidays;            // the organization's own closed days
  struct Dates {
    std::int64_t first = 0, last = 0;  // inclusive
  };
  std::vector<Dates> closed_dates;
  // Closed every year from one month-day to another, inclusive, across the year end when the
  // end comes first (年末年始: 12-29 to 01-03). Month × 100 + day.
  struct Annual {
    int from = 0, to = 0;
  };
  std::vector<Annual> closed_every_year;
  std::vector<Span> closed_spans;  // instants, e.g. a maintenance window
};

// A calendar ready for arithmetic. Immutable; safe to share between threads.
//
// An interval of service hours is open from the first instant the wall clock shows its start
// until the last instant it shows its end: on the night the clocks go back an interval that
// covers the repeated hour lasts an hour longer, and a start or end that the clocks skip over
// is the instant of the jump (so an interval inside the skipped hour is never open).
class BusinessCalendar {
 public:
  // nullopt when the definition's time zone is unknown.
  static std::optional<BusinessCalendar> make(CalendarDefinition definition);

  // The earliest instant t ≥ start with between(start, t) == duration: counting begins at the
  // next opening when start is outside service hours, and a duration of 0 returns start.
  // nullopt for a negative duration, or when the calendar has no service time for
  // kMaxClosedDays days in a row (no service hours at all, or closed for years).
  std::optional<EpochMs> add(EpochMs start, std::int64_t duration_ms) const;
  // Business time in [a, b); 0 when b ≤ a.
  std::int64_t between(EpochMs a, EpochMs b) const;
  // The open spans within [a, b) in order, touching ones joined.
  std::vector<Span> segments(EpochMs a, EpochMs b) const;
  // Whether the instant is within service hours.
  bool is_open(EpochMs at) const { return between(at, at + 1) == 1; }
  // Whether the local date is closed all day (a holiday or a closed date).
  bool is_closed_day(std::int64_t day) const;

  const CalendarDefinition& definition() const { return definition_; }

  static constexpr int kMaxClosedDays = 1100;

 private:
  BusinessCalendar(CalendarDefinition d, TimeZone zone);
  // The open spans of one local date, in order, after closures.
  void open_on(std::int64_t day, std::vector<Span>& out) const;
  // Calls piece(span) for the open spans from `from` on, in order, not overlapping (touching
  // at day boundaries), until it returns false or `until` (exclusive) is passed; stops after
  // kMaxClosedDays closed days in a row and returns false then.
  template <class Piece>
  bool walk(EpochMs from, std::optional<EpochMs> until, Piece&& piece) const;

  CalendarDefinition definition_;
  TimeZone zone_;
  bool has_hours_ = false;
};

}  // namespace kanri::processes::service_level
