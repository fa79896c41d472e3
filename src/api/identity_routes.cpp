// Administering access: /api/v1/users, groups, roles, tokens, sessions and the journal.
// Thin: every rule lives in auth::Directory.

#include <nlohmann/json.hpp>

#include "api/identity_json.h"
#include "api/route_groups.h"
#include "core/body_reader.h"
#include "core/text.h"

namespace kanri::api {

using nlohmann::json;

namespace {

Error bad_parameter(const std::string& name, const std::string& code, MessageArgs args = {}) {
  Error e = Error::of(ErrorKind::bad_request, "query.invalid");
  e.fields.push_back({name, code, std::move(args)});
  return e;
}

class IdentityRoutes : public std::enable_shared_from_this<IdentityRoutes> {
 public:
  IdentityRoutes(ApiContext& ctx, std::shared_ptr<Gate> gate) : ctx_(ctx), gate_(std::move(gate)) {}

  using Fn = std::function<http::Response(Call&)>;
  void add(http::Router& router, const char* method, const char* path, Fn fn) {
    router.add(method, path, gate_->guarded([self = shared_from_this(), fn = std::move(fn)](Call& call) { return fn(call); }));
  }

  template <class T, class Render>
  http::Response one(const Call& call, int status, Result<T> r, Render render) {
    if (!r) return gate_->fail(call, r.error());
    http::Response resp = json_response(status, render(*r));
    return resp;
  }
  http::Response done(const Call& call, const Status& s) {
    if (!s) return gate_->fail(call, s.error());
    return no_content();
  }
  template <class T, class Render>
  http::Response many(const Call& call, Result<std::vector<T>> r, Render render) {
    if (!r) return gate_->fail(call, r.error());
    json items = json::array();
    for (auto& v : *r) items.push_back(render(v));
    return json_response(200, {{"items", items}});
  }
  // Query parameters a route takes; any other is refused, never ignored.
  std::optional<Error> only_params(const Call& call, std::initializer_list<const char*> names) {
    for (auto& [k, v] : call.request.query) {
      bool known = false;
      for (auto* n : names) known = known || k == n;
      if (!known) return bad_parameter(k, "query.unknown_parameter_of", {{"allowed", allowed(names)}});
    }
    return std::nullopt;
  }
  static std::string allowed(std::initializer_list<const char*> names) {
    std::string out;
    for (auto* n : names) out += (out.empty() ? "" : ", ") + std::string(n);
    return out.empty() ? "-" : out;
  }
  std::string param(const Call& call, const std::string& name) {
    for (auto& [k, v] : call.request.query)
      if (k == name) return v;
    return "";
  }
  Result<json> body(const Call& call) { return gate_->body(call.request); }
  Result<std::optional<std::int64_t>> version(const Call& call) { return gate_->if_match(call.request, false); }

  void register_all(http::Router& router) {
    auto& d = ctx_.directory;
    // Users
    add(router, "GET", "/api/v1/users", [this, &d](Call& call) {
      if (auto e = only_params(call, {"after", "limit"})) return gate_->fail(call, *e);
      int limit = 100;
      if (auto l = param(call, "limit"); !l.empty()) {
        auto n = parse_int(l);
        if (!n || *n < 1 || *n > 500) return gate_->fail(call, bad_parameter("limit", "query.limit", {{"max", "500"}}));
        limit = static_cast<int>(*n);
      }
      auto users = d.users(call.principal, param(call, "after"), limit);
      if (!users) return gate_->fail(call, users.error());
      json items = json::array();
      for (auto& u : *users) items.push_back(user_json(u));
      json next = users->size() == static_cast<size_t>(limit) ? json(users->back().user.username) : json(nullptr);
      return json_response(200, {{"items", items}, {"next_cursor", next}});
    });
    add(router, "POST", "/api/v1/users", [this, &d](Call& call) {
      auto b = body(call);
      if (!b) return gate_->fail(call, b.error());
      return one(call, 201, d.create_user(call.principal, *b), user_json);
    });
    add(router, "GET", "/api/v1/users/{user}", [this, &d](Call& call) {
      return one(call, 200, d.user(call.principal, call.request.params[0]), user_json);
    });
    add(router, "PATCH", "/api/v1/users/{user}", [this, &d](Call& call) {
      auto v = version(call);
      if (!v) return gate_->fail(call, v.error());
      auto b = body(call);
      if (!b) return gate_->fail(call, b.error());
      return one(call, 200, d.update_user(call.principal, call.request.params[0], *b, *v), user_json);
    });
    add(router, "POST", "/api/v1/users/{user}/password", [this, &d](Call& call) {
      auto b = body(call);
      if (!b) return gate_->fail(call, b.error());
      BodyReader r(*b, {"password"}, "password");
      auto password = r.text("password", true, 1024);
      if (!r.ok()) return gate_->fail(call, r.failure());
      return done(call, d.reset_password(call.principal, call.request.params[0], *password));
    });
    add(router, "DELETE", "/api/v1/users/{user}/totp", [this, &d](Call& call) {
      return done(call, d.remove_totp(call.principal, call.request.params[0]));
    });
    for (auto* resource : {"user", "group", "role"}) {
      std::string path = std::string("/api/v1/") + resource + "s/{key}/history";
      std::string name = resource;
      router.add("GET", path, gate_->guarded([this, self = shared_from_this(), &d, name](Call& call) {
        return many(call, d.history(call.principal, name, call.request.params[0]), journal_entry_json);
      }));
    }
    // Groups
    add(router, "GET", "/api/v1/groups", [this, &d](Call& call) { return many(call, d.groups(call.principal), group_json); });
    add(router, "POST", "/api/v1/groups", [this, &d](Call& call) {
      auto b = body(call);
      if (!b) return gate_->fail(call, b.error());
      return one(call, 201, d.create_group(call.principal, *b), group_json);
    });
    add(router, "GET", "/api/v1/groups/{group}", [this, &d](Call& call) {
      return one(call, 200, d.group(call.principal, call.request.params[0]), group_json);
    });
    add(router, "PATCH", "/api/v1/groups/{group}", [this, &d](Call& call) {
      auto v = version(call);
      if (!v) return gate_->fail(call, v.error());
      auto b = body(call);
      if (!b) return gate_->fail(call, b.error());
      return one(call, 200, d.update_group(call.principal, call.request.params[0], *b, *v), group_json);
    });
    add(router, "DELETE", "/api/v1/groups/{group}", [this, &d](Call& call) {
      return done(call, d.delete_group(call.principal, call.request.params[0]));
    });
    // Roles
    add(router, "GET", "/api/v1/roles", [this, &d](Call& call) { return many(call, d.roles(call.principal), role_json); });
    add(router, "POST", "/api/v1/roles", [this, &d](Call& call) {
      auto b = body(call);
      if (!b) return gate_->fail(call, b.error());
      return one(call, 201, d.create_role(call.principal, *b), role_json);
    });
    add(router, "GET", "/api/v1/roles/{role}", [this, &d](Call& call) {
      return one(call, 200, d.role(call.principal, call.request.params[0]), role_json);
    });
    add(router, "PATCH", "/api/v1/roles/{role}", [this, &d](Call& call) {
      auto v = version(call);
      if (!v) return gate_->fail(call, v.error());
      auto b = body(call);
      if (!b) return gate_->fail(call, b.error());
      return one(call, 200, d.update_role(call.principal, call.request.params[0], *b, *v), role_json);
    });
    add(router, "DELETE", "/api/v1/roles/{role}", [this, &d](Call& call) {
      return done(call, d.delete_role(call.principal, call.request.params[0]));
    });
    // API tokens
    add(router, "GET", "/api/v1/tokens", [this, &d](Call& call) {
      if (auto e = only_params(call, {"user", "all"})) return gate_->fail(call, *e);
      return many(call, d.tokens(call.principal, param(call, "user"), param(call, "all") == "true"), token_json);
    });
    add(router, "POST", "/api/v1/tokens", [this, &d](Call& call) {
      auto b = body(call);
      if (!b) return gate_->fail(call, b.error());
      auto made = d.create_token(call.principal, *b);
      if (!made) return gate_->fail(call, made.error());
      json j = token_json(made->view);
      j["secret"] = made->secret;
      return json_response(201, j);
    });
    add(router, "DELETE", "/api/v1/tokens/{id}", [this, &d](Call& call) {
      auto id = parse_int(call.request.params[0]);
      if (!id) return gate_->fail(call, Error::of(ErrorKind::not_found, "identity.not_found",
                                                  {{"type", "token"}, {"key", call.request.params[0]}}));
      return done(call, d.revoke_token(call.principal, *id));
    });
    // Sessions
    add(router, "GET", "/api/v1/sessions", [this, &d](Call& call) {
      if (auto e = only_params(call, {"user", "all"})) return gate_->fail(call, *e);
      auto current = call.principal.session_id;
      return many(call, d.sessions(call.principal, param(call, "user"), param(call, "all") == "true"),
                  [current](const auth::SessionView& v) { return session_json(v, current); });
    });
    add(router, "DELETE", "/api/v1/sessions/{id}", [this, &d](Call& call) {
      auto id = parse_int(call.request.params[0]);
      if (!id) return gate_->fail(call, Error::of(ErrorKind::not_found, "identity.not_found",
                                                  {{"type", "session"}, {"key", call.request.params[0]}}));
      return done(call, d.revoke_session(call.principal, *id));
    });
    // The journal
    add(router, "GET", "/api/v1/journal", [this, &d](Call& call) {
      if (auto e = only_params(call, {"record_type", "record_id", "action", "principal", "since", "until", "after", "limit"}))
        return gate_->fail(call, *e);
      store::JournalFilter f;
      f.record_type = param(call, "record_type");
      f.action = param(call, "action");
      f.principal = param(call, "principal");
      if (auto v = param(call, "record_id"); !v.empty()) {
        f.record_id = parse_int(v);
        if (!f.record_id) return gate_->fail(call, bad_parameter("record_id", "field.type_int"));
      }
      for (auto [name, out] : {std::pair{"since", &f.since}, std::pair{"until", &f.until}}) {
        if (auto v = param(call, name); !v.empty()) {
          *out = parse_timestamp(v);
          if (!*out) return gate_->fail(call, bad_parameter(name, "field.type_datetime"));
        }
      }
      if (auto v = param(call, "after"); !v.empty()) {
        auto n = parse_int(v);
        if (!n || *n < 0) return gate_->fail(call, bad_parameter("after", "field.type_int"));
        f.after_seq = *n;
      }
      if (auto v = param(call, "limit"); !v.empty()) {
        auto n = parse_int(v);
        if (!n || *n < 1 || *n > 1000) return gate_->fail(call, bad_parameter("limit", "query.limit", {{"max", "1000"}}));
        f.limit = static_cast<int>(*n);
      }
      auto entries = d.journal(call.principal, f);
      if (!entries) return gate_->fail(call, entries.error());
      json items = json::array();
      for (auto& e : *entries) items.push_back(journal_entry_json(e));
      json next = entries->size() == static_cast<size_t>(f.limit) ? json(std::to_string(entries->back().seq)) : json(nullptr);
      return json_response(200, {{"items", items}, {"next_cursor", next}});
    });
    add(router, "GET", "/api/v1/journal/verify", [this, &d](Call& call) {
      auto v = d.verify_journal(call.principal);
      if (!v) return gate_->fail(call, v.error());
      return json_response(200, {{"ok", v->ok}, {"entries", v->entries},
                                 {"first_bad_seq", v->ok ? json(nullptr) : json(v->first_bad_seq)},
                                 {"reason", v->ok ? json(nullptr) : json(v->reason)}});
    });
  }

 private:
  ApiContext& ctx_;
  std::shared_ptr<Gate> gate_;
};

}  // namespace

void register_identity_routes(http::Router& router, ApiContext& context, std::shared_ptr<Gate> gate) {
  std::make_shared<IdentityRoutes>(context, std::move(gate))->register_all(router);
}

}  // namespace kanri::api
