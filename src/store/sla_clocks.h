// The SLA clocks of tickets (processes/service_level/ticket_clocks.h keeps them): one row per
// ticket and measure, written in the transaction of the ticket's change. A platform table, not
// a record type: nobody edits a clock; it follows from the ticket's journal.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/time.h"
#include "store/database.h"

namespace kanri::store {

struct StoredClock {
  std::int64_t id = 0;
  std::string record_type;
  std::int64_t record_id = 0;
  std::string metric;  // response, resolution
  std::optional<std::int64_t> target_id, agreement_id, calendar_id;
  std::int64_t agreement_version = 0;
  std::string mode;  // running, paused, stopped
  EpochMs started_at = 0, since = 0;
  std::int64_t elapsed_ms = 0, target_ms = 0;
  std::string target_ref;
  std::optional<EpochMs> due_at, breached_at, stopped_at;
  bool ended = false;
  EpochMs updated_at = 0;
  std::string thresholds_fired;  // "50,75": the thresholds already passed under the current target
};

// The clocks of one ticket, by measure.
std::vector<StoredClock> ticket_clocks(Connection& c, const std::string& record_type, std::int64_t record_id);
// The clocks of the tickets of `record_type` whose ids are in [from_id, to_id], by ticket and measure.
std::vector<StoredClock> tickets_clocks(Connection& c, const std::string& record_type, std::int64_t from_id,
                                        std::int64_t to_id);
// The clocks with a target whose outcome was decided in [from, to): breached then (a running
// clock past its due time by `now` is breached at its due time), or stopped then within the
// target. Each clock is decided once, so a month's figures do not move when a ticket is
// worked on later (a reopened ticket's clock is decided again when it stops again).
std::vector<StoredClock> clocks_decided_between(Connection& c, EpochMs from, EpochMs to, EpochMs now);
// The running clocks that count in business calendar `calendar_id`, by id; with a `limit`, at
// most that many of those after `after_id` (a walk over them a part at a time), which on
// PostgreSQL are locked until the transaction ends (FOR UPDATE): a threshold firing or a change
// of one of those tickets meanwhile waits, so what the walk read of them stays true until it
// commits.
std::vector<StoredClock> running_clocks_of_calendar(Connection& c, std::int64_t calendar_id, std::int64_t after_id = 0,
                                                    int limit = 0);
// Running clocks due before `until`, earliest first (the partial due index), at most `limit`.
std::vector<StoredClock> running_clocks_due_before(Connection& c, EpochMs until, int limit);
// Inserts the clock (id 0) or replaces it, all but its thresholds_fired (a threshold job may
// have written that meanwhile); returns its id.
std::int64_t save_clock(Connection& c, const StoredClock& clock);
struct ClockDue {
  std::int64_t clock_id = 0;
  std::optional<EpochMs> due_at;
};
// Sets only the due time of each of these clocks (a calendar edit moved them): on PostgreSQL
// a statement per kRowsPerStatement clocks, on SQLite (in process, no round trip) one each.
void set_clock_dues(Connection& c, const std::vector<ClockDue>& dues);
// Adds `percent` to the thresholds a clock passed, if it still counts against `target_ref`
// (one statement, so a concurrent change of the clock is not overwritten); false otherwise.
bool add_fired_threshold(Connection& c, std::int64_t clock_id, const std::string& target_ref, int percent);
// Forgets the thresholds passed (a new target starts over).
void clear_fired_thresholds(Connection& c, std::int64_t clock_id);

}  // namespace kanri::store
