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
  DeferredWrites* deferred = c.deferred();
  if (!deferred || !deferred->head_loaded) {
    const char* lock = c.dialect() == Dialect::postgres ? " FOR UPDATE" : "";
    Rows head = c.query(std::string("SELECT seq, hash FROM journal_head WHERE id = 1") + lock);
    if (head.empty()) throw StoreError(StoreError::Kind::general, "journal_head is missing; run kanri migrate");
    if (deferred) {
      deferred->head_loaded = true;
      deferred->head_seq = as_int(head[0][0]);
      deferred->head_hash = as_text(head[0][1]);
    } else {
      e.seq = as_int(head[0][0]) + 1;
      e.prev_hash = as_text(head[0][1]);
    }
  }
  if (deferred) {
    e.seq = deferred->head_seq + 1;
    e.prev_hash = deferred->head_hash;
  }
  e.hash = sha256_hex(journal_hash_input(e));
  c.run(fmt::format("INSERT INTO journal ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", kColumns),
        {e.seq, e.at, e.principal_id ? Value(*e.principal_id) : Value(), e.principal, e.ip, e.record_type,
         e.record_id, e.record_number, e.action, e.changes, e.prev_hash, e.hash});
  if (deferred) {
    deferred->head_seq = e.seq;
    deferred->head_hash = e.hash;
  } else {
    c.run("UPDATE journal_head SET seq = ?, hash = ? WHERE id = 1", {e.seq, e.hash});
  }
}

void journal_event(Connection& c, const Actor& by, EpochMs at, const std::string& record_type, std::int64_t record_id,
                   const std::string& record_number, const std::string& action, const std::string& changes) {
  JournalEntry e;
  e.at = at;
  e.principal_id = by.id;
  e.principal = by.name;
  e.ip = by.ip;
  e.record_type = record_type;
  e.record_id = record_id;
  e.record_number = record_number;
  e.action = action;
  e.changes = changes;
  append_journal(c, e);
}

std::vector<JournalEntry> journal_page(Connection& c, const JournalFilter& f) {
  std::string where = "seq > ?";
  std::vector<Value> params{f.after_seq};
  auto add = [&](const char* cond, Value v) {
    where += std::string(" AND ") + cond;
    params.push_back(std::move(v));
  };
  if (!f.record_type.empty()) add("record_type = ?", f.record_type);
  if (f.record_id) add("record_id = ?", *f.record_id);
  if (!f.action.empty()) add("action = ?", f.action);
  if (!f.principal.empty()) add("principal = ?", f.principal);
  if (f.principal_id) add("principal_id = ?", *f.principal_id);
  if (f.since) add("at >= ?", *f.since);
  if (f.until) add("at < ?", *f.until);
  params.push_back(static_cast<std::int64_t>(f.limit));
  Rows rows = c.query(fmt::format("SELECT {} FROM journal WHERE {} ORDER BY seq LIMIT ?", kColumns, where), params);
  std::vector<JournalEntry> out;
  out.reserve(rows.size());
  for (auto& row : rows.rows) out.push_back(read_entry(row));
  return out;
}

std::vector<JournalEntry> record_history(Connection& c, const std::string& type, std::int64_t id) {
  Rows rows = c.query(fmt::format("SELECT {} FROM journal WHERE record_type = ? AND record_id = ? ORDER BY seq", kColumns),
                      {type, id});
  std::vector<JournalEntry> out;
  out.reserve(rows.size());
  for (auto& row : rows.rows) out.push_back(read_entry(row));
  return out;
}

std::vector<JournalEntry> record_history(Connection& c, const std::string& type, std::int64_t id, const std::string& action) {
  Rows rows = c.query(
      fmt::format("SELECT {} FROM journal WHERE record_type = ? AND record_id = ? AND action = ? ORDER BY seq", kColumns),
      {type, id, action});
  std::vector<JournalEntry> out;
  out.reserve(rows.size());
  for (auto& row : rows.rows) out.push_back(read_entry(row));
  return out;
}

std::vector<JournalEntry> records_history(Connection& c, const std::string& type, std::int64_t from_id,
                                          std::int64_t to_id, const std::string& action) {
  Rows rows = c.query(fmt::format("SELECT {} FROM journal WHERE record_type = ? AND record_id BETWEEN ? AND ? AND action = ? "
                                  "ORDER BY record_type, record_id, seq",
                                  kColumns),
                      {type, from_id, to_id, action});
  std::vector<JournalEntry> out;
  out.reserve(rows.size());
  for (auto& row : rows.rows) out.push_back(read_entry(row));
  return out;
}

namespace {
JournalVerdict verify_chain(Connection& c);
}  // namespace

JournalVerdict verify_journal(Connection& c) {
  // One snapshot for the walk and the head: writes committing meanwhile are simply not seen,
  // instead of looking like a head that ran ahead of its chain.
  c.execute(c.dialect() == Dialect::postgres ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN");
  try {
    JournalVerdict v = verify_chain(c);
    c.execute("COMMIT");
    return v;
  } catch (...) {
    try {
      c.execute("ROLLBACK");
    } catch (...) {
    }
    throw;
  }
}

namespace {

JournalVerdict verify_chain(Connection& c) {
  JournalVerdict v;
  auto fail = [&](std::int64_t seq, std::string reason) {
    v.ok = false;
    v.first_bad_seq = seq;
    v.reason = std::move(reason);
    return v;
  };
  // Rows outside 1..n would be invisible to a walk that starts at 1, yet shown as history.
  Rows stray = c.query("SELECT MIN(seq) FROM journal WHERE seq < 1");
  if (!stray.empty() && !is_null(stray[0][0]))
    return fail(as_int(stray[0][0]), fmt::format("entry {} lies outside the chain, which starts at 1 (an entry was inserted)",
                                                 as_int(stray[0][0])));
  std::string prev;
  std::int64_t expected_seq = 1;
  const std::int64_t batch = 5000;
  for (;;) {
    Rows rows = c.query(fmt::format("SELECT {} FROM journal WHERE seq >= ? ORDER BY seq LIMIT ?", kColumns),
                        {expected_seq, batch});
    for (auto& row : rows.rows) {
      JournalEntry e = read_entry(row);
      if (e.seq != expected_seq)
        return fail(expected_seq, fmt::format("entry {} is missing: the chain jumps from {} to {} (an entry was deleted)",
                                              expected_seq, expected_seq - 1, e.seq));
      if (e.prev_hash != prev)
        return fail(e.seq, fmt::format("entry {} does not follow entry {}: its previous-hash differs "
                                       "(entries were removed, inserted or reordered)", e.seq, e.seq - 1));
      if (sha256_hex(journal_hash_input(e)) != e.hash)
        return fail(e.seq, fmt::format("entry {} was altered: its content no longer matches its hash", e.seq));
      prev = e.hash;
      ++expected_seq;
      ++v.entries;
    }
    if (static_cast<std::int64_t>(rows.size()) < batch) break;
  }
  Rows head = c.query("SELECT seq, hash FROM journal_head WHERE id = 1");
  if (head.empty()) return fail(v.entries + 1, "the journal head is missing");
  std::int64_t head_seq = as_int(head[0][0]);
  if (head_seq < v.entries)
    return fail(head_seq + 1, fmt::format("entries {} to {} lie beyond the journal head, which records entry {} "
                                          "(entries were appended outside Kanri, or the head was altered)",
                                          head_seq + 1, v.entries, head_seq));
  if (head_seq > v.entries)
    return fail(v.entries + 1, fmt::format("the journal ends at entry {} but its head records entry {}: "
                                           "the newest entries were removed", v.entries, head_seq));
  if (as_text(head[0][1]) != prev)
    return fail(head_seq, fmt::format("the journal head's hash does not match entry {}: the head or that entry "
                                      "was altered", head_seq));
  return v;
}

}  // namespace

}  // namespace kanri::store
