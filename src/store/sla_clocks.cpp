#include "store/sla_clocks.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "store/sql_text.h"

namespace kanri::store {

namespace {

constexpr const char* kColumns =
    "id, record_type, record_id, metric, target_id, agreement_id, calendar_id, agreement_version, mode, started_at, "
    "since, elapsed_ms, target_ms, target_ref, due_at, breached_at, stopped_at, ended, updated_at, thresholds_fired";

std::vector<StoredClock> read_clocks(Connection& c, const std::string& where, const std::vector<Value>& params) {
  std::vector<StoredClock> out;
  for (auto& r : c.query(std::string("SELECT ") + kColumns + " FROM sla_clocks WHERE " + where, params).rows) {
    StoredClock k;
    k.id = as_int(r[0]);
    k.record_type = as_text(r[1]);
    k.record_id = as_int(r[2]);
    k.metric = as_text(r[3]);
    k.target_id = opt_int(r[4]);
    k.agreement_id = opt_int(r[5]);
    k.calendar_id = opt_int(r[6]);
    k.agreement_version = as_int(r[7]);
    k.mode = as_text(r[8]);
    k.started_at = as_int(r[9]);
    k.since = as_int(r[10]);
    k.elapsed_ms = as_int(r[11]);
    k.target_ms = as_int(r[12]);
    k.target_ref = as_text(r[13]);
    k.due_at = opt_int(r[14]);
    k.breached_at = opt_int(r[15]);
    k.stopped_at = opt_int(r[16]);
    k.ended = as_int(r[17]) != 0;
    k.updated_at = as_int(r[18]);
    k.thresholds_fired = as_text(r[19]);
    out.push_back(std::move(k));
  }
  return out;
}

}  // namespace

std::vector<StoredClock> ticket_clocks(Connection& c, const std::string& record_type, std::int64_t record_id) {
  return read_clocks(c, "record_type = ? AND record_id = ? ORDER BY metric", {record_type, record_id});
}

std::vector<StoredClock> tickets_clocks(Connection& c, const std::string& record_type, std::int64_t from_id,
                                        std::int64_t to_id) {
  return read_clocks(c, "record_type = ? AND record_id BETWEEN ? AND ? ORDER BY record_id, metric",
                     {record_type, from_id, to_id});
}

std::vector<StoredClock> clocks_decided_between(Connection& c, EpochMs from, EpochMs to, EpochMs now) {
  return read_clocks(c,
                     "target_ms > 0 AND ((breached_at >= ? AND breached_at < ?)"
                     " OR (breached_at IS NULL AND mode = 'stopped' AND stopped_at >= ? AND stopped_at < ?)"
                     " OR (breached_at IS NULL AND mode = 'running' AND due_at >= ? AND due_at < ? AND due_at <= ?))"
                     " ORDER BY id",
                     {from, to, from, to, from, to, now});
}

std::vector<StoredClock> running_clocks_of_calendar(Connection& c, std::int64_t calendar_id, std::int64_t after_id,
                                                    int limit) {
  if (limit <= 0) return read_clocks(c, "mode = 'running' AND calendar_id = ? ORDER BY id", {calendar_id});
  return read_clocks(c,
                     std::string("mode = 'running' AND calendar_id = ? AND id > ? ORDER BY id LIMIT ?") +
                         (c.dialect() == Dialect::postgres ? " FOR UPDATE" : ""),
                     {calendar_id, after_id, static_cast<std::int64_t>(limit)});
}

std::vector<StoredClock> running_clocks_due_before(Connection& c, EpochMs until, int limit) {
  return read_clocks(c, "mode = 'running' AND due_at IS NOT NULL AND due_at < ? ORDER BY due_at, id LIMIT ?",
                     {until, static_cast<std::int64_t>(limit)});
}

std::int64_t save_clock(Connection& c, const StoredClock& k) {
  std::vector<Value> values;
  values.reserve(20);
  values.emplace_back(k.record_type);
  values.emplace_back(k.record_id);
  values.emplace_back(k.metric);
  values.push_back(opt(k.target_id));
  values.push_back(opt(k.agreement_id));
  values.push_back(opt(k.calendar_id));
  values.emplace_back(k.agreement_version);
  values.emplace_back(k.mode);
  values.emplace_back(k.started_at);
  values.emplace_back(k.since);
  values.emplace_back(k.elapsed_ms);
  values.emplace_back(k.target_ms);
  values.emplace_back(k.target_ref);
  values.push_back(opt(k.due_at));
  values.push_back(opt(k.breached_at));
  values.push_back(opt(k.stopped_at));
  values.emplace_back(std::int64_t{k.ended ? 1 : 0});
  values.emplace_back(k.updated_at);
  if (k.id != 0) {
    values.push_back(k.id);
    c.run("UPDATE sla_clocks SET record_type = ?, record_id = ?, metric = ?, target_id = ?, agreement_id = ?, "
          "calendar_id = ?, agreement_version = ?, mode = ?, started_at = ?, since = ?, elapsed_ms = ?, target_ms = ?, "
          "target_ref = ?, due_at = ?, breached_at = ?, stopped_at = ?, ended = ?, updated_at = ? WHERE id = ?",
          values);
    return k.id;
  }
  values.emplace_back(k.thresholds_fired);
  Rows r = c.query("INSERT INTO sla_clocks (record_type, record_id, metric, target_id, agreement_id, calendar_id, "
                   "agreement_version, mode, started_at, since, elapsed_ms, target_ms, target_ref, due_at, breached_at, "
                   "stopped_at, ended, updated_at, thresholds_fired) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                   "RETURNING id",
                   values);
  return as_int(r[0][0]);
}

void set_clock_dues(Connection& c, const std::vector<ClockDue>& dues) {
  if (c.dialect() != Dialect::postgres) {
    for (const auto& d : dues) c.run("UPDATE sla_clocks SET due_at = ? WHERE id = ?", {opt(d.due_at), d.clock_id});
    return;
  }
  for (std::size_t from = 0; from < dues.size(); from += kRowsPerStatement) {
    nlohmann::json rows = nlohmann::json::array();
    for (std::size_t i = from; i < std::min(dues.size(), from + kRowsPerStatement); ++i)
      rows.push_back({{"id", dues[i].clock_id},
                      {"due", dues[i].due_at ? nlohmann::json(*dues[i].due_at) : nlohmann::json(nullptr)}});
    c.run("UPDATE sla_clocks k SET due_at = u.due FROM json_to_recordset(?::json) AS u(id bigint, due bigint) "
          "WHERE k.id = u.id",
          {rows.dump()});
  }
}

bool add_fired_threshold(Connection& c, std::int64_t clock_id, const std::string& target_ref, int percent) {
  const std::string p = std::to_string(percent);
  return c.run("UPDATE sla_clocks SET thresholds_fired = CASE WHEN thresholds_fired = '' THEN ? ELSE thresholds_fired || ',' || ? "
               "END WHERE id = ? AND target_ref = ? AND mode = 'running'",
               {p, p, clock_id, target_ref}) == 1;
}

void clear_fired_thresholds(Connection& c, std::int64_t clock_id) {
  c.run("UPDATE sla_clocks SET thresholds_fired = '' WHERE id = ?", {clock_id});
}

}  // namespace kanri::store
