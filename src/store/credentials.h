// Credentials as stored: API tokens, sign-in sessions and the counters of failed logins.
// Secrets are kept only as SHA-256 hashes: a token or session secret is handed out once,
// when it is made, and cannot be read back from the database.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/time.h"
#include "store/accounts.h"
#include "store/database.h"

namespace kanri::store {

struct ApiToken {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  std::string label;
  EpochMs created_at = 0;
  std::optional<EpochMs> expires_at, revoked_at, last_used_at;
  std::string created_by;  // username of whoever made it
};

struct NewSecret {
  std::int64_t id = 0;
  std::string secret;  // shown once
};

// Stores a new token for `user_id` and returns its id and secret ("kanri_…").
NewSecret insert_api_token(Connection& c, std::int64_t user_id, const std::string& label, EpochMs now,
                           std::optional<EpochMs> expires_at, const std::string& created_by);
std::optional<ApiToken> find_api_token(Connection& c, std::int64_t id);
// Newest first; every user's when `user_id` is empty.
std::vector<ApiToken> list_api_tokens(Connection& c, std::optional<std::int64_t> user_id);
// Marks the token revoked; false when it was revoked already or does not exist.
bool revoke_api_token(Connection& c, std::int64_t id, EpochMs now);
void touch_api_token(Connection& c, std::int64_t id, EpochMs now);

struct TokenOwner {
  User user;
  ApiToken token;
};
// The active user owning the unexpired, unrevoked token with this secret.
std::optional<TokenOwner> find_token_owner(Connection& c, const std::string& secret, EpochMs now);

struct Session {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  EpochMs created_at = 0, last_seen_at = 0, expires_at = 0;  // expires_at: the absolute limit
  std::string ip, user_agent;
  std::string method = "password";  // password, password+totp, ldap, ldap+totp
  bool enrol_only = false;          // may only enrol a second factor
  std::optional<EpochMs> revoked_at;
  std::string revoked_reason;  // logout, revoked, password_changed, idle, disabled…
};

// Stores `s` (assigning its id) and returns the new secret.
std::string insert_session(Connection& c, Session& s);
struct SessionOwner {
  Session session;
  User user;
};
// The unrevoked session with this secret and its active user; expiry is the caller's to judge.
std::optional<SessionOwner> find_session_owner(Connection& c, const std::string& secret);
std::optional<Session> find_session(Connection& c, std::int64_t id);
void touch_session(Connection& c, std::int64_t id, EpochMs now);
// The user's sessions that were limited to enrolling a second factor become full sessions.
void end_enrolment_only(Connection& c, std::int64_t user_id);
// False when it was revoked already or does not exist.
bool revoke_session(Connection& c, std::int64_t id, EpochMs now, const std::string& reason);
// Revokes every open session of the user but `except`; returns how many.
std::int64_t revoke_user_sessions(Connection& c, std::int64_t user_id, EpochMs now, const std::string& reason,
                                  std::optional<std::int64_t> except = std::nullopt);
// Unrevoked, unexpired sessions (idle ones included until they are used), newest first;
// every user's when `user_id` is empty.
std::vector<Session> list_sessions(Connection& c, std::optional<std::int64_t> user_id, EpochMs now);

struct LoginFailures {
  std::int64_t failures = 0;
  EpochMs first_at = 0, last_at = 0, locked_until = 0;
};
// Counters per key ("user:alice", "ip:192.0.2.1").
std::optional<LoginFailures> find_login_failures(Connection& c, const std::string& key);
// The counters of `key` (all zero when new), locked until the transaction ends, so that
// concurrent sign-ins on several connections (PostgreSQL) count one after the other instead of
// overwriting each other's counts. Take the keys in the same order everywhere.
LoginFailures lock_login_failures(Connection& c, const std::string& key);
void put_login_failures(Connection& c, const std::string& key, const LoginFailures& f);
void clear_login_failures(Connection& c, const std::string& key);

}  // namespace kanri::store
