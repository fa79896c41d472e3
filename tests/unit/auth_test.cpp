// Signing in and administering access, against a real SQLite database and a clock the tests
// move: one answer for every failed sign-in, throttling, session expiry, rehashing, roles
// through groups, the rule that no one grants more than they hold, the last administrator,
// and the shipped roles' upgrades.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "auth/authenticator.h"
#include "auth/default_roles.h"
#include "auth/directory.h"
#include "auth/password.h"
#include "auth/totp.h"
#include "engine/record_service.h"
#include "store/accounts.h"
#include "store/credentials.h"
#include "store/journal.h"
#include "support.h"

namespace kanri {
namespace {

using engine::Principal;
using nlohmann::json;

constexpr const char* kPassword = "Correct-Horse-9-Battery";

AuthSettings fast_settings() {
  AuthSettings s;
  s.password_opslimit = 1;  // the lowest argon2id cost: these tests hash many times
  s.password_memlimit = 8192;
  s.login_max_failures_per_account = 3;
  s.login_max_failures_per_address = 6;
  s.login_lock_seconds = 30;
  s.login_lock_max_seconds = 120;
  s.session_idle_minutes = 60;
  s.session_absolute_hours = 12;
  return s;
}

class AuthTest : public DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    ASSERT_TRUE(tmp_.db().write([&](store::Connection& c) -> Status {
      auth::sync_default_roles(c, kStart, store::Actor{});
      return ok_status();
    }).ok());
    restart(fast_settings());
    engine::RecordService records(*catalogue_, tmp_.db(), rules(), clock_);
    org_a_ = records.create(sys_, *catalogue_->type("organization"), {{"name", "Alpha"}})->number;
    org_b_ = records.create(sys_, *catalogue_->type("organization"), {{"name", "Beta"}})->number;
    add("admin", "administrator", {org_a_}, {"administrator"});
  }

  // A new Authenticator and Directory over the same database (like a server restart).
  void restart(AuthSettings settings) {
    directory_.reset();
    auth_ = std::make_unique<auth::Authenticator>(tmp_.db(), *catalogue_, clock_, settings);
    directory_ = std::make_unique<auth::Directory>(tmp_.db(), *catalogue_, clock_, *auth_);
  }

  auth::UserView add(const std::string& name, const std::string& kind, std::vector<std::string> orgs,
                     std::vector<std::string> roles, const Principal* by = nullptr) {
    auto u = directory_->create_user(by ? *by : sys_, {{"username", name}, {"kind", kind}, {"password", kPassword},
                                                       {"organizations", orgs}, {"roles", roles}});
    EXPECT_TRUE(u.ok()) << (u.ok() ? "" : u.error().code + (u.error().fields.empty() ? "" : " " + u.error().fields[0].code));
    return u.ok() ? u.value() : auth::UserView{};
  }

  Result<auth::LoginSuccess> login(const std::string& user, const std::string& password, const std::string& ip = "192.0.2.1") {
    return auth_->login({user, password, "", ip, "test"});
  }

  std::vector<store::JournalEntry> journal(const std::string& action) {
    std::vector<store::JournalEntry> out;
    tmp_.db().read([&](store::Connection& c) {
      store::JournalFilter f;
      f.action = action;
      f.limit = 1000;
      out = store::journal_page(c, f);
    });
    return out;
  }

  Principal principal_of(const std::string& user) {
    auto done = login(user, kPassword, "198.51.100.7");
    EXPECT_TRUE(done.ok()) << (done.ok() ? "" : done.error().code);
    return done.ok() ? done->principal : Principal{};
  }

  std::unique_ptr<auth::Authenticator> auth_;
  std::unique_ptr<auth::Directory> directory_;
  std::string org_a_, org_b_;
  const Principal sys_ = Principal::system();
};

TEST_F(AuthTest, EveryFailedSignInGetsTheSameAnswerAndIsJournaledWithItsReason) {
  add("alice", "agent", {org_a_}, {"service_desk_agent"});
  add("carol", "agent", {org_a_}, {});
  ASSERT_TRUE(directory_->update_user(sys_, "carol", {{"active", false}}, std::nullopt).ok());
  auto wrong = login("alice", "wrong-password-123");
  auto unknown = login("nobody", kPassword);
  auto disabled = login("carol", kPassword);
  for (auto* r : {&wrong, &unknown, &disabled}) {
    ASSERT_FALSE(r->ok());
    EXPECT_EQ(r->error().kind, ErrorKind::unauthorized);
    EXPECT_EQ(r->error().code, "auth.login_failed");
    EXPECT_TRUE(r->error().args.empty()) << "nothing in the answer tells the cases apart";
  }
  std::vector<std::string> reasons;
  for (auto& e : journal("login_failed")) reasons.push_back(json::parse(e.changes)["reason"]);
  EXPECT_EQ(reasons, (std::vector<std::string>{"wrong_password", "unknown_user", "disabled"}));
  auto ok = login("ALICE ", kPassword);
  ASSERT_TRUE(ok.ok()) << "usernames ignore case and surrounding spaces";
  EXPECT_EQ(ok->principal.username, "alice");
  EXPECT_EQ(journal("login").size(), 1u);
}

TEST_F(AuthTest, AnAccountWaitsAfterTooManyFailuresEvenWithTheRightPassword) {
  add("alice", "agent", {org_a_}, {});
  for (int i = 0; i < 3; ++i) EXPECT_EQ(login("alice", "bad-password-xyz").error().code, "auth.login_failed");
  auto locked = login("alice", kPassword);
  ASSERT_FALSE(locked.ok());
  EXPECT_EQ(locked.error().kind, ErrorKind::too_many_requests);
  EXPECT_EQ(locked.error().args.at("seconds"), "30");
  EXPECT_EQ(journal("login_locked").size(), 1u);
  clock_.now += 29'000;
  EXPECT_EQ(login("alice", kPassword).error().args.at("seconds"), "1");
  clock_.now += 1'000;
  EXPECT_EQ(login("alice", "bad-password-xyz").error().code, "auth.login_failed");
  EXPECT_EQ(login("alice", kPassword).error().args.at("seconds"), "60") << "each further failure doubles the wait";
  clock_.now += 60'000;
  ASSERT_TRUE(login("alice", kPassword).ok());
  EXPECT_EQ(login("alice", "bad-password-xyz").error().code, "auth.login_failed") << "a success starts the count afresh";
  EXPECT_TRUE(login("alice", kPassword).ok());
}

TEST_F(AuthTest, OneAddressWaitsAfterTooManyFailuresAcrossAccounts) {
  for (int i = 0; i < 6; ++i) EXPECT_EQ(login("guess" + std::to_string(i), "whatever-123", "203.0.113.9").error().code, "auth.login_failed");
  add("alice", "agent", {org_a_}, {});
  EXPECT_EQ(login("alice", kPassword, "203.0.113.9").error().kind, ErrorKind::too_many_requests);
  EXPECT_TRUE(login("alice", kPassword, "203.0.113.10").ok()) << "another address is not affected";
}

TEST_F(AuthTest, ASessionEndsWhenIdleAndAtItsAbsoluteLimit) {
  add("alice", "agent", {org_a_}, {});
  auto s = login("alice", kPassword);
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(auth_->session_principal(s->secret, "192.0.2.1").ok());
  clock_.now += 59 * 60'000;
  EXPECT_TRUE(auth_->session_principal(s->secret, "192.0.2.1").ok()) << "used within the idle time";
  clock_.now += 59 * 60'000;
  EXPECT_TRUE(auth_->session_principal(s->secret, "192.0.2.1").ok()) << "each use restarts the idle time";
  clock_.now += 61 * 60'000;
  auto idle = auth_->session_principal(s->secret, "192.0.2.1");
  ASSERT_FALSE(idle.ok());
  EXPECT_EQ(idle.error().code, "auth.session_ended");
  EXPECT_EQ(json::parse(journal("session_end").back().changes)["reason"], "idle");

  auto s2 = login("alice", kPassword);
  ASSERT_TRUE(s2.ok());
  for (int i = 0; i < 14; ++i) {
    clock_.now += 55 * 60'000;
    (void)auth_->session_principal(s2->secret, "192.0.2.1");
  }
  auto expired = auth_->session_principal(s2->secret, "192.0.2.1");
  ASSERT_FALSE(expired.ok()) << "used all the time, but past 12 hours";
  EXPECT_EQ(json::parse(journal("session_end").back().changes)["reason"], "expired");
}

TEST_F(AuthTest, LogoutEndsTheSessionAtOnce) {
  add("alice", "agent", {org_a_}, {});
  auto s = login("alice", kPassword);
  ASSERT_TRUE(s.ok());
  Principal p = auth_->session_principal(s->secret, "192.0.2.1").value();
  ASSERT_TRUE(auth_->logout(p).ok());
  EXPECT_FALSE(auth_->session_principal(s->secret, "192.0.2.1").ok()) << "not even the cache keeps it";
  EXPECT_EQ(journal("logout").size(), 1u);
}

TEST_F(AuthTest, APasswordHashedAtOtherParametersIsRehashedAtSignIn) {
  add("alice", "agent", {org_a_}, {});
  std::string before;
  tmp_.db().read([&](store::Connection& c) { before = store::find_user_by_name(c, "alice")->password_hash; });
  AuthSettings stronger = fast_settings();
  stronger.password_opslimit = 2;
  restart(stronger);
  EXPECT_TRUE(auth_->hasher().needs_rehash(before));
  ASSERT_TRUE(login("alice", kPassword).ok());
  std::string after;
  tmp_.db().read([&](store::Connection& c) { after = store::find_user_by_name(c, "alice")->password_hash; });
  EXPECT_NE(after, before);
  EXPECT_FALSE(auth_->hasher().needs_rehash(after));
  EXPECT_EQ(journal("password_rehash").size(), 1u);
  EXPECT_TRUE(login("alice", kPassword).ok()) << "the password still works";
}

TEST_F(AuthTest, ChangingOnesPasswordEndsTheOtherSessions) {
  add("alice", "agent", {org_a_}, {});
  auto first = login("alice", kPassword);
  auto second = login("alice", kPassword);
  Principal p = auth_->session_principal(second->secret, "192.0.2.1").value();
  auto weak = directory_->change_password(p, kPassword, "alice-is-me-2026");
  ASSERT_FALSE(weak.ok());
  EXPECT_EQ(weak.error().fields.at(0).code, "password.contains_username");
  EXPECT_EQ(directory_->change_password(p, "not-my-password", "Another-Long-Pass-1").error().fields.at(0).code,
            "password.wrong_current");
  ASSERT_TRUE(directory_->change_password(p, kPassword, "Another-Long-Pass-1").ok());
  EXPECT_FALSE(auth_->session_principal(first->secret, "192.0.2.1").ok());
  EXPECT_TRUE(auth_->session_principal(second->secret, "192.0.2.1").ok()) << "the session that changed it stays";
  EXPECT_FALSE(login("alice", kPassword).ok());
  EXPECT_TRUE(login("alice", "Another-Long-Pass-1").ok());
}

TEST_F(AuthTest, ARevokedTokenIsRefusedAndTokensAreStoredHashed) {
  add("alice", "agent", {org_a_}, {"service_desk_agent"});
  Principal alice = principal_of("alice");
  auto made = directory_->create_token(alice, {{"label", "ci"}});
  ASSERT_TRUE(made.ok());
  auto p = auth_->token_principal(made->secret, "192.0.2.1");
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->has_role("service_desk_agent"));
  std::int64_t plain = 0;
  tmp_.db().read([&](store::Connection& c) {
    plain = as_int(c.query("SELECT COUNT(*) FROM api_tokens WHERE token_hash = ?", {made->secret})[0][0]);
  });
  EXPECT_EQ(plain, 0) << "the secret itself is never stored";
  ASSERT_TRUE(directory_->revoke_token(alice, made->view.token.id).ok());
  EXPECT_FALSE(auth_->token_principal(made->secret, "192.0.2.1").ok());
  EXPECT_EQ(journal("token_create").size(), 1u);
  EXPECT_EQ(journal("token_revoke").size(), 1u);
}

TEST_F(AuthTest, RolesComeDirectlyAndThroughActiveGroups) {
  add("alice", "agent", {org_a_}, {});
  ASSERT_TRUE(directory_->create_group(sys_, {{"name", "service-desk"}, {"display_name", "Service desk"}, {"members", {"alice"}},
                                              {"roles", {"service_desk_agent"}}, {"organization", org_a_}}).ok());
  Principal p = principal_of("alice");
  EXPECT_TRUE(p.has_role("service_desk_agent"));
  EXPECT_EQ(p.scope("service", "update"), engine::Scope::all);
  ASSERT_TRUE(directory_->update_group(sys_, "service-desk", {{"active", false}}, std::nullopt).ok());
  Principal later = principal_of("alice");
  EXPECT_FALSE(later.has_role("service_desk_agent")) << "an inactive group grants nothing";
  EXPECT_EQ(later.scope("service", "read"), engine::Scope::none);
}

TEST_F(AuthTest, NoOneGrantsOrRevokesMoreThanTheyHold) {
  ASSERT_TRUE(directory_->create_role(sys_, {{"name", "local_admin"}, {"label", {{"en", "Local admin"}, {"ja", "組織管理者"}}},
                                             {"permissions", {{{"type", "user"}, {"action", "*"}, {"scope", "organization"}},
                                                              {{"type", "*"}, {"action", "read"}, {"scope", "organization"}}}}}).ok());
  add("lena", "agent", {org_a_}, {"local_admin"});
  Principal lena = principal_of("lena");
  auto colleague = add("max", "agent", {org_a_}, {}, &lena);
  EXPECT_EQ(colleague.user.username, "max") << "a local administrator adds users to their own organization";
  auto elsewhere = directory_->create_user(lena, {{"username", "eve"}, {"kind", "agent"}, {"password", kPassword},
                                                   {"organizations", {org_b_}}});
  ASSERT_FALSE(elsewhere.ok());
  EXPECT_EQ(elsewhere.error().fields.at(0).code, "field.ref_not_found")
      << "an organization one may not read is answered like one that does not exist";
  auto escalate = directory_->update_user(lena, "max", {{"roles", {"administrator"}}}, std::nullopt);
  ASSERT_FALSE(escalate.ok());
  EXPECT_EQ(escalate.error().fields.at(0).code, "role.grant_beyond_own_powers");
  auto self = directory_->update_user(lena, "lena", {{"roles", {"local_admin", "service_desk_agent"}}}, std::nullopt);
  ASSERT_FALSE(self.ok()) << "not even to oneself";
  auto demote = directory_->update_user(lena, "admin", {{"roles", json::array()}}, std::nullopt);
  ASSERT_FALSE(demote.ok()) << "nor take away what one does not hold";
  auto roles_of = [&](const std::string& u) { return directory_->user(sys_, u)->roles; };
  EXPECT_TRUE(roles_of("max").empty());
  EXPECT_EQ(roles_of("admin"), std::vector<std::string>{"administrator"});
  auto role = directory_->create_role(lena, {{"name", "mine"}, {"label", {{"en", "x"}, {"ja", "x"}}}});
  EXPECT_EQ(role.error().kind, ErrorKind::forbidden);
}

TEST_F(AuthTest, TheLastActiveAdministratorStays) {
  Principal admin = principal_of("admin");
  auto off = directory_->update_user(sys_, "admin", {{"active", false}}, std::nullopt);
  ASSERT_FALSE(off.ok());
  EXPECT_EQ(off.error().fields.at(0).code, "user.last_administrator");
  EXPECT_EQ(directory_->update_user(sys_, "admin", {{"roles", json::array()}}, std::nullopt).error().fields.at(0).code,
            "user.last_administrator");
  EXPECT_EQ(directory_->update_user(admin, "admin", {{"active", false}}, std::nullopt).error().fields.at(0).code,
            "user.cannot_disable_self");
  add("second", "administrator", {org_a_}, {"administrator"});
  EXPECT_TRUE(directory_->update_user(sys_, "admin", {{"roles", json::array()}}, std::nullopt).ok());
}

TEST_F(AuthTest, DisablingAUserEndsTheirSessions) {
  add("alice", "agent", {org_a_}, {});
  auto s = login("alice", kPassword);
  ASSERT_TRUE(auth_->session_principal(s->secret, "192.0.2.1").ok());
  ASSERT_TRUE(directory_->update_user(sys_, "alice", {{"active", false}}, std::nullopt).ok());
  EXPECT_FALSE(auth_->session_principal(s->secret, "192.0.2.1").ok());
}

TEST_F(AuthTest, RoleEditsAreCheckedAgainstTheModelAndJournaled) {
  auto bad = directory_->create_role(sys_, {{"name", "odd"}, {"label", {{"en", "Odd"}, {"ja", "変"}}},
                                            {"permissions", {{{"type", "incidentz"}, {"action", "read"}, {"scope", "all"}},
                                                             {{"type", "service"}, {"action", "transition:fly"}, {"scope", "all"}},
                                                             {{"type", "service"}, {"action", "read"}, {"scope", "galaxy"}},
                                                             {{"type", "journal"}, {"action", "export"}, {"scope", "all"}}}}});
  ASSERT_FALSE(bad.ok());
  std::vector<std::string> codes;
  for (auto& f : bad.error().fields) codes.push_back(f.field + " " + f.code);
  EXPECT_EQ(codes, (std::vector<std::string>{"permissions[0].type role.unknown_type", "permissions[1].action role.unknown_action",
                                             "permissions[2].scope role.unknown_scope", "permissions[3].action role.unknown_action"}));
  auto role = directory_->create_role(sys_, {{"name", "catalogue_keeper"}, {"label", {{"en", "Catalogue keeper"}, {"ja", "カタログ管理"}}},
                                             {"permissions", {{{"type", "service"}, {"action", "transition:go_live"}, {"scope", "own"}}}}});
  ASSERT_TRUE(role.ok());
  auto changed = directory_->update_role(sys_, "catalogue_keeper",
                                         {{"permissions", {{{"type", "service"}, {"action", "update"}, {"scope", "all"}}}}}, 1);
  ASSERT_TRUE(changed.ok());
  EXPECT_EQ(changed->role.version, 2);
  auto entry = journal("update").back();
  EXPECT_EQ(entry.record_type, "role");
  json diff = json::parse(entry.changes)["permissions"];
  EXPECT_EQ(diff[0][0]["action"], "transition:go_live");
  EXPECT_EQ(diff[1][0]["action"], "update");
  EXPECT_EQ(directory_->update_role(sys_, "catalogue_keeper", {{"description", "x"}}, 1).error().kind,
            ErrorKind::precondition_failed);
  EXPECT_EQ(directory_->delete_role(sys_, "requester").error().code, "role.builtin");
}

TEST_F(AuthTest, AnUpgradeAddsOnlyTheDefaultPermissionsThatAreNew) {
  // An administrator narrowed the service desk role; then a release adds a permission to it.
  auto desk = directory_->role(sys_, "service_desk_agent").value();
  std::vector<json> kept;
  for (auto& p : desk.permissions)
    if (p.action != "export") kept.push_back({{"type", p.type}, {"action", p.action}, {"scope", p.scope}});
  ASSERT_TRUE(directory_->update_role(sys_, "service_desk_agent", {{"permissions", kept}}, std::nullopt).ok());
  (void)tmp_.db().write([&](store::Connection& c) -> Status {
    // Pretend the previous release did not have "user read" in this role's defaults.
    json seen = json::parse(as_text(c.query("SELECT value FROM kanri_meta WHERE key = 'default_roles'")[0][0]));
    json& rows = seen["service_desk_agent"];
    for (auto it = rows.begin(); it != rows.end(); ++it)
      if ((*it)["type"] == "user") {
        rows.erase(it);
        break;
      }
    c.run("UPDATE kanri_meta SET value = ? WHERE key = 'default_roles'", {seen.dump()});
    c.run("DELETE FROM role_permissions WHERE record_type = 'user' AND role_id = (SELECT id FROM roles WHERE name = 'service_desk_agent')");
    return ok_status();
  });
  std::vector<std::string> done;
  (void)tmp_.db().write([&](store::Connection& c) -> Status {
    done = auth::sync_default_roles(c, kStart, store::Actor{});
    return ok_status();
  });
  EXPECT_EQ(done, std::vector<std::string>{"add the new default permissions of role service_desk_agent"});
  auto after = directory_->role(sys_, "service_desk_agent").value();
  auto has = [&](const char* type, const char* action) {
    return std::any_of(after.permissions.begin(), after.permissions.end(), [&](auto& p) { return p.type == type && p.action == action; });
  };
  EXPECT_TRUE(has("user", "read")) << "new in this release: added";
  EXPECT_FALSE(has("*", "export")) << "removed by the administrator: stays removed";
}

TEST(PasswordPolicy, LengthUsernameAndCommonPasswords) {
  EXPECT_EQ(auth::check_password_policy("p", "alice", "short-1", 12)->code, "password.too_short");
  EXPECT_EQ(auth::check_password_policy("p", "alice", "パスワードは十二文字以上", 12), std::nullopt)
      << "length is counted in characters, not bytes";
  EXPECT_EQ(auth::check_password_policy("p", "alice", "パスワード短い", 12)->code, "password.too_short");
  EXPECT_EQ(auth::check_password_policy("p", "alice", "my-ALICE-password", 12)->code, "password.contains_username");
  EXPECT_EQ(auth::check_password_policy("p", "bob", "Password2026!", 12)->code, "password.common");
  EXPECT_EQ(auth::check_password_policy("p", "bob", "aaaaaaaaaaaaaa", 12)->code, "password.common");
  EXPECT_EQ(auth::check_password_policy("p", "bob", std::string(300, 'x') + "y", 12)->code, "password.too_long");
  EXPECT_EQ(auth::check_password_policy("p", "bob", "Correct-Horse-9-Battery", 12), std::nullopt);
}

}  // namespace
}  // namespace kanri

namespace kanri {
namespace {

// Review findings, each with the test that would have caught it.
class AuthReviewTest : public AuthTest {
 protected:
  void SetUp() override {
    AuthTest::SetUp();
    ASSERT_TRUE(directory_->create_role(sys_, {{"name", "local_admin"}, {"label", {{"en", "Local admin"}, {"ja", "組織管理者"}}},
                                               {"permissions", {{{"type", "user"}, {"action", "*"}, {"scope", "organization"}},
                                                                {{"type", "token"}, {"action", "*"}, {"scope", "organization"}},
                                                                {{"type", "session"}, {"action", "*"}, {"scope", "organization"}},
                                                                {{"type", "group"}, {"action", "*"}, {"scope", "organization"}},
                                                                {{"type", "*"}, {"action", "read"}, {"scope", "organization"}}}}})
                    .ok());
    add("lead", "agent", {org_a_}, {"local_admin"});
    add("sato", "agent", {org_a_}, {"service_desk_agent"});
    add("peer", "agent", {org_a_}, {});
    lead_ = principal_of("lead");
  }
  Principal lead_;
};

TEST_F(AuthReviewTest, NobodyAdministersAUserWhoMayDoMoreThanThey) {
  for (auto& e : {directory_->reset_password(lead_, "sato", "Hijacked-Pass-Nine9").error(),
                  directory_->remove_totp(lead_, "sato").error(),
                  directory_->update_user(lead_, "sato", {{"active", false}}, std::nullopt).error(),
                  directory_->update_user(lead_, "sato", {{"auth_source", "ldap"}}, std::nullopt).error(),
                  directory_->create_token(lead_, {{"label", "x"}, {"user", "sato"}}).error()}) {
    EXPECT_EQ(e.kind, ErrorKind::forbidden);
    EXPECT_EQ(e.code, "user.beyond_own_powers");
  }
  EXPECT_TRUE(login("sato", kPassword).ok()) << "sato's password is unchanged";
  EXPECT_TRUE(directory_->reset_password(lead_, "peer", "Fresh-New-Passw0rd-1").ok())
      << "a user with no more rights than the local administrator is theirs to administer";
  auto s = login("sato", kPassword);
  auto sessions = directory_->sessions(sys_, "sato", false);
  EXPECT_EQ(directory_->revoke_session(lead_, sessions->front().session.id).error().code, "user.beyond_own_powers");
  EXPECT_TRUE(auth_->session_principal(s->secret, "192.0.2.1").ok());
}

TEST_F(AuthReviewTest, AnOrganizationGrantCannotReachBeyondTheGrantersOrganizations) {
  add("multi", "agent", {org_a_, org_b_}, {});
  auto e = directory_->update_user(lead_, "multi", {{"roles", {"local_admin"}}}, std::nullopt);
  ASSERT_FALSE(e.ok()) << "multi is also in Beta, which lead does not reach";
  EXPECT_EQ(e.error().fields.at(0).code, "role.grant_beyond_own_powers");
  EXPECT_TRUE(directory_->update_user(lead_, "peer", {{"roles", {"local_admin"}}}, std::nullopt).ok());
}

TEST_F(AuthReviewTest, AGroupCannotRemoveTheLastAdministrator) {
  ASSERT_TRUE(directory_->create_group(sys_, {{"name", "admins"}, {"display_name", "Admins"}, {"members", {"peer"}},
                                              {"roles", {"administrator"}}, {"organization", org_a_}}).ok());
  ASSERT_TRUE(directory_->update_user(sys_, "admin", {{"roles", json::array()}}, std::nullopt).ok())
      << "peer is still an administrator through the group";
  EXPECT_EQ(directory_->delete_group(sys_, "admins").error().fields.at(0).code, "user.last_administrator");
  EXPECT_EQ(directory_->update_group(sys_, "admins", {{"active", false}}, std::nullopt).error().fields.at(0).code,
            "user.last_administrator");
  EXPECT_EQ(directory_->update_group(sys_, "admins", {{"members", json::array()}}, std::nullopt).error().fields.at(0).code,
            "user.last_administrator");
  EXPECT_EQ(directory_->update_user(sys_, "peer", {{"active", false}}, std::nullopt).error().fields.at(0).code,
            "user.last_administrator");
}

TEST_F(AuthReviewTest, ASignedInUsersPasswordGuessesAreThrottled) {
  Principal peer = principal_of("peer");
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(directory_->change_password(peer, "not-it-" + std::to_string(i), "Another-Long-Pass-1").error().fields.at(0).code,
              "password.wrong_current");
  auto locked = directory_->change_password(peer, kPassword, "Another-Long-Pass-1");
  ASSERT_FALSE(locked.ok());
  EXPECT_EQ(locked.error().kind, ErrorKind::too_many_requests);
}

TEST_F(AuthReviewTest, RacingSignInsWithOneCodeLetOnlyOneIn) {
  Principal peer = principal_of("peer");
  auto e = directory_->begin_totp(peer);
  ASSERT_TRUE(e.ok());
  auto raw = auth::base32_decode(e->secret);
  ASSERT_TRUE(directory_->confirm_totp(peer, auth::totp_code(*raw, clock_.now)).ok());
  const std::string code = auth::totp_code(*raw, clock_.now + 30'000);
  std::atomic<int> ok{0}, refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&, i] {
      auto r = auth_->login({"peer", kPassword, code, "198.51.100." + std::to_string(i), "t"});
      (r.ok() ? ok : refused)++;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(refused.load(), 3);
}

TEST_F(AuthReviewTest, AnAttemptThatIsNoFailureLeavesNoLockBehind) {
  Principal peer = principal_of("peer");
  auto e = directory_->begin_totp(peer);
  auto raw = auth::base32_decode(e->secret);
  ASSERT_TRUE(directory_->confirm_totp(peer, auth::totp_code(*raw, clock_.now)).ok());
  for (int i = 0; i < 3; ++i) (void)login("peer", "wrong-password-" + std::to_string(i));
  clock_.now += 31'000;
  EXPECT_EQ(login("peer", kPassword).error().code, "auth.totp_required");
  auto in = auth_->login({"peer", kPassword, auth::totp_code(*raw, clock_.now), "192.0.2.1", "t"});
  EXPECT_TRUE(in.ok()) << (in.ok() ? "" : in.error().code) << ": the right password and code get in at once";
}

TEST_F(AuthReviewTest, AFailedSignInIsNotJournaledAsTheAccountsOwnAct) {
  (void)login("sato", "wrong-password-x");
  auto e = journal("login_failed").back();
  EXPECT_EQ(e.principal, "anonymous");
  EXPECT_FALSE(e.principal_id);
  EXPECT_EQ(e.record_number, "sato");
}

}  // namespace
}  // namespace kanri
