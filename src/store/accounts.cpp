#include "store/accounts.h"

#include "core/crypto.h"
#include "store/journal.h"
#include "store/sql_text.h"

#include <nlohmann/json.hpp>

namespace kanri::store {

namespace {
constexpr const char* kUserColumns =
    "u.id, u.username, u.display_name, u.email, u.kind, u.roles, u.language, u.password_hash, u.active, u.created_at";

User read_user(const std::vector<Value>& r, size_t at = 0) {
  User u;
  u.id = as_int(r[at]);
  u.username = as_text(r[at + 1]);
  u.display_name = as_text(r[at + 2]);
  u.email = as_text(r[at + 3]);
  u.kind = as_text(r[at + 4]);
  u.roles = as_text(r[at + 5]);
  u.language = as_text(r[at + 6]);
  u.password_hash = as_text(r[at + 7]);
  u.active = as_int(r[at + 8]) != 0;
  u.created_at = as_int(r[at + 9]);
  return u;
}
}  // namespace

void insert_user(Connection& c, User& u) {
  Rows r = c.query(
      "INSERT INTO users (username, display_name, email, kind, roles, language, password_hash, active, created_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
      {u.username, u.display_name, u.email.empty() ? Value() : Value(u.email), u.kind, u.roles, u.language,
       u.password_hash.empty() ? Value() : Value(u.password_hash), static_cast<std::int64_t>(u.active), u.created_at});
  u.id = as_int(r[0][0]);
}

namespace {
void journal_user(Connection& c, const User& u, EpochMs at, const std::string& by, const std::string& action,
                  const nlohmann::json& details) {
  JournalEntry e;
  e.at = at;
  e.principal = by;
  e.record_type = "user";
  e.record_id = u.id;
  e.record_number = u.username;
  e.action = action;
  e.changes = details.dump();
  append_journal(c, e);
}
}  // namespace

void create_user(Connection& c, User& u, const std::string& by) {
  insert_user(c, u);
  journal_user(c, u, u.created_at, by, "create",
               {{"username", {nullptr, u.username}}, {"kind", {nullptr, u.kind}}, {"roles", {nullptr, u.roles}}});
}

std::optional<User> find_user(Connection& c, std::int64_t id) {
  Rows r = c.query(std::string("SELECT ") + kUserColumns + " FROM users u WHERE u.id = ?", {id});
  if (r.empty()) return std::nullopt;
  return read_user(r[0]);
}

std::optional<User> find_user_by_name(Connection& c, const std::string& username) {
  Rows r = c.query(std::string("SELECT ") + kUserColumns + " FROM users u WHERE u.username = ?", {username});
  if (r.empty()) return std::nullopt;
  return read_user(r[0]);
}

std::vector<std::pair<std::int64_t, std::string>> user_names(Connection& c, const std::vector<std::int64_t>& ids) {
  std::vector<std::pair<std::int64_t, std::string>> out;
  if (ids.empty()) return out;
  std::vector<Value> params;
  std::string list = in_list(ids, params);
  Rows r = c.query("SELECT id, display_name FROM users WHERE id IN (" + list + ")", params);
  for (auto& row : r.rows) out.emplace_back(as_int(row[0]), as_text(row[1]));
  return out;
}

std::string create_api_token(Connection& c, const User& user, const std::string& label, EpochMs now,
                             std::optional<EpochMs> expires_at, const std::string& by) {
  std::string secret = "kanri_" + random_token(32);
  Rows id = c.query("INSERT INTO api_tokens (user_id, token_hash, label, created_at, expires_at) VALUES (?, ?, ?, ?, ?) "
                    "RETURNING id",
                    {user.id, sha256_hex(secret), label, now, expires_at ? Value(*expires_at) : Value()});
  journal_user(c, user, now, by, "token_create",
               {{"token_id", as_int(id[0][0])},
                {"label", label},
                {"expires_at", expires_at ? nlohmann::json(format_timestamp(*expires_at)) : nlohmann::json(nullptr)}});
  return secret;
}

std::optional<TokenOwner> find_token_owner(Connection& c, const std::string& secret, EpochMs now) {
  Rows r = c.query(std::string("SELECT t.id, ") + kUserColumns +
                       " FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ? "
                       "AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?) AND u.active = 1",
                   {sha256_hex(secret), now});
  if (r.empty()) return std::nullopt;
  return TokenOwner{read_user(r[0], 1), as_int(r[0][0])};
}

}  // namespace kanri::store
