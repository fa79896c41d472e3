// Signing in and knowing who is calling: password (or LDAP) sign-in with an optional second
// factor, throttling of failed attempts, sessions with idle and absolute expiry, API tokens,
// and the principal each credential stands for (organizations, roles, permissions).
// Every sign-in, failed sign-in and sign-out is journaled.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "auth/credential_cache.h"
#include "auth/password.h"
#include "core/config.h"
#include "core/error.h"
#include "core/time.h"
#include "engine/principal.h"
#include "model/catalogue.h"
#include "store/credentials.h"
#include "store/database.h"

namespace kanri::auth {

struct LdapIdentity;

// A username Kanri accepts: 1 to 64 of lower-case ASCII letters, digits and . _ @ -, starting
// with a letter or digit.
bool is_valid_username(const std::string& name);

struct LoginRequest {
  std::string username, password;
  std::string totp;  // the six-digit code, when the account has a second factor
  std::string ip, user_agent;
};

struct LoginSuccess {
  std::string secret;  // the session secret for the cookie, shown once
  store::Session session;
  engine::Principal principal;
};

class Authenticator {
 public:
  Authenticator(store::Database& db, const model::Catalogue& catalogue, const Clock& clock, AuthSettings settings);

  // Signs in. Errors: invalid (a field missing); unauthorized "auth.login_failed" alike for an
  // unknown user, a wrong password and a disabled account; unauthorized "auth.totp_required"
  // or "auth.totp_invalid" after a right password; too_many_requests "auth.throttled" with
  // {seconds} while the account or the address must wait; unavailable when the LDAP
  // directory cannot be reached.
  Result<LoginSuccess> login(const LoginRequest& request);
  // The principal of a session secret (from the cookie); unauthorized "auth.session_ended"
  // once it was revoked, has been idle too long or reached its absolute limit.
  Result<engine::Principal> session_principal(const std::string& secret, const std::string& ip);
  // The principal of an API token; unauthorized "auth.invalid" when unknown, revoked or expired.
  Result<engine::Principal> token_principal(const std::string& secret, const std::string& ip);
  // Ends the principal's session (journaled as a logout).
  Status logout(const engine::Principal& p);

  // The principal a user stands for now: organizations, roles (direct and through active
  // groups) and the permissions they grant.
  engine::Principal principal_for(store::Connection& c, const store::User& user) const;

  // The CSRF token of a session: derived from its secret, so nothing more is stored; a page or
  // script reads it from GET /api/v1/me and sends it in X-CSRF-Token.
  static std::string csrf_token(const std::string& session_secret);

  // A guess of a secret by someone already signed in (the current password when changing it,
  // a code when removing the second factor) counts like a failed sign-in of that account:
  // begin_guess refuses with too_many_requests while it must wait; end_guess records the outcome.
  struct Attempt {
    int wait = 0;  // seconds still to wait; 0 = the attempt was counted
    EpochMs account_lock_before = 0, address_lock_before = 0;
  };
  Result<Attempt> begin_guess(const std::string& username, const std::string& ip);
  void end_guess(const std::string& username, const std::string& ip, const Attempt& attempt, bool right);

  CredentialCache& cache() { return cache_; }
  const PasswordHasher& hasher() const { return hasher_; }
  const AuthSettings& settings() const { return settings_; }
  bool ldap_enabled() const { return !settings_.ldap_url.empty(); }

 private:
  Result<store::User> create_directory_user(store::Connection& c, const std::string& username,
                                            const LdapIdentity& identity, const std::string& ip, EpochMs now);
  // The cached principal of a credential, with this request's address.
  std::optional<engine::Principal> cached(const std::string& key, const std::string& ip);
  Result<Attempt> begin_attempt(const std::string& account_key, const std::string& address_key);
  // Gives back an attempt counted in advance and the lock it set (to `lock_before`).
  void undo_attempt(store::Connection& c, const std::string& key, EpochMs lock_before);
  // Journals "login_locked" when the failure just recorded locked the key.
  void journal_if_locked(store::Connection& c, const std::string& key, int limit, const std::string& ip, EpochMs now);

  store::Database& db_;
  const model::Catalogue& catalogue_;
  const Clock& clock_;
  AuthSettings settings_;
  PasswordHasher hasher_;
  CredentialCache cache_;
};

}  // namespace kanri::auth
