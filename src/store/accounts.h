// Users, groups and roles as stored, with their memberships: which organizations a user
// belongs to, which roles a user or group holds, who is in a group, and what each role
// permits. Plain reads and writes; validation, authorization and journaling are the caller's
// (auth::Directory).
#pragma once

#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "core/time.h"
#include "store/database.h"

namespace kanri::store {

struct User {
  std::int64_t id = 0;
  std::string username;  // lower-case ASCII
  std::string display_name;
  std::string email;
  std::string kind;  // agent, requester, auditor, administrator
  std::string language = "ja";
  std::string time_zone = "Asia/Tokyo";
  std::string password_hash;         // argon2id; empty for directory (LDAP) users
  std::string auth_source = "local";  // local or ldap
  bool active = true;
  EpochMs created_at = 0, updated_at = 0;
  std::int64_t version = 1;
  std::optional<EpochMs> password_changed_at;
  std::string totp_secret;   // base32 once a second factor is enrolled
  std::string totp_pending;  // base32 while an enrolment waits for its first code
  std::int64_t totp_last_step = 0;
};

// The user columns (table alias u), and a user read from a row holding them from `at` on:
// for queries that join users to something else.
extern const char* const kUserColumns;
User read_user(const std::vector<Value>& row, size_t at = 0);

// Inserts `u` and assigns its id. Throws StoreError(unique_violation) for a taken username.
void insert_user(Connection& c, User& u);
// Writes every column of `u` if its stored version is `expected_version`, with version + 1.
// False when it changed meanwhile.
bool update_user(Connection& c, const User& u, std::int64_t expected_version);
std::optional<User> find_user(Connection& c, std::int64_t id);
// By username, ignoring case.
std::optional<User> find_user_by_name(Connection& c, const std::string& username);
// Users ordered by username after `after` (exclusive), at most `limit`. `org` restricts to
// members of one of these organizations when not empty.
std::vector<User> list_users(Connection& c, const std::string& after, int limit, const std::vector<std::int64_t>& orgs = {});
// Display names of these users in one query.
std::vector<std::pair<std::int64_t, std::string>> user_names(Connection& c, const std::vector<std::int64_t>& ids);

struct OrgMembership {
  std::int64_t org_id = 0;
  bool primary = false;
};
std::vector<OrgMembership> user_orgs(Connection& c, std::int64_t user_id);
void set_user_orgs(Connection& c, std::int64_t user_id, const std::vector<OrgMembership>& orgs);

struct Role {
  std::int64_t id = 0;
  std::string name, label_en, label_ja, description;
  bool builtin = false;  // shipped with Kanri (still editable; documented in docs/administration.md)
  EpochMs created_at = 0, updated_at = 0;
  std::int64_t version = 1;
};
struct PermissionRow {
  std::string type, action, scope;
  bool operator==(const PermissionRow&) const = default;
  bool operator<(const PermissionRow& o) const {
    return std::tie(type, action, scope) < std::tie(o.type, o.action, o.scope);
  }
};

void insert_role(Connection& c, Role& r);
bool update_role(Connection& c, const Role& r, std::int64_t expected_version);
// Removes the role, its permissions and every grant of it.
void delete_role(Connection& c, std::int64_t id);
std::optional<Role> find_role(Connection& c, std::int64_t id);
std::optional<Role> find_role_by_name(Connection& c, const std::string& name);
std::vector<Role> list_roles(Connection& c);
// Sorted by type, action.
std::vector<PermissionRow> role_permissions(Connection& c, std::int64_t role_id);
void set_role_permissions(Connection& c, std::int64_t role_id, const std::vector<PermissionRow>& rows);
// How many users and groups hold the role.
std::int64_t role_holders(Connection& c, std::int64_t role_id);

// Roles granted to the user directly (names, sorted).
std::vector<std::string> user_role_names(Connection& c, std::int64_t user_id);
void set_user_roles(Connection& c, std::int64_t user_id, const std::vector<std::int64_t>& role_ids);
// Every role the user holds, directly or through an active group, with each permission.
struct EffectiveRole {
  std::string role;
  std::vector<PermissionRow> permissions;
};
std::vector<EffectiveRole> effective_roles(Connection& c, std::int64_t user_id);

struct Group {
  std::int64_t id = 0;
  std::string name, display_name, description, email;
  std::optional<std::int64_t> org_id;
  bool active = true;
  EpochMs created_at = 0, updated_at = 0;
  std::int64_t version = 1;
};
void insert_group(Connection& c, Group& g);
bool update_group(Connection& c, const Group& g, std::int64_t expected_version);
void delete_group(Connection& c, std::int64_t id);
std::optional<Group> find_group(Connection& c, std::int64_t id);
std::optional<Group> find_group_by_name(Connection& c, const std::string& name);
std::vector<Group> list_groups(Connection& c);
std::vector<std::int64_t> group_member_ids(Connection& c, std::int64_t group_id);
// Usernames of the members, sorted.
std::vector<std::string> group_member_names(Connection& c, std::int64_t group_id);
void set_group_members(Connection& c, std::int64_t group_id, const std::vector<std::int64_t>& user_ids);
std::vector<std::string> group_role_names(Connection& c, std::int64_t group_id);
void set_group_roles(Connection& c, std::int64_t group_id, const std::vector<std::int64_t>& role_ids);
// Makes the user a member of exactly these groups.
void set_user_groups(Connection& c, std::int64_t user_id, const std::vector<std::int64_t>& group_ids);
// The groups the user is a member of (active or not), by name.
std::vector<Group> user_groups(Connection& c, std::int64_t user_id);

}  // namespace kanri::store
