#include "auth/authenticator.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "auth/directory.h"
#include "auth/ldap.h"
#include "auth/totp.h"
#include "core/crypto.h"
#include "core/text.h"
#include "store/accounts.h"
#include "store/journal.h"

namespace kanri::auth {

using nlohmann::json;

namespace {

constexpr EpochMs kTouchEveryMs = 60'000;  // how stale a session's last_seen_at may be

std::string lower_trimmed(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t start = 0;
  while (start < s.size() && std::isspace(static_cast<unsigned char>(s[start]))) ++start;
  s = s.substr(start);
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

// What the journal shows of a name someone typed: printable ASCII, at most 64 characters.
std::string journal_safe(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (out.size() >= 64) break;
    out += (ch >= 0x20 && ch < 0x7f) ? ch : '?';
  }
  return out;
}

store::Actor anonymous(const std::string& ip) { return store::Actor{std::nullopt, "anonymous", ip}; }
store::Actor as_user(const store::User& u, const std::string& ip) { return store::Actor{u.id, u.username, ip}; }

Error login_failed() { return Error::of(ErrorKind::unauthorized, "auth.login_failed"); }

LdapConfig ldap_config(const AuthSettings& s) {
  LdapConfig c;
  c.url = s.ldap_url;
  c.bind_dn = s.ldap_bind_dn;
  c.search_base = s.ldap_search_base;
  c.search_filter = s.ldap_search_filter;
  c.service_dn = s.ldap_service_dn;
  c.service_password = s.ldap_service_password;
  c.start_tls = s.ldap_start_tls;
  c.display_name_attribute = s.ldap_display_name_attribute;
  c.email_attribute = s.ldap_email_attribute;
  c.timeout_seconds = s.ldap_timeout_seconds;
  return c;
}

}  // namespace

bool is_valid_username(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char ch = name[i];
    bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
    if (!alnum && (i == 0 || (ch != '.' && ch != '_' && ch != '@' && ch != '-'))) return false;
  }
  return true;
}

Authenticator::Authenticator(store::Database& db, const model::Catalogue& catalogue, const Clock& clock,
                             AuthSettings settings)
    : db_(db),
      catalogue_(catalogue),
      clock_(clock),
      settings_(std::move(settings)),
      hasher_(settings_.password_opslimit, settings_.password_memlimit) {}

std::string Authenticator::csrf_token(const std::string& session_secret) {
  return sha256_hex("kanri-csrf\n" + session_secret);
}

engine::Principal Authenticator::principal_for(store::Connection& c, const store::User& u) const {
  engine::Principal p;
  p.user_id = u.id;
  p.username = u.username;
  p.display_name = u.display_name;
  p.kind = u.kind;
  p.language = u.language;
  p.time_zone = u.time_zone;
  for (auto& m : store::user_orgs(c, u.id)) p.orgs.push_back(m.org_id);  // the primary one first
  if (!p.orgs.empty()) p.primary_org = p.orgs.front();
  std::vector<engine::Permission> permissions;
  for (auto& role : store::effective_roles(c, u.id)) {
    p.roles.push_back(role.role);
    for (auto& row : role.permissions)
      if (auto scope = engine::parse_scope(row.scope)) permissions.push_back({row.type, row.action, *scope});
  }
  for (auto& g : store::user_groups(c, u.id))
    if (g.active) p.groups.push_back(g.id);
  p.access = std::make_shared<engine::AccessPolicy>(std::move(permissions));
  return p;
}

// Counts the attempt against the account and the address before the password is checked, so
// that parallel guesses cannot all slip in before the first failure is recorded; a success
// gives the count back. Returns the seconds to wait when either is locked (nothing counted).
Result<Authenticator::Attempt> Authenticator::begin_attempt(const std::string& account_key, const std::string& address_key) {
  const EpochMs now = clock_.now_ms();
  Attempt attempt;
  Status s = db_.write([&](store::Connection& c) -> Status {
    attempt = Attempt{};
    std::vector<std::pair<std::string, store::LoginFailures>> rows;
    for (auto* key : {&account_key, &address_key}) {
      store::LoginFailures f = store::lock_login_failures(c, *key);
      if (f.locked_until > now)
        attempt.wait = std::max(attempt.wait, static_cast<int>((f.locked_until - now + 999) / 1000));
      rows.emplace_back(*key, f);
    }
    attempt.account_lock_before = rows[0].second.locked_until;
    attempt.address_lock_before = rows[1].second.locked_until;
    if (attempt.wait > 0) return ok_status();
    for (auto& [key, f] : rows) {
      const bool account = &key == &rows.front().first;
      const int limit = account ? settings_.login_max_failures_per_account : settings_.login_max_failures_per_address;
      if (f.failures == 0 || now - f.last_at > static_cast<EpochMs>(settings_.login_window_seconds) * 1000)
        f = store::LoginFailures{0, now, now, 0};
      f.failures += 1;
      f.last_at = now;
      if (f.failures >= limit) {
        double factor = std::pow(2.0, static_cast<double>(std::min<std::int64_t>(f.failures - limit, 20)));
        EpochMs lock = static_cast<EpochMs>(std::min<double>(settings_.login_lock_seconds * factor,
                                                            settings_.login_lock_max_seconds)) * 1000;
        f.locked_until = now + lock;
      }
      store::put_login_failures(c, key, f);
    }
    return ok_status();
  });
  if (!s) return s.take_error();
  return attempt;
}

void Authenticator::undo_attempt(store::Connection& c, const std::string& key, EpochMs lock_before) {
  std::optional<store::LoginFailures> f = store::lock_login_failures(c, key);
  if (f->failures <= 0) return;
  f->failures -= 1;
  // The lock this attempt set in advance, had it failed, is lifted with its count.
  f->locked_until = std::min(f->locked_until, lock_before);
  if (f->failures == 0) store::clear_login_failures(c, key);
  else store::put_login_failures(c, key, *f);
}

void Authenticator::journal_if_locked(store::Connection& c, const std::string& key, int limit, const std::string& ip,
                                      EpochMs now) {
  auto f = store::find_login_failures(c, key);
  if (!f || f->failures < limit || f->locked_until <= now) return;
  store::journal_event(c, anonymous(ip), now, "user", 0, journal_safe(key), "login_locked",
                       json{{"key", journal_safe(key)}, {"failures", f->failures},
                            {"seconds", (f->locked_until - now + 999) / 1000}}.dump());
}

Result<LoginSuccess> Authenticator::login(const LoginRequest& in) {
  std::vector<FieldError> missing;
  if (lower_trimmed(in.username).empty()) missing.push_back({"username", "field.required", {}});
  if (in.password.empty()) missing.push_back({"password", "field.required", {}});
  if (!missing.empty()) return Error::invalid(std::move(missing));
  const std::string name = lower_trimmed(in.username);
  // No account can have another name, and a directory may match look-alikes (a trailing
  // ideographic space) to a real entry: such a name is refused before anything is asked.
  if (!is_valid_username(name) || in.password.size() > 4096) {
    hasher_.verify_nothing(in.password);
    return login_failed();
  }
  const std::string account_key = "user:" + name, address_key = "ip:" + in.ip;

  auto waited = begin_attempt(account_key, address_key);
  if (!waited) return waited.take_error();
  if (waited->wait > 0) {
    spdlog::warn("sign-in for '{}' from {} refused: throttled for {} s", journal_safe(name), in.ip, waited->wait);
    return Error::of(ErrorKind::too_many_requests, "auth.throttled", {{"seconds", std::to_string(waited->wait)}});
  }

  // Check the credentials outside any transaction: argon2id and LDAP take their time.
  std::optional<store::User> user;
  db_.read([&](store::Connection& c) { user = store::find_user_by_name(c, name); });
  enum class Outcome { ok, failed, totp_required, totp_invalid, unavailable } outcome = Outcome::failed;
  std::string reason;
  std::string method = "password";
  std::optional<LdapIdentity> directory_identity;
  const bool use_ldap = ldap_enabled() && (user ? user->auth_source == "ldap" : settings_.ldap_create_users);
  if (use_ldap) {
    method = "ldap";
    LdapResult r = ldap_authenticate(ldap_config(settings_), name, in.password);
    if (r.outcome == LdapOutcome::accepted) {
      outcome = Outcome::ok;
      directory_identity = r.identity;
    } else if (r.outcome == LdapOutcome::unavailable) {
      outcome = Outcome::unavailable;
      reason = "directory_unavailable";
      spdlog::error("LDAP directory unavailable for sign-in of '{}': {}", journal_safe(name), r.detail);
    } else {
      reason = user ? "wrong_password" : "unknown_user";
      spdlog::info("LDAP refused '{}': {}", journal_safe(name), r.detail);
    }
  } else if (!user || user->password_hash.empty()) {
    hasher_.verify_nothing(in.password);
    reason = user ? "no_password" : "unknown_user";
  } else if (hasher_.verify(user->password_hash, in.password)) {
    outcome = Outcome::ok;
  } else {
    reason = "wrong_password";
  }
  if (outcome == Outcome::ok && user && !user->active) {
    outcome = Outcome::failed;
    reason = "disabled";
  }
  std::optional<std::int64_t> totp_step;
  if (outcome == Outcome::ok && user && !user->totp_secret.empty()) {
    if (in.totp.empty()) {
      outcome = Outcome::totp_required;
    } else if (auto raw = base32_decode(user->totp_secret);
               raw && (totp_step = totp_verify(*raw, in.totp, clock_.now_ms(), 1, user->totp_last_step))) {
      method += "+totp";
    } else {
      outcome = Outcome::totp_invalid;
      reason = "wrong_totp";
    }
  }
  std::string new_hash;
  if (outcome == Outcome::ok && user && user->auth_source == "local" && hasher_.needs_rehash(user->password_hash))
    new_hash = hasher_.hash(in.password);

  const EpochMs now = clock_.now_ms();
  LoginSuccess success;
  Status s = db_.write([&](store::Connection& c) -> Status {
    if (outcome == Outcome::totp_required || outcome == Outcome::unavailable) {
      // Not a wrong guess: the password was right, or nothing could be checked.
      undo_attempt(c, account_key, waited->account_lock_before);
      undo_attempt(c, address_key, waited->address_lock_before);
      if (outcome == Outcome::unavailable)
        store::journal_event(c, anonymous(in.ip), now, "user", user ? user->id : 0, journal_safe(name), "login_failed",
                             json{{"reason", reason}, {"method", method}}.dump());
      return ok_status();
    }
    if (outcome != Outcome::ok) {
      // The actor is whoever typed, not the account: an anonymous caller must not create
      // entries that read as the account's own.
      store::journal_event(c, anonymous(in.ip), now, "user", user ? user->id : 0,
                           user ? user->username : journal_safe(name), "login_failed",
                           json{{"reason", reason}, {"method", method}}.dump());
      journal_if_locked(c, account_key, settings_.login_max_failures_per_account, in.ip, now);
      journal_if_locked(c, address_key, settings_.login_max_failures_per_address, in.ip, now);
      return ok_status();
    }
    store::clear_login_failures(c, account_key);
    undo_attempt(c, address_key, waited->address_lock_before);
    std::optional<store::User> current = store::find_user_by_name(c, name);
    if (!current) {
      if (!directory_identity) return login_failed();
      auto created = create_directory_user(c, name, *directory_identity, in.ip, now);
      if (!created) return created.take_error();
      current = std::move(*created);
    }
    store::User u = *current;
    bool changed = false;
    if (!new_hash.empty()) {
      u.password_hash = new_hash;
      changed = true;
    }
    if (totp_step) {
      // Re-checked in the writing transaction: two sign-ins racing with one code must not both
      // get in (the step read before the password check may be stale by now).
      if (*totp_step <= u.totp_last_step) return Error::of(ErrorKind::unauthorized, "auth.totp_invalid");
      u.totp_last_step = *totp_step;
      changed = true;
    }
    if (changed) {
      u.updated_at = now;
      if (!store::update_user(c, u, u.version)) return login_failed();
      ++u.version;
      if (!new_hash.empty())
        store::journal_event(c, as_user(u, in.ip), now, "user", u.id, u.username, "password_rehash",
                             json{{"reason", "hash parameters changed"}}.dump());
    }
    store::Session session;
    session.user_id = u.id;
    session.created_at = session.last_seen_at = now;
    session.expires_at = now + static_cast<EpochMs>(settings_.session_absolute_hours) * 3600'000;
    session.ip = in.ip;
    session.user_agent = in.user_agent.substr(0, 300);
    session.method = method;
    session.enrol_only = settings_.totp == "required" && u.totp_secret.empty();
    success.secret = store::insert_session(c, session);
    success.session = session;
    store::journal_event(c, as_user(u, in.ip), now, "user", u.id, u.username, "login",
                         json{{"method", method}, {"session_id", session.id},
                              {"enrolment_only", session.enrol_only}}.dump());
    success.principal = principal_for(c, u);
    return ok_status();
  });
  if (!s) return s.take_error();
  switch (outcome) {
    case Outcome::ok: break;
    case Outcome::totp_required: return Error::of(ErrorKind::unauthorized, "auth.totp_required");
    case Outcome::totp_invalid: return Error::of(ErrorKind::unauthorized, "auth.totp_invalid");
    case Outcome::unavailable: return Error::of(ErrorKind::unavailable, "auth.directory_unavailable");
    case Outcome::failed: return login_failed();
  }
  success.principal.ip = in.ip;
  success.principal.auth_method = success.session.method;
  success.principal.session_id = success.session.id;
  success.principal.enrolment_only = success.session.enrol_only;
  return success;
}

std::optional<engine::Principal> Authenticator::cached(const std::string& key, const std::string& ip) {
  auto hit = cache_.find(key, clock_.now_ms());
  if (!hit) return std::nullopt;
  hit->principal.ip = ip;
  return std::move(hit->principal);
}

Result<engine::Principal> Authenticator::session_principal(const std::string& secret, const std::string& ip) {
  if (auto hit = cached("s:" + secret, ip)) return std::move(*hit);
  const EpochMs now = clock_.now_ms();
  std::optional<store::SessionOwner> owner;
  engine::Principal p;
  db_.read([&](store::Connection& c) {
    owner = store::find_session_owner(c, secret);
    if (owner) p = principal_for(c, owner->user);
  });
  if (!owner) return Error::of(ErrorKind::unauthorized, "auth.session_ended");
  const store::Session& s = owner->session;
  const EpochMs idle_ms = static_cast<EpochMs>(settings_.session_idle_minutes) * 60'000;
  std::string ended = now >= s.expires_at ? "expired" : now - s.last_seen_at >= idle_ms ? "idle" : "";
  // A write only when something changes: the session ended, or last_seen_at is a minute old.
  if (!ended.empty() || now - s.last_seen_at >= kTouchEveryMs) {
    Status st = db_.write([&](store::Connection& c) -> Status {
      if (ended.empty()) {
        store::touch_session(c, s.id, now);
      } else if (store::revoke_session(c, s.id, now, ended)) {
        store::journal_event(c, as_user(owner->user, ip), now, "user", owner->user.id, owner->user.username,
                             "session_end", json{{"session_id", s.id}, {"reason", ended}}.dump());
      }
      return ok_status();
    });
    if (!st) return st.take_error();
  }
  if (!ended.empty()) return Error::of(ErrorKind::unauthorized, "auth.session_ended");
  p.auth_method = s.method;
  p.session_id = s.id;
  p.enrolment_only = s.enrol_only;
  const EpochMs last_seen = std::max(s.last_seen_at, now - kTouchEveryMs);
  cache_.remember("s:" + secret, CachedCredential{p, std::min(s.expires_at, last_seen + idle_ms)}, now);
  p.ip = ip;
  return p;
}

Result<engine::Principal> Authenticator::token_principal(const std::string& secret, const std::string& ip) {
  if (auto hit = cached("t:" + secret, ip)) return std::move(*hit);
  const EpochMs now = clock_.now_ms();
  std::optional<store::TokenOwner> owner;
  engine::Principal p;
  db_.read([&](store::Connection& c) {
    owner = store::find_token_owner(c, secret, now);
    if (owner) p = principal_for(c, owner->user);
  });
  if (!owner) return Error::of(ErrorKind::unauthorized, "auth.invalid");
  if (!owner->token.last_used_at || now - *owner->token.last_used_at >= kTouchEveryMs)
    (void)db_.write([&](store::Connection& c) -> Status {
      store::touch_api_token(c, owner->token.id, now);
      return ok_status();
    });
  p.auth_method = "token";
  p.token_id = owner->token.id;
  cache_.remember("t:" + secret, CachedCredential{p, owner->token.expires_at.value_or(std::numeric_limits<EpochMs>::max())},
                  now);
  p.ip = ip;
  return p;
}

Result<store::User> Authenticator::create_directory_user(store::Connection& c, const std::string& username,
                                                        const LdapIdentity& identity, const std::string& ip, EpochMs now) {
  store::User u;
  u.username = username;
  u.display_name = identity.display_name.empty() ? username : identity.display_name;
  u.email = identity.email;
  u.kind = settings_.ldap_default_kind;
  u.auth_source = "ldap";
  u.created_at = u.updated_at = now;
  store::insert_user(c, u);
  std::vector<store::OrgMembership> orgs;
  if (!settings_.ldap_default_org.empty()) {
    auto org = find_organization(c, catalogue_, settings_.ldap_default_org);
    if (!org) {
      spdlog::error("[auth.ldap] default_org '{}' is not an organization; '{}' was not created", settings_.ldap_default_org,
                    username);
      return login_failed();
    }
    orgs.push_back({*org, true});
  }
  store::set_user_orgs(c, u.id, orgs);
  std::vector<std::int64_t> roles;
  for (auto& name : settings_.ldap_default_roles) {
    auto role = store::find_role_by_name(c, name);
    if (!role) {
      spdlog::error("[auth.ldap] default role '{}' does not exist; '{}' was not created", name, username);
      return login_failed();
    }
    roles.push_back(role->id);
  }
  store::set_user_roles(c, u.id, roles);
  json details{{"username", {nullptr, u.username}}, {"kind", {nullptr, u.kind}}, {"auth_source", {nullptr, "ldap"}},
               {"organizations", {nullptr, settings_.ldap_default_org}}, {"roles", {nullptr, settings_.ldap_default_roles}}};
  store::journal_event(c, store::Actor{std::nullopt, "ldap", ip}, now, "user", u.id, u.username, "create", details.dump());
  return u;
}

Result<Authenticator::Attempt> Authenticator::begin_guess(const std::string& username, const std::string& ip) {
  auto attempt = begin_attempt("user:" + username, "ip:" + ip);
  if (!attempt) return attempt;
  if (attempt->wait > 0)
    return Error::of(ErrorKind::too_many_requests, "auth.throttled", {{"seconds", std::to_string(attempt->wait)}});
  return attempt;
}

void Authenticator::end_guess(const std::string& username, const std::string& ip, const Attempt& attempt, bool right) {
  (void)db_.write([&](store::Connection& c) -> Status {
    if (right) {
      store::clear_login_failures(c, "user:" + username);
      undo_attempt(c, "ip:" + ip, attempt.address_lock_before);
    } else {
      const EpochMs now = clock_.now_ms();
      journal_if_locked(c, "user:" + username, settings_.login_max_failures_per_account, ip, now);
      journal_if_locked(c, "ip:" + ip, settings_.login_max_failures_per_address, ip, now);
    }
    return ok_status();
  });
}

Status Authenticator::logout(const engine::Principal& p) {
  if (!p.session_id || !p.user_id) return Error::of(ErrorKind::bad_request, "auth.not_a_session");
  const EpochMs now = clock_.now_ms();
  Status s = db_.write([&](store::Connection& c) -> Status {
    if (store::revoke_session(c, *p.session_id, now, "logout"))
      store::journal_event(c, store::Actor{p.user_id, p.username, p.ip}, now, "user", *p.user_id, p.username, "logout",
                           json{{"session_id", *p.session_id}}.dump());
    return ok_status();
  });
  cache_.forget_user(*p.user_id);
  return s;
}

}  // namespace kanri::auth
