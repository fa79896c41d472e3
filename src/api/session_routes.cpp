// Signing in and out, and the caller's own account: /api/v1/session and /api/v1/me.
#include <nlohmann/json.hpp>

#include "api/identity_json.h"
#include "api/route_groups.h"
#include "core/body_reader.h"

namespace kanri::api {

using nlohmann::json;

namespace {

class SessionRoutes : public std::enable_shared_from_this<SessionRoutes> {
 public:
  SessionRoutes(ApiContext& ctx, std::shared_ptr<Gate> gate) : ctx_(ctx), gate_(std::move(gate)) {}

  void register_all(http::Router& router) {
    router.add("POST", "/api/v1/session", [this, self = shared_from_this()](http::Request& req) { return sign_in(req); });

    router.add("DELETE", "/api/v1/session", gate_->guarded([this, self = shared_from_this()](Call& call) {
      if (auto s = ctx_.auth.logout(call.principal); !s) return gate_->fail(call, s.error());
      http::Response r = no_content();
      r.headers.emplace_back("Set-Cookie", gate_->session_cookie(call.request, ""));
      return r;
    }, true));

    router.add("GET", "/api/v1/me", gate_->guarded([this, self = shared_from_this()](Call& call) {
      auto me = ctx_.directory.me(call.principal);
      if (!me) return gate_->fail(call, me.error());
      return json_response(200, me_json(call, *me));
    }, true));

    router.add("PATCH", "/api/v1/me", gate_->guarded([this, self = shared_from_this()](Call& call) {
      auto b = gate_->body(call.request);
      if (!b) return gate_->fail(call, b.error());
      auto me = ctx_.directory.update_profile(call.principal, *b);
      if (!me) return gate_->fail(call, me.error());
      return json_response(200, me_json(call, *me));
    }));

    router.add("POST", "/api/v1/me/password", gate_->guarded([this, self = shared_from_this()](Call& call) {
      auto b = gate_->body(call.request);
      if (!b) return gate_->fail(call, b.error());
      BodyReader r(*b, {"current_password", "new_password"}, "password");
      auto current = r.text("current_password", false, 1024);
      auto next = r.text("new_password", false, 1024);
      if (!r.ok()) return gate_->fail(call, r.failure());
      auto s = ctx_.directory.change_password(call.principal, current.value_or(""), next.value_or(""));
      if (!s) return gate_->fail(call, s.error());
      return no_content();
    }));

    router.add("POST", "/api/v1/me/totp", gate_->guarded([this, self = shared_from_this()](Call& call) {
      auto e = ctx_.directory.begin_totp(call.principal);
      if (!e) return gate_->fail(call, e.error());
      return json_response(201, {{"secret", e->secret}, {"uri", e->uri}, {"qr_svg", e->qr_svg}});
    }, true));

    router.add("POST", "/api/v1/me/totp/confirm", gate_->guarded([this, self = shared_from_this()](Call& call) {
      auto code = code_of(call);
      if (!code) return gate_->fail(call, code.error());
      if (auto s = ctx_.directory.confirm_totp(call.principal, *code); !s) return gate_->fail(call, s.error());
      return no_content();
    }, true));

    router.add("DELETE", "/api/v1/me/totp", gate_->guarded([this, self = shared_from_this()](Call& call) {
      auto code = code_of(call);
      if (!code) return gate_->fail(call, code.error());
      if (auto s = ctx_.directory.disable_totp(call.principal, *code); !s) return gate_->fail(call, s.error());
      return no_content();
    }));
  }

 private:
  // {"code": "123456"}
  Result<std::string> code_of(const Call& call) {
    auto b = gate_->body(call.request);
    if (!b) return b.take_error();
    BodyReader r(*b, {"code"}, "totp");
    auto code = r.text("code", true, 16);
    if (!r.ok()) return r.failure();
    return *code;
  }

  json me_json(const Call& call, const auth::UserView& me) {
    json j = user_json(me);
    j["permissions"] = permissions_json(auth::Directory::effective_permissions(call.principal));
    j["effective_roles"] = call.principal.roles;
    json a{{"method", call.principal.auth_method},
           {"session_id", call.principal.session_id ? json(*call.principal.session_id) : json(nullptr)},
           {"token_id", call.principal.token_id ? json(*call.principal.token_id) : json(nullptr)},
           {"enrolment_required", call.principal.enrolment_only}};
    std::string secret = Gate::cookie(call.request, kSessionCookie);
    if (call.principal.session_id && !secret.empty() && call.request.header("authorization").empty())
      a["csrf_token"] = auth::Authenticator::csrf_token(secret);
    j["authentication"] = a;
    return j;
  }

  http::Response sign_in(http::Request& req) {
    std::string lang = gate_->language(req);
    if (req.header("sec-fetch-site") == "cross-site") return gate_->fail(lang, Error::of(ErrorKind::forbidden, "auth.csrf"));
    // Only a real JSON request: a cross-site form or a "simple" request without a preflight
    // (text/plain, no type at all) cannot sign anyone in.
    const std::string& type = req.header("content-type");
    if (type != "application/json" && type.rfind("application/json;", 0) != 0)
      return gate_->fail(lang, Error::of(ErrorKind::bad_request, "body.media_type"));
    auto b = gate_->body(req);
    if (!b) return gate_->fail(lang, b.error());
    BodyReader reader(*b, {"username", "password", "totp"}, "session");
    auth::LoginRequest in;
    // Presence is the authenticator's to check, so every empty field is named together.
    in.username = reader.text("username", false, 254).value_or("");
    in.password = reader.text("password", false, 4096).value_or("");
    in.totp = reader.text("totp", false, 16).value_or("");
    if (!reader.ok()) return gate_->fail(lang, reader.failure());
    in.ip = gate_->client_ip(req);
    in.user_agent = req.header("user-agent");
    auto done = ctx_.auth.login(in);
    if (!done) {
      http::Response r = gate_->fail(lang, done.error());
      if (done.error().code == "auth.totp_required") {
        json body = json::parse(r.body);
        body["totp_required"] = true;
        r.body = body.dump();
      }
      return r;
    }
    if (req.header("accept-language").empty()) lang = ctx_.messages.pick_language(done->principal.language);
    auto me = ctx_.directory.me(done->principal);
    json body{{"user", me ? user_json(*me) : json(nullptr)},
              {"session",
               {{"id", done->session.id},
                {"created_at", format_timestamp(done->session.created_at)},
                {"expires_at", format_timestamp(done->session.expires_at)},
                {"idle_minutes", ctx_.config.auth.session_idle_minutes},
                {"method", done->session.method}}},
              {"csrf_token", auth::Authenticator::csrf_token(done->secret)},
              {"enrolment_required", done->session.enrol_only}};
    http::Response r = json_response(201, body);
    r.headers.emplace_back("Set-Cookie", gate_->session_cookie(req, done->secret));
    r.set_header("Content-Language", lang);
    return r;
  }

  ApiContext& ctx_;
  std::shared_ptr<Gate> gate_;
};

}  // namespace

void register_session_routes(http::Router& router, ApiContext& context, std::shared_ptr<Gate> gate) {
  std::make_shared<SessionRoutes>(context, std::move(gate))->register_all(router);
}

}  // namespace kanri::api
