#include "store/journal.h"

#include <fmt/format.h>

#include "core/crypto.h"

namespace kanri::store {

namespace {

void put(std::string& out, std::string_view field) {
  out += std::to_string(field.size());
  out += ':';
  out += field;
  out += '|';
}

constexpr const char* kColumns =
    "seq, at, principal_id, principal, ip, record_type, record_id, record_number, action, changes, prev_hash, hash";

JournalEntry read_entry(const std::vector<Value>& row) {
  JournalEntry e;
  e.seq = as_int(row[0]);
  e.at = as_int(row[1]);
  if (!is_null(row[2])) e.principal_id = as_int(row[2]);
  e.principal = as_text(row[3]);
  e.ip = as_text(row[4]);
  e.record_type = as_text(row[5]);
  e.record_id = as_int(row[6]);
  e.record_number = as_text(row[7]);
  e.action = as_text(row[8]);
  e.changes = as_text(row[9]);
  e.prev_hash = as_text(row[10]);
  e.hash = as_text(row[11]);
  return e;
}

}  // namespace

std::string journal_hash_input(const JournalEntry& e) {
  std::string s;
  s.reserve(128 + e.changes.size());
  put(s, std::to_string(e.seq));
  put(s, std::to_string(e.at));
  put(s, e.principal_id ? std::to_string(*e.principal_id) : "");
  put(s, e.principal);
  put(s, e.ip);
  put(s, e.record_type);
  put(s, std::to_string(e.record_id));
  put(s, e.record_number);
  put(s, e.action);
  put(s, e.changes);
  put(s, e.prev_hash);
  return s;
}

void append_journal(Connection& c, JournalEntry& e) {
  const char* lock = c.dialect() == Dialect::postgres ? " FOR UPDATE" : "";
  Rows head = c.query(std::string("SELECT seq, hash FROM journal_head WHERE id = 1") + lock);
  if (head.empty()) throw StoreError(StoreError::Kind::general, "journal_head is missing; run kanri migrate");
  e.seq = as_int(head[0][0]) + 1;
  e.prev_hash = as_text(head[0][1]);
  e.hash = sha256_hex(journal_hash_input(e));
  c.run(fmt::format("INSERT INTO journal ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", kColumns),
        {e.seq, e.at, e.principal_id ? Value(*e.principal_id) : Value(), e.principal, e.ip, e.record_type,
         e.record_id, e.record_number, e.action, e.changes, e.prev_hash, e.hash});
  c.run("UPDATE journal_head SET seq = ?, hash = ? WHERE id = 1", {e.seq, e.hash});
}

std::vector<JournalEntry> record_history(Connection& c, const std::string& type, std::int64_t id) {
  Rows rows = c.query(fmt::format("SELECT {} FROM journal WHERE record_type = ? AND record_id = ? ORDER BY seq", kColumns),
                      {type, id});
  std::vector<JournalEntry> out;
  out.reserve(rows.size());
  for (auto& row : rows.rows) out.push_back(read_entry(row));
  return out;
}

JournalVerdict verify_journal(Connection& c) {
  JournalVerdict v;
  std::string prev;
  std::int64_t expected_seq = 1;
  const std::int64_t batch = 5000;
  for (;;) {
    Rows rows = c.query(fmt::format("SELECT {} FROM journal WHERE seq >= ? ORDER BY seq LIMIT ?", kColumns),
                        {expected_seq, batch});
    for (auto& row : rows.rows) {
      JournalEntry e = read_entry(row);
      auto fail = [&](std::string reason) {
        v.ok = false;
        v.first_bad_seq = e.seq;
        v.reason = std::move(reason);
      };
      if (e.seq != expected_seq)
        fail(fmt::format("entry {} is missing: the chain jumps from {} to {} (an entry was deleted)",
                         expected_seq, expected_seq - 1, e.seq));
      else if (e.prev_hash != prev)
        fail(fmt::format("entry {} does not follow entry {}: its previous-hash differs (entries were removed or reordered)",
                         e.seq, e.seq - 1));
      else if (sha256_hex(journal_hash_input(e)) != e.hash)
        fail(fmt::format("entry {} was altered: its content no longer matches its hash", e.seq));
      if (!v.ok) return v;
      prev = e.hash;
      ++expected_seq;
      ++v.entries;
    }
    if (static_cast<std::int64_t>(rows.size()) < batch) break;
  }
  Rows head = c.query("SELECT seq, hash FROM journal_head WHERE id = 1");
  if (head.empty() || as_int(head[0][0]) != v.entries || as_text(head[0][1]) != prev) {
    v.ok = false;
    v.first_bad_seq = v.entries + 1;
    v.reason = head.empty() ? "the journal head is missing"
                            : fmt::format("the journal ends at entry {} but its head records entry {}: "
                                          "the newest entries were removed or the head was altered",
                                          v.entries, as_int(head[0][0]));
  }
  return v;
}

}  // namespace kanri::store
