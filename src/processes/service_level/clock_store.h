// The stored clocks (store/sla_clocks.h) as the clock arithmetic (clock.h) sees them, and the
// clocks of a ticket replayed from its journal: what the live clocks, the recompute, the clock
// API and the service level reports share.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/record_service.h"
#include "processes/service_level/calendar.h"
#include "processes/service_level/clock.h"
#include "store/journal.h"
#include "store/sla_clocks.h"

namespace kanri::processes::service_level {

ClockMode mode_of(const std::string& name);
ClockState state_of(const store::StoredClock& k);
// The clock's state into its row (the row keeps its ticket, measure, target and calendar).
void put_state(store::StoredClock& k, const ClockState& c);
BusinessCalendar around_the_clock();
// The calendar of a business_calendar record; around the clock when there is none or it cannot
// be read (the write rule refuses calendars that cannot be read, so that is a deleted one).
BusinessCalendar calendar_for(store::Connection& c, engine::RecordService& records, std::optional<std::int64_t> id);

// Calendars as they were when a journal entry was written: the current one while it has not
// changed since, else rebuilt from its own journal, once per version (a recompute asks for a
// calendar edited since at every entry of every ticket).
class CalendarsAsOf {
 public:
  CalendarsAsOf(store::Connection& c, engine::RecordService& records) : c_(c), records_(records) {}
  const BusinessCalendar& at(std::optional<std::int64_t> id, EpochMs when);

 private:
  static std::optional<BusinessCalendar> build(const store::Record& r);
  struct Current {
    bool loaded = false;
    EpochMs updated_at = 0;
    std::string number;
    std::optional<BusinessCalendar> calendar;
    // The times of the calendar's journal entries, ascending, read at the first past version
    // asked for: the entries up to an instant say which version was in force then, so the
    // number of them is the key of that version among `past` (none: it did not exist then).
    std::optional<std::vector<EpochMs>> entry_times;
    std::map<std::size_t, std::optional<BusinessCalendar>> past;
  };
  store::Connection& c_;
  engine::RecordService& records_;
  std::map<std::int64_t, Current> current_;
  BusinessCalendar fallback_ = around_the_clock();
};

// A clock rebuilt from the journal: its state, its timeline and the calendar it counts in.
struct Replayed {
  ClockState clock;
  std::vector<ClockSegment> timeline;
  std::optional<std::int64_t> calendar_id;
  EpochMs last_written = 0;
};

// Every clock of the ticket replayed from its "sla_clock" journal entries, with the timelines up
// to `until` when one is given. Without (a recompute), only the clocks: each event advances its
// clock once, and no calendar is looked up as of `until`.
std::map<std::string, Replayed> replay_ticket(store::Connection& c, engine::RecordService& records,
                                              CalendarsAsOf& calendars, const std::string& type, std::int64_t id,
                                              std::optional<EpochMs> until);
// The same from a ticket's "sla_clock" entries, oldest first, read already (a recompute reads
// those of many tickets at once).
std::map<std::string, Replayed> replay_entries(std::span<const store::JournalEntry> entries, CalendarsAsOf& calendars, const std::string& type,
                                               std::optional<EpochMs> until);
// A timeline as the API shows it: [{from, to, mode, state, business_ms, business, target_time, target_ref}].
nlohmann::json timeline_json(const std::vector<ClockSegment>& timeline);
// {id, number} of a record of `type`, {id} when it is gone, null without an id.
nlohmann::json ref_of(store::Connection& c, engine::RecordService& records, const char* type,
                      std::optional<std::int64_t> id);

}  // namespace kanri::processes::service_level
