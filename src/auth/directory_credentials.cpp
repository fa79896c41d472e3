// API tokens and sessions: everyone manages their own; the token and session permissions let
// security officers and administrators see and end other users'.
#include <algorithm>
#include <map>

#include "core/body_reader.h"
#include "auth/directory.h"
#include "auth/directory_internal.h"

namespace kanri::auth {

using engine::Principal;
using engine::Scope;
using nlohmann::json;

namespace {

json timestamp_or_null(const std::optional<EpochMs>& t) { return t ? json(format_timestamp(*t)) : json(nullptr); }

}  // namespace

Result<NewToken> Directory::create_token(const Principal& p, const json& body) {
  BodyReader r(body, {"label", "expires_at", "expires_in_days", "user"}, "token");
  const EpochMs now = clock_.now_ms();
  auto label = r.text("label", true, 100);
  auto expires_text = r.text("expires_at", false, 40);
  std::optional<EpochMs> expires;
  if (expires_text) {
    expires = parse_timestamp(*expires_text);
    if (!expires) r.error("expires_at", "field.type_datetime");
    else if (*expires <= now) r.error("expires_at", "token.expiry_past");
  }
  auto days = r.integer("expires_in_days", 1, 3650);
  if (expires_text && days) r.error("expires_in_days", "token.one_expiry");
  if (days) expires = now + *days * 86'400'000;
  auto for_user = r.text("user", false, 64);
  if (!r.ok()) return r.failure();
  if (!p.user_id && (!for_user || for_user->empty())) return Error::of(ErrorKind::bad_request, "auth.not_a_user");
  NewToken out;
  Status s = db_.write([&](store::Connection& c) -> Status {
    store::User owner;
    if (for_user && !for_user->empty() && *for_user != p.username) {
      auto loaded = load_user(c, p, *for_user, "read");
      if (!loaded) return loaded.take_error();
      if (!user_within(c, p, p.scope("token", "create"), loaded->user.id)) return forbidden("create", "token");
      // A token acts as its user: making one for someone is acting as them.
      if (auto d = check_dominates(c, p, loaded->user); !d) return d;
      owner = loaded->user;
    } else {
      auto me = store::find_user(c, *p.user_id);
      if (!me) return not_found("user", p.username);
      owner = *me;
    }
    if (!owner.active) return Error::invalid({{"user", "field.user_not_found", {{"value", owner.username}}}});
    store::NewSecret made = store::insert_api_token(c, owner.id, *label, now, expires, p.username);
    out.secret = made.secret;
    out.view = TokenView{*store::find_api_token(c, made.id), owner.username};
    journal(c, p, "user", owner.id, owner.username, "token_create",
            {{"token_id", made.id}, {"label", *label}, {"expires_at", timestamp_or_null(expires)}});
    return ok_status();
  });
  if (!s) return s.take_error();
  return out;
}

namespace {

// Whose credentials a listing covers, and their usernames: the caller's own by default;
// another user's, or (with `all`) everyone's within the caller's scope on `resource`.
struct Owners {
  std::optional<std::int64_t> only;  // one user, or every visible user when empty
  std::map<std::int64_t, std::optional<std::string>> names;  // user id -> username when visible
};

}  // namespace

template <class Item, class View, class List>
Result<std::vector<View>> Directory::list_credentials(const Principal& p, const std::string& resource,
                                                      const std::string& for_user, bool all, List list) {
  if (!p.user_id && for_user.empty() && !all) return Error::of(ErrorKind::bad_request, "auth.not_a_user");
  const Scope scope = p.scope(resource, "read");
  std::optional<Result<std::vector<View>>> out;
  db_.read([&](store::Connection& c) {
    Owners owners{p.user_id, {}};
    if (!for_user.empty() && for_user != p.username) {
      auto loaded = load_user(c, p, for_user, "read");
      if (!loaded) {
        out = loaded.take_error();
        return;
      }
      if (!user_within(c, p, scope, loaded->user.id)) {
        out = forbidden("read", resource);
        return;
      }
      owners.only = loaded->user.id;
    } else if (all) {
      if (scope < Scope::organization) {
        out = forbidden("read", resource);
        return;
      }
      owners.only.reset();
    }
    std::vector<View> views;
    for (const Item& item : list(c, owners.only)) {
      auto it = owners.names.find(item.user_id);
      if (it == owners.names.end()) {
        std::optional<std::string> name;
        if (user_within(c, p, owners.only ? Scope::all : scope, item.user_id))
          if (auto u = store::find_user(c, item.user_id)) name = u->username;
        it = owners.names.emplace(item.user_id, name).first;
      }
      if (it->second) views.push_back(View{item, *it->second});
    }
    out = std::move(views);
  });
  return std::move(*out);
}

Status Directory::authorize_credential(store::Connection& c, const Principal& p, const std::string& resource,
                                       std::int64_t owner, std::int64_t id) {
  if (p.user_id == owner) return ok_status();
  if (!user_within(c, p, p.scope(resource, "read"), owner)) return not_found(resource, std::to_string(id));
  if (!user_within(c, p, p.scope(resource, "delete"), owner)) return forbidden("delete", resource);
  auto u = store::find_user(c, owner);
  return u ? check_dominates(c, p, *u) : ok_status();
}

Result<std::vector<TokenView>> Directory::tokens(const Principal& p, const std::string& for_user, bool all) {
  return list_credentials<store::ApiToken, TokenView>(
      p, "token", for_user, all, [](store::Connection& c, std::optional<std::int64_t> only) { return store::list_api_tokens(c, only); });
}

Status Directory::revoke_token(const Principal& p, std::int64_t id) {
  std::int64_t owner_id = 0;
  Status s = db_.write([&](store::Connection& c) -> Status {
    auto t = store::find_api_token(c, id);
    const std::string key = std::to_string(id);
    if (!t) return not_found("token", key);
    owner_id = t->user_id;
    if (auto a = authorize_credential(c, p, "token", t->user_id, id); !a) return a;
    auto owner = store::find_user(c, t->user_id);
    if (!store::revoke_api_token(c, id, clock_.now_ms())) return Error::of(ErrorKind::conflict, "token.revoked_already");
    journal(c, p, "user", t->user_id, owner ? owner->username : "", "token_revoke", {{"token_id", id}, {"label", t->label}});
    return ok_status();
  });
  if (s) forget_credentials(owner_id);
  return s;
}

Result<std::vector<SessionView>> Directory::sessions(const Principal& p, const std::string& for_user, bool all) {
  const EpochMs now = clock_.now_ms();
  return list_credentials<store::Session, SessionView>(
      p, "session", for_user, all,
      [now](store::Connection& c, std::optional<std::int64_t> only) { return store::list_sessions(c, only, now); });
}

Status Directory::revoke_session(const Principal& p, std::int64_t id) {
  std::int64_t owner_id = 0;
  Status s = db_.write([&](store::Connection& c) -> Status {
    auto session = store::find_session(c, id);
    const std::string key = std::to_string(id);
    if (!session) return not_found("session", key);
    owner_id = session->user_id;
    if (auto a = authorize_credential(c, p, "session", session->user_id, id); !a) return a;
    if (!store::revoke_session(c, id, clock_.now_ms(), p.user_id == session->user_id ? "revoked" : "revoked_by_other"))
      return Error::of(ErrorKind::conflict, "session.ended_already");
    auto owner = store::find_user(c, session->user_id);
    journal(c, p, "user", session->user_id, owner ? owner->username : "", "session_revoke", {{"session_id", id}});
    return ok_status();
  });
  if (s) forget_credentials(owner_id);
  return s;
}

}  // namespace kanri::auth
