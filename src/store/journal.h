// The tamper-evident journal: every change to every record, append-only, each entry's SHA-256
// covering the previous entry's hash. It is the record history, the audit trail
// (ISO/IEC 27001 A.8.15, ISO/IEC 20000-1 7.5.3) and the source for "as it was" reads.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/time.h"
#include "store/database.h"

namespace kanri::store {

struct JournalEntry {
  std::int64_t seq = 0;
  EpochMs at = 0;
  std::optional<std::int64_t> principal_id;
  std::string principal;      // username, or "system"
  std::string ip;
  std::string record_type;
  std::int64_t record_id = 0;
  std::string record_number;
  std::string action;         // create, update, delete, transition:<name>, link, unlink, login…
  std::string changes;        // JSON text: {"field": [before, after], …} or action details
  std::string prev_hash;
  std::string hash;
};

// The text whose SHA-256 is an entry's hash. Every stored column takes part, length-prefixed
// so that no two different entries can produce the same text.
std::string journal_hash_input(const JournalEntry& e);

// Appends `e` inside the caller's write transaction: assigns seq, prev_hash and hash, and
// advances journal_head. On PostgreSQL the head row is locked until commit, which orders
// concurrent writers into one chain.
void append_journal(Connection& c, JournalEntry& e);

// Who an entry names as having acted.
struct Actor {
  std::optional<std::int64_t> id;  // the user; empty for the system
  std::string name = "system";
  std::string ip;
};

// Appends an entry about a platform object (a user, role, group, session…) or any event that
// is not a record write: `changes` is the JSON text of the details.
void journal_event(Connection& c, const Actor& by, EpochMs at, const std::string& record_type, std::int64_t record_id,
                   const std::string& record_number, const std::string& action, const std::string& changes);

// Entries about one record, oldest first.
std::vector<JournalEntry> record_history(Connection& c, const std::string& type, std::int64_t id);
// Only the entries of one action (the SLA recompute reads its "sla_clock" entries).
std::vector<JournalEntry> record_history(Connection& c, const std::string& type, std::int64_t id, const std::string& action);
// The entries of one action about the records of `type` whose ids are in [from_id, to_id], by
// record then oldest first: a recompute reads a thousand tickets' entries in one statement.
std::vector<JournalEntry> records_history(Connection& c, const std::string& type, std::int64_t from_id,
                                          std::int64_t to_id, const std::string& action);

struct JournalVerdict {
  bool ok = true;
  std::int64_t entries = 0;        // entries checked
  std::int64_t first_bad_seq = 0;  // where the chain breaks (0 when ok)
  std::string reason;
};

// A page of the whole journal for auditors, by sequence number: entries after `after_seq`
// (ascending) matching the filters that are set, at most `limit`.
struct JournalFilter {
  std::string record_type, action, principal;
  std::optional<std::int64_t> record_id, principal_id;
  std::optional<EpochMs> since, until;
  std::int64_t after_seq = 0;
  int limit = 100;
};
std::vector<JournalEntry> journal_page(Connection& c, const JournalFilter& f);

// Walks the whole chain in order and checks every link and hash, and the head.
JournalVerdict verify_journal(Connection& c);

}  // namespace kanri::store
