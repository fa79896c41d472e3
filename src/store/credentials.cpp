#include "store/credentials.h"

#include "core/crypto.h"
#include "store/sql_text.h"

namespace kanri::store {

namespace {


constexpr const char* kTokenColumns = "t.id, t.user_id, t.label, t.created_at, t.expires_at, t.revoked_at, t.last_used_at, t.created_by";
ApiToken read_token(const std::vector<Value>& r, size_t at = 0) {
  ApiToken t;
  t.id = as_int(r[at]);
  t.user_id = as_int(r[at + 1]);
  t.label = as_text(r[at + 2]);
  t.created_at = as_int(r[at + 3]);
  t.expires_at = opt_int(r[at + 4]);
  t.revoked_at = opt_int(r[at + 5]);
  t.last_used_at = opt_int(r[at + 6]);
  t.created_by = as_text(r[at + 7]);
  return t;
}

constexpr const char* kSessionColumns =
    "s.id, s.user_id, s.created_at, s.last_seen_at, s.expires_at, s.ip, s.user_agent, s.method, s.enrol_only, "
    "s.revoked_at, s.revoked_reason";
Session read_session(const std::vector<Value>& r, size_t at = 0) {
  Session s;
  s.id = as_int(r[at]);
  s.user_id = as_int(r[at + 1]);
  s.created_at = as_int(r[at + 2]);
  s.last_seen_at = as_int(r[at + 3]);
  s.expires_at = as_int(r[at + 4]);
  s.ip = as_text(r[at + 5]);
  s.user_agent = as_text(r[at + 6]);
  s.method = as_text(r[at + 7]);
  s.enrol_only = as_int(r[at + 8]) != 0;
  s.revoked_at = opt_int(r[at + 9]);
  s.revoked_reason = as_text(r[at + 10]);
  return s;
}

}  // namespace

NewSecret insert_api_token(Connection& c, std::int64_t user_id, const std::string& label, EpochMs now,
                           std::optional<EpochMs> expires_at, const std::string& created_by) {
  std::string secret = "kanri_" + random_token(32);
  Rows id = c.query("INSERT INTO api_tokens (user_id, token_hash, label, created_at, expires_at, created_by) "
                    "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                    {user_id, sha256_hex(secret), label, now, opt(expires_at), created_by});
  return {as_int(id[0][0]), secret};
}

std::optional<ApiToken> find_api_token(Connection& c, std::int64_t id) {
  Rows r = c.query(std::string("SELECT ") + kTokenColumns + " FROM api_tokens t WHERE t.id = ?", {id});
  if (r.empty()) return std::nullopt;
  return read_token(r[0]);
}

std::vector<ApiToken> list_api_tokens(Connection& c, std::optional<std::int64_t> user_id) {
  Rows r = user_id ? c.query(std::string("SELECT ") + kTokenColumns + " FROM api_tokens t WHERE t.user_id = ? ORDER BY t.id DESC",
                             {*user_id})
                   : c.query(std::string("SELECT ") + kTokenColumns + " FROM api_tokens t ORDER BY t.id DESC");
  std::vector<ApiToken> out;
  for (auto& row : r.rows) out.push_back(read_token(row));
  return out;
}

bool revoke_api_token(Connection& c, std::int64_t id, EpochMs now) {
  return c.run("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", {now, id}) == 1;
}

void touch_api_token(Connection& c, std::int64_t id, EpochMs now) {
  c.run("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", {now, id});
}

std::optional<TokenOwner> find_token_owner(Connection& c, const std::string& secret, EpochMs now) {
  Rows r = c.query(std::string("SELECT ") + kTokenColumns + ", " + kUserColumns +
                       " FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ? "
                       "AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?) AND u.active = 1",
                   {sha256_hex(secret), now});
  if (r.empty()) return std::nullopt;
  return TokenOwner{read_user(r[0], 8), read_token(r[0])};
}

std::string insert_session(Connection& c, Session& s) {
  std::string secret = random_token(32);
  Rows id = c.query("INSERT INTO sessions (user_id, token_hash, created_at, last_seen_at, expires_at, ip, user_agent, method, "
                    "enrol_only) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    {s.user_id, sha256_hex(secret), s.created_at, s.last_seen_at, s.expires_at, s.ip, s.user_agent,
                     s.method, static_cast<std::int64_t>(s.enrol_only)});
  s.id = as_int(id[0][0]);
  return secret;
}

std::optional<SessionOwner> find_session_owner(Connection& c, const std::string& secret) {
  Rows r = c.query(std::string("SELECT ") + kSessionColumns + ", " + kUserColumns +
                       " FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ? "
                       "AND s.revoked_at IS NULL AND u.active = 1",
                   {sha256_hex(secret)});
  if (r.empty()) return std::nullopt;
  return SessionOwner{read_session(r[0]), read_user(r[0], 11)};
}

std::optional<Session> find_session(Connection& c, std::int64_t id) {
  Rows r = c.query(std::string("SELECT ") + kSessionColumns + " FROM sessions s WHERE s.id = ?", {id});
  if (r.empty()) return std::nullopt;
  return read_session(r[0]);
}

void touch_session(Connection& c, std::int64_t id, EpochMs now) {
  c.run("UPDATE sessions SET last_seen_at = ? WHERE id = ? AND last_seen_at < ?", {now, id, now});
}

void end_enrolment_only(Connection& c, std::int64_t user_id) {
  c.run("UPDATE sessions SET enrol_only = 0 WHERE user_id = ? AND enrol_only = 1", {user_id});
}

bool revoke_session(Connection& c, std::int64_t id, EpochMs now, const std::string& reason) {
  return c.run("UPDATE sessions SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND revoked_at IS NULL",
               {now, reason, id}) == 1;
}

std::int64_t revoke_user_sessions(Connection& c, std::int64_t user_id, EpochMs now, const std::string& reason,
                                  std::optional<std::int64_t> except) {
  return c.run("UPDATE sessions SET revoked_at = ?, revoked_reason = ? WHERE user_id = ? AND revoked_at IS NULL AND id <> ?",
               {now, reason, user_id, except.value_or(0)});
}

std::vector<Session> list_sessions(Connection& c, std::optional<std::int64_t> user_id, EpochMs now) {
  std::string sql = std::string("SELECT ") + kSessionColumns +
                    " FROM sessions s WHERE s.revoked_at IS NULL AND s.expires_at > ?";
  std::vector<Value> params{now};
  if (user_id) {
    sql += " AND s.user_id = ?";
    params.push_back(*user_id);
  }
  Rows r = c.query(sql + " ORDER BY s.id DESC", params);
  std::vector<Session> out;
  for (auto& row : r.rows) out.push_back(read_session(row));
  return out;
}

std::optional<LoginFailures> find_login_failures(Connection& c, const std::string& key) {
  Rows r = c.query("SELECT failures, first_at, last_at, locked_until FROM login_failures WHERE key = ?", {key});
  if (r.empty()) return std::nullopt;
  return LoginFailures{as_int(r[0][0]), as_int(r[0][1]), as_int(r[0][2]), as_int(r[0][3])};
}

LoginFailures lock_login_failures(Connection& c, const std::string& key) {
  c.run("INSERT INTO login_failures (key, failures, first_at, last_at, locked_until) VALUES (?, 0, 0, 0, 0) "
        "ON CONFLICT (key) DO NOTHING",
        {key});
  const char* lock = c.dialect() == Dialect::postgres ? " FOR UPDATE" : "";
  Rows r = c.query(std::string("SELECT failures, first_at, last_at, locked_until FROM login_failures WHERE key = ?") + lock, {key});
  return LoginFailures{as_int(r[0][0]), as_int(r[0][1]), as_int(r[0][2]), as_int(r[0][3])};
}

void put_login_failures(Connection& c, const std::string& key, const LoginFailures& f) {
  c.run("INSERT INTO login_failures (key, failures, first_at, last_at, locked_until) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, first_at = excluded.first_at, "
        "last_at = excluded.last_at, locked_until = excluded.locked_until",
        {key, f.failures, f.first_at, f.last_at, f.locked_until});
}

void clear_login_failures(Connection& c, const std::string& key) {
  c.run("DELETE FROM login_failures WHERE key = ?", {key});
}

}  // namespace kanri::store
