// Administering who may do what: users and their organizations, roles and groups; roles and
// their permissions; groups and their members; API tokens and sessions. One place for the
// rules, used by the API and the command line alike: every change is validated whole
// (all field errors at once), authorized against the caller's permissions on the platform
// resources (user, group, role, token, session, journal), and journaled in its transaction.
//
// No one can hand out more than they hold: granting or revoking a role, or editing a role's
// permissions, needs every permission involved at least as wide in the caller's own roles.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "auth/authenticator.h"
#include "core/error.h"
#include "core/time.h"
#include "engine/principal.h"
#include "model/catalogue.h"
#include "store/accounts.h"
#include "store/credentials.h"
#include "store/journal.h"

namespace kanri::auth {

// The organization with this id, number (ORG-000001) or exact name, if it exists.
std::optional<std::int64_t> find_organization(store::Connection& c, const model::Catalogue& catalogue,
                                              const std::string& key);

struct OrgView {
  std::int64_t id = 0;
  std::string number, name;
  bool primary = false;
};
struct UserView {
  store::User user;
  std::vector<OrgView> organizations;  // the primary one first
  std::vector<std::string> roles;      // granted directly
  std::vector<std::string> groups;
};
struct GroupView {
  store::Group group;
  std::optional<OrgView> organization;
  std::vector<std::string> members;  // usernames
  std::vector<std::string> roles;
};
struct RoleView {
  store::Role role;
  std::vector<store::PermissionRow> permissions;
  std::int64_t holders = 0;
};
struct TokenView {
  store::ApiToken token;
  std::string username;
};
struct NewToken {
  TokenView view;
  std::string secret;  // shown once
};
struct SessionView {
  store::Session session;
  std::string username;
};
struct TotpEnrolment {
  std::string secret;  // base32, for typing in by hand
  std::string uri;     // otpauth://…
  std::string qr_svg;
};

class Directory {
 public:
  Directory(store::Database& db, const model::Catalogue& catalogue, const Clock& clock, Authenticator& auth);

  // Users. `key` is a username or an id. Bodies are documented in docs/api.md.
  Result<UserView> create_user(const engine::Principal& p, const nlohmann::json& body);
  Result<UserView> user(const engine::Principal& p, std::string_view key);
  // Ordered by username, after `after`, at most `limit`: those the caller may read.
  Result<std::vector<UserView>> users(const engine::Principal& p, const std::string& after, int limit);
  Result<UserView> update_user(const engine::Principal& p, std::string_view key, const nlohmann::json& body,
                               std::optional<std::int64_t> expected_version);
  // Sets a new password (an administrator's reset); ends every session of the user.
  Status reset_password(const engine::Principal& p, std::string_view key, const std::string& password);
  // Removes a user's second factor (after a lost phone); ends their sessions.
  Status remove_totp(const engine::Principal& p, std::string_view key);
  Result<std::vector<store::JournalEntry>> history(const engine::Principal& p, const std::string& resource,
                                                   std::string_view key);

  // The caller's own account.
  Result<UserView> me(const engine::Principal& p);
  Result<UserView> update_profile(const engine::Principal& p, const nlohmann::json& body);
  // Needs the current password; ends the caller's other sessions.
  Status change_password(const engine::Principal& p, const std::string& current, const std::string& next);
  // A second factor: a new secret waits for its first code before it counts.
  Result<TotpEnrolment> begin_totp(const engine::Principal& p);
  Status confirm_totp(const engine::Principal& p, const std::string& code);
  Status disable_totp(const engine::Principal& p, const std::string& code);

  // Groups. `key` is a name or an id.
  Result<GroupView> create_group(const engine::Principal& p, const nlohmann::json& body);
  Result<GroupView> group(const engine::Principal& p, std::string_view key);
  Result<std::vector<GroupView>> groups(const engine::Principal& p);
  Result<GroupView> update_group(const engine::Principal& p, std::string_view key, const nlohmann::json& body,
                                 std::optional<std::int64_t> expected_version);
  Status delete_group(const engine::Principal& p, std::string_view key);

  // Roles. `key` is a name or an id.
  Result<RoleView> create_role(const engine::Principal& p, const nlohmann::json& body);
  Result<RoleView> role(const engine::Principal& p, std::string_view key);
  Result<std::vector<RoleView>> roles(const engine::Principal& p);
  Result<RoleView> update_role(const engine::Principal& p, std::string_view key, const nlohmann::json& body,
                               std::optional<std::int64_t> expected_version);
  // Refused for a built-in role and for a role someone still holds.
  Status delete_role(const engine::Principal& p, std::string_view key);
  // Grants or revokes one role of one user (the command line's `kanri role grant|revoke`).
  Status grant_role(const engine::Principal& p, std::string_view user, const std::string& role, bool grant);

  // API tokens: one's own always; another user's with the token permission. `for_user`
  // empty = the caller's own (or, in a list, every one the caller may see when `all`).
  Result<NewToken> create_token(const engine::Principal& p, const nlohmann::json& body);
  Result<std::vector<TokenView>> tokens(const engine::Principal& p, const std::string& for_user, bool all);
  Status revoke_token(const engine::Principal& p, std::int64_t id);

  // Sessions: one's own always; another user's with the session permission.
  Result<std::vector<SessionView>> sessions(const engine::Principal& p, const std::string& for_user, bool all);
  Status revoke_session(const engine::Principal& p, std::int64_t id);

  // The journal, for auditors: needs the journal permission (own scope: one's own entries).
  Result<std::vector<store::JournalEntry>> journal(const engine::Principal& p, store::JournalFilter filter);
  Result<store::JournalVerdict> verify_journal(const engine::Principal& p);

  // What a principal holds, merged: the widest scope per (type, action).
  static std::vector<engine::Permission> effective_permissions(const engine::Principal& p);

 private:
  struct Loaded;
  Result<UserView> load_user(store::Connection& c, const engine::Principal& p, std::string_view key,
                             const std::string& action);
  // Views as `p` may see them: organizations `p` may not read show their id only.
  UserView view_of(store::Connection& c, const engine::Principal& p, const store::User& u);
  // Users named by username or id that `p` may read; each other name is an error on "members".
  std::vector<std::int64_t> resolve_members(store::Connection& c, const engine::Principal& p,
                                            const std::vector<std::string>& names, std::vector<FieldError>& errors);
  // Writes `u` (with updated_at now) if nobody changed it since it was read; bumps its version.
  Status save_user(store::Connection& c, store::User& u);
  GroupView view_of(store::Connection& c, const engine::Principal& p, const store::Group& g);
  RoleView view_of(store::Connection& c, const engine::Principal& p, const store::Role& r);
  bool user_within(store::Connection& c, const engine::Principal& p, engine::Scope scope, std::int64_t user_id);
  // The organization behind `key` if the principal may read it; one they may not is reported
  // like one that does not exist.
  std::optional<std::int64_t> visible_organization(store::Connection& c, const engine::Principal& p, const std::string& key);
  // Whether `p` reaches what `row` grants to someone in `orgs` (null: compare scopes only):
  // as wide a scope on the same type and action, over organizations `p` belongs to.
  static bool reaches(const engine::Principal& p, const store::PermissionRow& row, const std::vector<std::int64_t>* orgs);
  std::optional<FieldError> check_permissions(const engine::Principal& p, const std::string& field,
                                              const std::vector<store::PermissionRow>& rows,
                                              const std::vector<std::int64_t>* grantee_orgs = nullptr);
  // Every permission of these roles, given to someone in `grantee_orgs`, lies within what `p` holds.
  std::optional<FieldError> check_grantable(store::Connection& c, const engine::Principal& p, const std::string& field,
                                            const std::vector<std::int64_t>& role_ids,
                                            const std::vector<std::int64_t>& grantee_orgs);
  // Joining or leaving these groups hands out or takes away their roles: each must lie within
  // what `p` holds, for grantees in `grantee_orgs`.
  std::optional<FieldError> check_group_roles(store::Connection& c, const engine::Principal& p, const std::string& field,
                                              const std::vector<std::int64_t>& group_ids,
                                              const std::vector<std::int64_t>& grantee_orgs);
  // Administering another user (password, second factor, status, tokens, sessions) needs
  // everything that user may do to lie within what `p` may: otherwise it is a way to act as them.
  Status check_dominates(store::Connection& c, const engine::Principal& p, const store::User& target);
  // The organizations these users belong to, together.
  std::vector<std::int64_t> member_orgs(store::Connection& c, const std::vector<std::int64_t>& user_ids);
  // True when no active user but `leaving` holds the administrator role (directly or through
  // an active group) in the transaction's view: checked after a change, which is then refused.
  bool no_administrator_left(store::Connection& c, std::optional<std::int64_t> leaving = std::nullopt);
  // Tokens or sessions (`list` reads them for one user or all) for tokens() and sessions().
  template <class Item, class View, class List>
  Result<std::vector<View>> list_credentials(const engine::Principal& p, const std::string& resource,
                                             const std::string& for_user, bool all, List list);
  // One's own credential always; another user's with `resource` delete (404 when not even readable).
  Status authorize_credential(store::Connection& c, const engine::Principal& p, const std::string& resource,
                              std::int64_t owner, std::int64_t id);
  void journal(store::Connection& c, const engine::Principal& p, const std::string& type, std::int64_t id,
               const std::string& number, const std::string& action, const nlohmann::json& details);
  void forget_credentials(std::optional<std::int64_t> user_id);

  store::Database& db_;
  const model::Catalogue& catalogue_;
  const Clock& clock_;
  Authenticator& auth_;
};

}  // namespace kanri::auth
