// Users: accounts, their organizations, roles and groups; passwords and the second factor.
#include <algorithm>
#include <filesystem>
#include <regex>
#include <set>

#include "core/body_reader.h"
#include "auth/directory.h"
#include "auth/directory_internal.h"
#include "auth/totp.h"

namespace kanri::auth {

using engine::Principal;
using engine::Scope;
using nlohmann::json;

namespace {

std::string lower(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

bool valid_email(const std::string& s) {
  static const std::regex re("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");
  return std::regex_match(s, re);
}

// An IANA time zone this machine knows (Asia/Tokyo, Europe/Berlin, UTC).
bool valid_time_zone(const std::string& tz) {
  static const std::regex re("[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){0,2}");
  if (!std::regex_match(tz, re)) return false;
  std::error_code ec;
  return std::filesystem::is_regular_file("/usr/share/zoneinfo/" + tz, ec);
}

// The canonical kind; "admin" is accepted for administrator.
std::optional<std::string> parse_kind(const std::string& k) {
  if (k == "admin" || k == "administrator") return "administrator";
  if (k == "agent" || k == "requester" || k == "auditor") return k;
  return std::nullopt;
}

json org_names(const std::vector<OrgView>& orgs) {
  json a = json::array();
  for (auto& o : orgs) a.push_back(o.number.empty() ? json(o.id) : json(o.number));
  return a;
}

// The fields a user body may carry, read and checked; ids are resolved in the transaction.
struct UserInput {
  std::optional<std::string> username, display_name, email, kind, language, time_zone, password, auth_source;
  std::optional<std::vector<std::string>> organizations, roles, groups;
  std::optional<bool> active;
};

UserInput read_user_input(BodyReader& r, bool creating) {
  UserInput in;
  if (creating) {
    in.username = r.text("username", true, 64);
    if (in.username) {
      *in.username = lower(*in.username);
      if (!is_valid_username(*in.username)) r.error("username", "user.username_format");
    }
    in.password = r.text("password", false, 256);
  }
  in.display_name = r.text("display_name", false, 200);
  in.email = r.text("email", false, 254);
  if (in.email && !in.email->empty() && !valid_email(*in.email)) r.error("email", "user.email_format");
  in.kind = r.text("kind", creating, 20);
  if (in.kind) {
    if (auto k = parse_kind(*in.kind)) in.kind = *k;
    else r.error("kind", "user.kind");
  }
  in.language = r.text("language", false, 5);
  if (in.language && *in.language != "ja" && *in.language != "en") r.error("language", "user.language");
  in.time_zone = r.text("time_zone", false, 64);
  if (in.time_zone && !valid_time_zone(*in.time_zone)) r.error("time_zone", "user.time_zone");
  in.auth_source = r.text("auth_source", false, 10);
  if (in.auth_source && *in.auth_source != "local" && *in.auth_source != "ldap") r.error("auth_source", "user.auth_source");
  in.organizations = r.names("organizations");
  in.roles = r.names("roles");
  in.groups = r.names("groups");
  in.active = r.boolean("active");
  return in;
}

}  // namespace

Status Directory::save_user(store::Connection& c, store::User& u) {
  u.updated_at = clock_.now_ms();
  if (!store::update_user(c, u, u.version))
    return Error::of(ErrorKind::precondition_failed, "record.stale", {{"expected", std::to_string(u.version)}, {"current", "?"}});
  ++u.version;
  return ok_status();
}

Result<UserView> Directory::load_user(store::Connection& c, const Principal& p, std::string_view key,
                                      const std::string& action) {
  auto id = parse_id(key);
  std::optional<store::User> u = id ? store::find_user(c, *id) : store::find_user_by_name(c, std::string(key));
  // A user outside the caller's read scope is not found, like a record.
  if (!u || !user_within(c, p, p.scope("user", "read"), u->id)) return not_found("user", key);
  if (action != "read") {
    if (!user_within(c, p, p.scope("user", action), u->id)) return forbidden(action, "user");
    if (auto d = check_dominates(c, p, *u); !d) return d.take_error();
  }
  return view_of(c, p, *u);
}

namespace {

// Resolves names to ids, reporting each unknown one on `field`.
template <class Find>
std::vector<std::int64_t> resolve(const std::vector<std::string>& names, const std::string& field, const char* code,
                                  std::vector<FieldError>& errors, Find find) {
  std::vector<std::int64_t> ids;
  for (auto& n : names) {
    if (auto id = find(n)) {
      if (std::find(ids.begin(), ids.end(), *id) == ids.end()) ids.push_back(*id);
    } else {
      errors.push_back({field, code, {{"value", n}}});
    }
  }
  return ids;
}

}  // namespace

Result<UserView> Directory::create_user(const Principal& p, const json& body) {
  const Scope scope = p.scope("user", "create");
  if (scope < Scope::organization) return forbidden("create", "user");
  BodyReader r(body,
               {"username", "display_name", "email", "kind", "language", "time_zone", "password", "auth_source",
                "organizations", "roles", "groups", "active"},
               "user");
  UserInput in = read_user_input(r, true);
  const std::string source = in.auth_source.value_or("local");
  if (source == "local" && !in.password) r.error("password", "field.required");
  if (source == "ldap" && in.password) r.error("password", "user.directory_password");
  if (in.password && in.username)
    if (auto e = check_password_policy("password", *in.username, *in.password, auth_.settings().password_min_length))
      r.error(e->field, e->code, e->args);
  if (!r.ok()) return r.failure();
  std::string hash = in.password ? auth_.hasher().hash(*in.password) : "";

  UserView view;
  Status s = db_.write([&](store::Connection& c) -> Status {
    std::vector<FieldError> errors;
    if (store::find_user_by_name(c, *in.username)) errors.push_back({"username", "user.username_taken", {{"value", *in.username}}});
    auto orgs = resolve(in.organizations.value_or(std::vector<std::string>{}), "organizations", "field.ref_not_found", errors,
                        [&](const std::string& n) { return visible_organization(c, p, n); });
    for (auto& e : errors)
      if (e.code == "field.ref_not_found") e.args["target"] = "organization";
    if (scope == Scope::organization) {
      if (orgs.empty() && errors.empty()) errors.push_back({"organizations", "field.required", {}});
      for (size_t i = 0; i < orgs.size(); ++i)
        if (!p.in_org(orgs[i])) errors.push_back({"organizations", "user.org_out_of_scope", {{"value", std::to_string(orgs[i])}}});
    }
    auto roles = resolve(in.roles.value_or(std::vector<std::string>{}), "roles", "user.unknown_role", errors,
                         [&](const std::string& n) -> std::optional<std::int64_t> {
                           auto role = parse_id(n) ? store::find_role(c, *parse_id(n)) : store::find_role_by_name(c, n);
                           return role ? std::optional(role->id) : std::nullopt;
                         });
    if (auto e = check_grantable(c, p, "roles", roles, orgs)) errors.push_back(*e);
    auto groups = resolve(in.groups.value_or(std::vector<std::string>{}), "groups", "user.unknown_group", errors,
                          [&](const std::string& n) -> std::optional<std::int64_t> {
                            auto g = parse_id(n) ? store::find_group(c, *parse_id(n)) : store::find_group_by_name(c, n);
                            if (!g) return std::nullopt;
                            Scope gs = p.scope("group", "update");
                            bool may = gs == Scope::all || (gs == Scope::organization && g->org_id && p.in_org(*g->org_id));
                            return may ? std::optional(g->id) : std::nullopt;
                          });
    if (auto e = check_group_roles(c, p, "groups", groups, orgs)) errors.push_back(*e);
    if (!errors.empty()) return Error::invalid(std::move(errors));
    store::User u;
    u.username = *in.username;
    u.display_name = in.display_name && !in.display_name->empty() ? *in.display_name : *in.username;
    u.email = in.email.value_or("");
    u.kind = *in.kind;
    u.language = in.language.value_or("ja");
    u.time_zone = in.time_zone.value_or("Asia/Tokyo");
    u.auth_source = source;
    u.password_hash = hash;
    u.active = in.active.value_or(true);
    u.created_at = u.updated_at = clock_.now_ms();
    if (!hash.empty()) u.password_changed_at = u.created_at;
    store::insert_user(c, u);
    std::vector<store::OrgMembership> members;
    for (size_t i = 0; i < orgs.size(); ++i) members.push_back({orgs[i], i == 0});
    store::set_user_orgs(c, u.id, members);
    store::set_user_roles(c, u.id, roles);
    store::set_user_groups(c, u.id, groups);
    view = view_of(c, p, u);
    journal(c, p, "user", u.id, u.username, "create",
            {{"username", {nullptr, u.username}},
             {"display_name", {nullptr, u.display_name}},
             {"kind", {nullptr, u.kind}},
             {"auth_source", {nullptr, u.auth_source}},
             {"active", {nullptr, u.active}},
             {"organizations", {nullptr, org_names(view.organizations)}},
             {"roles", {nullptr, view.roles}},
             {"groups", {nullptr, view.groups}}});
    return ok_status();
  });
  if (!s) return s.take_error();
  return view;
}

Result<UserView> Directory::user(const Principal& p, std::string_view key) {
  std::optional<Result<UserView>> out;
  db_.read([&](store::Connection& c) { out = load_user(c, p, key, "read"); });
  return std::move(*out);
}

Result<std::vector<UserView>> Directory::users(const Principal& p, const std::string& after, int limit) {
  const Scope scope = p.scope("user", "read");
  if (scope == Scope::none) return forbidden("read", "user");
  std::vector<UserView> out;
  db_.read([&](store::Connection& c) {
    std::vector<store::User> rows;
    if (scope == Scope::all) rows = store::list_users(c, after, limit);
    else if (scope == Scope::organization && !p.orgs.empty()) rows = store::list_users(c, after, limit, p.orgs);
    else if (p.user_id && after < p.username)
      if (auto me = store::find_user(c, *p.user_id)) rows.push_back(*me);
    for (auto& u : rows) out.push_back(view_of(c, p, u));
  });
  return out;
}

Result<UserView> Directory::update_user(const Principal& p, std::string_view key, const json& body,
                                        std::optional<std::int64_t> expected_version) {
  BodyReader r(body,
               {"display_name", "email", "kind", "language", "time_zone", "auth_source", "organizations", "roles",
                "groups", "active"},
               "user");
  UserInput in = read_user_input(r, false);
  if (!r.ok()) return r.failure();
  UserView view;
  bool ends_sessions = false;
  Status s = db_.write([&](store::Connection& c) -> Status {
    auto loaded = load_user(c, p, key, "update");
    if (!loaded) return loaded.take_error();
    UserView before = std::move(*loaded);
    if (expected_version && *expected_version != before.user.version)
      return Error::of(ErrorKind::precondition_failed, "record.stale",
                       {{"expected", std::to_string(*expected_version)}, {"current", std::to_string(before.user.version)}});
    const Scope scope = p.scope("user", "update");
    std::vector<FieldError> errors;
    store::User u = before.user;
    if (in.display_name) u.display_name = in.display_name->empty() ? u.username : *in.display_name;
    if (in.email) u.email = *in.email;
    if (in.kind) u.kind = *in.kind;
    if (in.language) u.language = *in.language;
    if (in.time_zone) u.time_zone = *in.time_zone;
    if (in.auth_source) {
      if (*in.auth_source == "local" && u.password_hash.empty())
        errors.push_back({"auth_source", "user.needs_password_first", {}});
      u.auth_source = *in.auth_source;
      if (u.auth_source == "ldap") u.password_hash.clear();
    }
    if (in.active) {
      if (!*in.active && p.user_id == u.id) errors.push_back({"active", "user.cannot_disable_self", {}});
      if (*in.active != u.active) ends_sessions = !*in.active;
      u.active = *in.active;
    }
    std::vector<std::int64_t> old_ids;
    for (auto& o : before.organizations) old_ids.push_back(o.id);
    std::vector<std::int64_t> grantee_orgs = old_ids;  // the user's organizations after the change
    if (in.organizations) {
      auto orgs = resolve(*in.organizations, "organizations", "field.ref_not_found", errors,
                          [&](const std::string& n) { return visible_organization(c, p, n); });
      for (auto& e : errors)
        if (e.code == "field.ref_not_found") e.args["target"] = "organization";
      if (scope != Scope::all) {
        // Only organizations the caller belongs to may be given or taken away.
        for (auto o : orgs)
          if (!p.in_org(o) && std::find(old_ids.begin(), old_ids.end(), o) == old_ids.end())
            errors.push_back({"organizations", "user.org_out_of_scope", {{"value", std::to_string(o)}}});
        for (auto o : old_ids)
          if (!p.in_org(o) && std::find(orgs.begin(), orgs.end(), o) == orgs.end())
            errors.push_back({"organizations", "user.org_out_of_scope", {{"value", std::to_string(o)}}});
      }
      grantee_orgs = orgs;
      if (errors.empty()) {
        std::vector<store::OrgMembership> members;
        for (size_t i = 0; i < orgs.size(); ++i) members.push_back({orgs[i], i == 0});
        store::set_user_orgs(c, u.id, members);
      }
    }
    if (in.roles) {
      auto wanted = resolve(*in.roles, "roles", "user.unknown_role", errors, [&](const std::string& n) -> std::optional<std::int64_t> {
        auto role = parse_id(n) ? store::find_role(c, *parse_id(n)) : store::find_role_by_name(c, n);
        return role ? std::optional(role->id) : std::nullopt;
      });
      // Both what is granted and what is taken away must lie within the caller's powers.
      if (auto e = check_grantable(c, p, "roles", changed_between(role_ids(c, before.roles), wanted), grantee_orgs))
        errors.push_back(*e);
      if (errors.empty()) store::set_user_roles(c, u.id, wanted);
    }
    if (in.groups) {
      auto groups = resolve(*in.groups, "groups", "user.unknown_group", errors, [&](const std::string& n) -> std::optional<std::int64_t> {
        auto g = parse_id(n) ? store::find_group(c, *parse_id(n)) : store::find_group_by_name(c, n);
        if (!g) return std::nullopt;
        Scope gs = p.scope("group", "update");
        bool may = gs == Scope::all || (gs == Scope::organization && g->org_id && p.in_org(*g->org_id));
        return may ? std::optional(g->id) : std::nullopt;
      });
      std::vector<std::int64_t> current;
      for (auto& g : store::user_groups(c, u.id)) {
        current.push_back(g.id);
        // Leaving a group is a change to that group: it needs the right to change it.
        Scope gs = p.scope("group", "update");
        bool may = gs == Scope::all || (gs == Scope::organization && g.org_id && p.in_org(*g.org_id));
        if (!may && std::find(groups.begin(), groups.end(), g.id) == groups.end())
          errors.push_back({"groups", "user.unknown_group", {{"value", g.name}}});
      }
      if (auto e = check_group_roles(c, p, "groups", changed_between(current, groups), grantee_orgs)) errors.push_back(*e);
      if (errors.empty()) store::set_user_groups(c, u.id, groups);
    }
    if (errors.empty() && (in.roles || in.groups || (in.active && !*in.active))) {
      std::optional<std::int64_t> leaving;
      if (in.active && !*in.active) leaving = u.id;
      if (no_administrator_left(c, leaving))
        errors.push_back({in.roles ? "roles" : in.groups ? "groups" : "active", "user.last_administrator", {}});
    }
    if (!errors.empty()) return Error::invalid(std::move(errors));
    view = view_of(c, p, u);
    json changes = json::object();
    auto compare = [&](const char* name, const json& a, const json& b) { note_change(changes, name, a, b); };
    compare("display_name", before.user.display_name, u.display_name);
    compare("email", before.user.email, u.email);
    compare("kind", before.user.kind, u.kind);
    compare("language", before.user.language, u.language);
    compare("time_zone", before.user.time_zone, u.time_zone);
    compare("auth_source", before.user.auth_source, u.auth_source);
    compare("active", before.user.active, u.active);
    compare("organizations", org_names(before.organizations), org_names(view.organizations));
    compare("roles", before.roles, view.roles);
    compare("groups", before.groups, view.groups);
    if (changes.empty()) {
      view = before;
      return ok_status();
    }
    u.updated_at = clock_.now_ms();
    if (auto saved = save_user(c, u); !saved) return saved;
    view.user = *store::find_user(c, u.id);
    journal(c, p, "user", u.id, u.username, "update", changes);
    if (ends_sessions) {
      store::revoke_user_sessions(c, u.id, u.updated_at, "disabled");
      journal(c, p, "user", u.id, u.username, "disable", json::object());
    }
    return ok_status();
  });
  if (!s) return s.take_error();
  forget_credentials(view.user.id);
  return view;
}

Status Directory::reset_password(const Principal& p, std::string_view key, const std::string& password) {
  std::string username;
  {
    std::optional<Result<UserView>> target;
    db_.read([&](store::Connection& c) { target = load_user(c, p, key, "update"); });
    if (!*target) return target->take_error();
    if ((*target)->user.auth_source != "local")
      return Error::invalid({{"password", "user.directory_password", {}}});
    username = (*target)->user.username;
  }
  if (auto e = check_password_policy("password", username, password, auth_.settings().password_min_length))
    return Error::invalid({*e});
  std::string hash = auth_.hasher().hash(password);
  std::int64_t user_id = 0;
  Status s = db_.write([&](store::Connection& c) -> Status {
    auto loaded = load_user(c, p, key, "update");
    if (!loaded) return loaded.take_error();
    store::User u = loaded->user;
    user_id = u.id;
    const EpochMs now = clock_.now_ms();
    u.password_hash = hash;
    u.password_changed_at = u.updated_at = now;
    if (auto saved = save_user(c, u); !saved) return saved;
    std::int64_t ended = store::revoke_user_sessions(c, u.id, now, "password_reset");
    journal(c, p, "user", u.id, u.username, "password_reset", {{"sessions_ended", ended}});
    return ok_status();
  });
  if (s) forget_credentials(user_id);
  return s;
}

Status Directory::remove_totp(const Principal& p, std::string_view key) {
  std::int64_t user_id = 0;
  Status s = db_.write([&](store::Connection& c) -> Status {
    auto loaded = load_user(c, p, key, "update");
    if (!loaded) return loaded.take_error();
    store::User u = loaded->user;
    user_id = u.id;
    if (u.totp_secret.empty() && u.totp_pending.empty()) return ok_status();
    const EpochMs now = clock_.now_ms();
    u.totp_secret.clear();
    u.totp_pending.clear();
    u.totp_last_step = 0;
    u.updated_at = now;
    if (auto saved = save_user(c, u); !saved) return saved;
    std::int64_t ended = store::revoke_user_sessions(c, u.id, now, "totp_reset");
    journal(c, p, "user", u.id, u.username, "totp_reset", {{"sessions_ended", ended}});
    return ok_status();
  });
  if (s) forget_credentials(user_id);
  return s;
}

Result<UserView> Directory::me(const Principal& p) {
  if (!p.user_id) return Error::of(ErrorKind::bad_request, "auth.not_a_user");
  std::optional<UserView> out;
  db_.read([&](store::Connection& c) {
    if (auto u = store::find_user(c, *p.user_id)) out = view_of(c, p, *u);
  });
  if (!out) return not_found("user", p.username);
  return std::move(*out);
}

Result<UserView> Directory::update_profile(const Principal& p, const json& body) {
  if (!p.user_id) return Error::of(ErrorKind::bad_request, "auth.not_a_user");
  BodyReader r(body, {"display_name", "email", "language", "time_zone"}, "profile");
  UserInput in = read_user_input(r, false);
  if (!r.ok()) return r.failure();
  UserView view;
  Status s = db_.write([&](store::Connection& c) -> Status {
    auto found = store::find_user(c, *p.user_id);
    if (!found) return not_found("user", p.username);
    store::User u = *found;
    json changes = json::object();
    auto set = [&](const char* name, std::string& field, const std::optional<std::string>& value) {
      if (!value || *value == field) return;
      changes[name] = json::array({field, *value});
      field = *value;
    };
    set("display_name", u.display_name, in.display_name && in.display_name->empty() ? std::optional(u.username) : in.display_name);
    set("email", u.email, in.email);
    set("language", u.language, in.language);
    set("time_zone", u.time_zone, in.time_zone);
    if (!changes.empty()) {
      u.updated_at = clock_.now_ms();
      if (auto saved = save_user(c, u); !saved) return saved;
      journal(c, p, "user", u.id, u.username, "update", changes);
    }
    view = view_of(c, p, *store::find_user(c, u.id));
    return ok_status();
  });
  if (!s) return s.take_error();
  forget_credentials(p.user_id);
  return view;
}

Status Directory::change_password(const Principal& p, const std::string& current, const std::string& next) {
  if (!p.user_id) return Error::of(ErrorKind::bad_request, "auth.not_a_user");
  std::optional<store::User> u;
  db_.read([&](store::Connection& c) { u = store::find_user(c, *p.user_id); });
  if (!u) return not_found("user", p.username);
  if (u->auth_source != "local") return Error::invalid({{"new_password", "user.directory_password", {}}});
  std::vector<FieldError> errors;
  if (current.empty()) errors.push_back({"current_password", "field.required", {}});
  if (next.empty()) errors.push_back({"new_password", "field.required", {}});
  if (!errors.empty()) return Error::invalid(std::move(errors));
  // A stolen session must not become a way to try passwords without limit.
  auto guess = auth_.begin_guess(u->username, p.ip);
  if (!guess) return guess.take_error();
  const bool right = auth_.hasher().verify(u->password_hash, current);
  auth_.end_guess(u->username, p.ip, *guess, right);
  if (!right) {
    (void)db_.write([&](store::Connection& c) -> Status {
      journal(c, p, "user", u->id, u->username, "password_change_failed", {{"reason", "wrong_current_password"}});
      return ok_status();
    });
    return Error::invalid({{"current_password", "password.wrong_current", {}}});
  }
  if (auto e = check_password_policy("new_password", u->username, next, auth_.settings().password_min_length))
    return Error::invalid({*e});
  if (next == current) return Error::invalid({{"new_password", "password.unchanged", {}}});
  std::string hash = auth_.hasher().hash(next);
  Status s = db_.write([&](store::Connection& c) -> Status {
    auto fresh = store::find_user(c, *p.user_id);
    if (!fresh) return not_found("user", p.username);
    store::User nu = *fresh;
    const EpochMs now = clock_.now_ms();
    nu.password_hash = hash;
    nu.password_changed_at = nu.updated_at = now;
    if (auto saved = save_user(c, nu); !saved) return saved;
    std::int64_t ended = store::revoke_user_sessions(c, nu.id, now, "password_changed", p.session_id);
    journal(c, p, "user", nu.id, nu.username, "password_change", {{"other_sessions_ended", ended}});
    return ok_status();
  });
  if (s) forget_credentials(p.user_id);
  return s;
}

Result<TotpEnrolment> Directory::begin_totp(const Principal& p) {
  if (!p.user_id) return Error::of(ErrorKind::bad_request, "auth.not_a_user");
  if (auth_.settings().totp == "off") return Error::of(ErrorKind::conflict, "totp.off");
  TotpEnrolment e;
  std::string raw = totp_new_secret();
  e.secret = base32_encode(raw);
  e.uri = totp_uri(auth_.settings().totp_issuer, p.username, raw);
  e.qr_svg = qr_svg(e.uri);
  Status s = db_.write([&](store::Connection& c) -> Status {
    auto u = store::find_user(c, *p.user_id);
    if (!u) return not_found("user", p.username);
    if (!u->totp_secret.empty()) return Error::of(ErrorKind::conflict, "totp.already_enrolled");
    store::User nu = *u;
    nu.totp_pending = e.secret;
    nu.updated_at = clock_.now_ms();
    if (auto saved = save_user(c, nu); !saved) return saved;
    journal(c, p, "user", nu.id, nu.username, "totp_enrolment_started", json::object());
    return ok_status();
  });
  if (!s) return s.take_error();
  return e;
}

Status Directory::confirm_totp(const Principal& p, const std::string& code) {
  if (!p.user_id) return Error::of(ErrorKind::bad_request, "auth.not_a_user");
  Status s = db_.write([&](store::Connection& c) -> Status {
    auto u = store::find_user(c, *p.user_id);
    if (!u) return not_found("user", p.username);
    if (u->totp_pending.empty()) return Error::of(ErrorKind::conflict, "totp.not_started");
    auto raw = base32_decode(u->totp_pending);
    auto step = raw ? totp_verify(*raw, code, clock_.now_ms(), 1, 0) : std::nullopt;
    if (!step) return Error::invalid({{"code", "totp.code_invalid", {}}});
    store::User nu = *u;
    nu.totp_secret = nu.totp_pending;
    nu.totp_pending.clear();
    nu.totp_last_step = *step;
    nu.updated_at = clock_.now_ms();
    if (auto saved = save_user(c, nu); !saved) return saved;
    store::end_enrolment_only(c, nu.id);
    journal(c, p, "user", nu.id, nu.username, "totp_enable", json::object());
    return ok_status();
  });
  if (s) forget_credentials(p.user_id);
  return s;
}

Status Directory::disable_totp(const Principal& p, const std::string& code) {
  if (!p.user_id) return Error::of(ErrorKind::bad_request, "auth.not_a_user");
  if (auth_.settings().totp == "required") return Error::of(ErrorKind::conflict, "totp.required_by_policy");
  auto guess = auth_.begin_guess(p.username, p.ip);
  if (!guess) return guess.take_error();
  bool wrong_code = false;
  Status s = db_.write([&](store::Connection& c) -> Status {
    auto u = store::find_user(c, *p.user_id);
    if (!u) return not_found("user", p.username);
    if (u->totp_secret.empty()) return Error::of(ErrorKind::conflict, "totp.not_enrolled");
    auto raw = base32_decode(u->totp_secret);
    if (!raw || !totp_verify(*raw, code, clock_.now_ms(), 1, u->totp_last_step)) {
      wrong_code = true;
      return Error::invalid({{"code", "totp.code_invalid", {}}});
    }
    store::User nu = *u;
    nu.totp_secret.clear();
    nu.totp_pending.clear();
    nu.totp_last_step = 0;
    nu.updated_at = clock_.now_ms();
    if (auto saved = save_user(c, nu); !saved) return saved;
    journal(c, p, "user", nu.id, nu.username, "totp_disable", json::object());
    return ok_status();
  });
  auth_.end_guess(p.username, p.ip, *guess, !wrong_code);
  if (s) forget_credentials(p.user_id);
  return s;
}

}  // namespace kanri::auth
