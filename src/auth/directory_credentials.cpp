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

Result<std::vector<TokenView>> Directory::tokens(const Principal& p, const std::string& for_user, bool all) {
  if (!p.user_id && for_user.empty() && !all) return Error::of(ErrorKind::bad_request, "auth.not_a_user");
  const Scope scope = p.scope("token", "read");
  std::optional<Result<std::vector<TokenView>>> out;
  db_.read([&](store::Connection& c) {
    std::optional<std::int64_t> only = p.user_id;
    if (!for_user.empty() && for_user != p.username) {
      auto loaded = load_user(c, p, for_user, "read");
      if (!loaded) {
        out = loaded.take_error();
        return;
      }
      if (!user_within(c, p, scope, loaded->user.id)) {
        out = forbidden("read", "token");
        return;
      }
      only = loaded->user.id;
    } else if (all) {
      if (scope < Scope::organization) {
        out = forbidden("read", "token");
        return;
      }
      only.reset();
    }
    std::vector<TokenView> views;
    std::map<std::int64_t, std::optional<std::string>> names;  // user id -> username when visible
    for (auto& t : store::list_api_tokens(c, only)) {
      auto it = names.find(t.user_id);
      if (it == names.end()) {
        std::optional<std::string> name;
        if (user_within(c, p, only ? Scope::all : scope, t.user_id))
          if (auto u = store::find_user(c, t.user_id)) name = u->username;
        it = names.emplace(t.user_id, name).first;
      }
      if (it->second) views.push_back({t, *it->second});
    }
    out = std::move(views);
  });
  return std::move(*out);
}

Status Directory::revoke_token(const Principal& p, std::int64_t id) {
  std::int64_t owner_id = 0;
  Status s = db_.write([&](store::Connection& c) -> Status {
    auto t = store::find_api_token(c, id);
    const std::string key = std::to_string(id);
    if (!t) return not_found("token", key);
    owner_id = t->user_id;
    if (p.user_id != t->user_id) {
      if (!user_within(c, p, p.scope("token", "read"), t->user_id)) return not_found("token", key);
      if (!user_within(c, p, p.scope("token", "delete"), t->user_id)) return forbidden("delete", "token");
    }
    auto owner = store::find_user(c, t->user_id);
    if (!store::revoke_api_token(c, id, clock_.now_ms())) return Error::of(ErrorKind::conflict, "token.revoked_already");
    journal(c, p, "user", t->user_id, owner ? owner->username : "", "token_revoke", {{"token_id", id}, {"label", t->label}});
    return ok_status();
  });
  if (s) forget_credentials(owner_id);
  return s;
}

Result<std::vector<SessionView>> Directory::sessions(const Principal& p, const std::string& for_user, bool all) {
  if (!p.user_id && for_user.empty() && !all) return Error::of(ErrorKind::bad_request, "auth.not_a_user");
  const Scope scope = p.scope("session", "read");
  std::optional<Result<std::vector<SessionView>>> out;
  db_.read([&](store::Connection& c) {
    std::optional<std::int64_t> only = p.user_id;
    if (!for_user.empty() && for_user != p.username) {
      auto loaded = load_user(c, p, for_user, "read");
      if (!loaded) {
        out = loaded.take_error();
        return;
      }
      if (!user_within(c, p, scope, loaded->user.id)) {
        out = forbidden("read", "session");
        return;
      }
      only = loaded->user.id;
    } else if (all) {
      if (scope < Scope::organization) {
        out = forbidden("read", "session");
        return;
      }
      only.reset();
    }
    std::vector<SessionView> views;
    std::map<std::int64_t, std::optional<std::string>> names;
    for (auto& s : store::list_sessions(c, only, clock_.now_ms())) {
      auto it = names.find(s.user_id);
      if (it == names.end()) {
        std::optional<std::string> name;
        if (user_within(c, p, only ? Scope::all : scope, s.user_id))
          if (auto u = store::find_user(c, s.user_id)) name = u->username;
        it = names.emplace(s.user_id, name).first;
      }
      if (it->second) views.push_back({s, *it->second});
    }
    out = std::move(views);
  });
  return std::move(*out);
}

Status Directory::revoke_session(const Principal& p, std::int64_t id) {
  std::int64_t owner_id = 0;
  Status s = db_.write([&](store::Connection& c) -> Status {
    auto session = store::find_session(c, id);
    const std::string key = std::to_string(id);
    if (!session) return not_found("session", key);
    owner_id = session->user_id;
    if (p.user_id != session->user_id) {
      if (!user_within(c, p, p.scope("session", "read"), session->user_id)) return not_found("session", key);
      if (!user_within(c, p, p.scope("session", "delete"), session->user_id)) return forbidden("delete", "session");
    }
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
