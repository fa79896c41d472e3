// Users and API tokens as stored. Tokens are kept only as SHA-256 hashes: the secret is shown
// once, when it is created, and cannot be read back.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/time.h"
#include "store/database.h"

namespace kanri::store {

struct User {
  std::int64_t id = 0;
  std::string username;
  std::string display_name;
  std::string email;
  std::string kind;   // agent, requester, auditor, administrator
  std::string roles;  // JSON array of role names
  std::string language = "ja";
  std::string password_hash;
  bool active = true;
  EpochMs created_at = 0;
};

// Inserts `u` and assigns its id. Throws StoreError(unique_violation) for a taken username.
void insert_user(Connection& c, User& u);
// insert_user, and the journal entry that records who created the account (`by`).
void create_user(Connection& c, User& u, const std::string& by);
std::optional<User> find_user(Connection& c, std::int64_t id);
std::optional<User> find_user_by_name(Connection& c, const std::string& username);
// Display names of these users in one query.
std::vector<std::pair<std::int64_t, std::string>> user_names(Connection& c, const std::vector<std::int64_t>& ids);

struct TokenOwner {
  User user;
  std::int64_t token_id = 0;
};

// Stores a new token for `user` and returns the secret (shown once). The creation is
// journaled on the user, with who created it (`by`); the secret never is.
std::string create_api_token(Connection& c, const User& user, const std::string& label, EpochMs now,
                             std::optional<EpochMs> expires_at, const std::string& by);
// The active user owning the unexpired, unrevoked token with this secret.
std::optional<TokenOwner> find_token_owner(Connection& c, const std::string& secret, EpochMs now);

}  // namespace kanri::store
