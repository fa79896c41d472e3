#include "ui/pages.h"

#include <memory>

#include "core/crypto.h"
#include "http/form.h"
#include "ui/home_pages.h"
#include "ui/portal_pages.h"
#include "ui/report_pages.h"
#include "ui/resolution_pages.h"
#include "ui/profile_pages.h"
#include "ui/record_pages.h"
#include "ui/web.h"

namespace kanri::ui {

namespace {

constexpr const char* kLoginCookie = "kanri_login";
// Where to go after signing in: a path on this site only, never another host.
std::string safe_next(const std::string& next) {
  if (next.empty() || next[0] != '/' || next.rfind("//", 0) == 0 || next.find('\\') != std::string::npos) return "/";
  // Browsers drop tabs and newlines from URLs ("/\t/evil" becomes "//evil"): no control
  // characters or spaces at all.
  for (unsigned char ch : next)
    if (ch <= 0x20 || ch == 0x7f) return "/";
  return next;
}

constexpr const char* kSignInCsp =
    "default-src 'none'; style-src 'self'; font-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'";

class Pages : public std::enable_shared_from_this<Pages> {
 public:
  Pages(Web& web) : web_(web), ctx_(web.ctx()), gate_(&web.gate()) {}

  void register_all(http::Router& router) {
    auto self = shared_from_this();
    router.add("GET", "/login", [self](http::Request& req) {
      return self->sign_in_form(req, Web::query(req, "next"), "", "", "", 200, false);
    });
    router.add("POST", "/login", [self](http::Request& req) { return self->sign_in(req); });
    router.add("POST", "/logout", [self](http::Request& req) { return self->sign_out(req); });
    router.add("GET", "/assets/{file}", [self](http::Request& req) { return self->web_.assets().serve(req, req.params.at(0)); });
  }

 private:
  std::string lang_of(const http::Request& req) {
    std::string l = Web::query(req, "lang");
    if (l == "ja" || l == "en") return l;
    return gate_->language(req);
  }

  data base(const std::string& lang) {
    data d{data::type::object};
    d.set("lang", lang);
    d.set("other_lang", lang == "ja" ? "en" : "ja");
    d.set("other_lang_name", lang == "ja" ? "English" : "日本語");
    data styles{data::type::list};
    for (auto& s : web_.assets().styles("main.js")) styles << data("href", s);
    d.set("styles", styles);
    return d;
  }

  http::Response page(int status, const std::string& name, data& d) {
    http::Response r;
    r.status = status;
    r.body = web_.fragment(name, d);
    r.headers.emplace_back("Content-Type", "text/html; charset=utf-8");
    r.set_header("Content-Security-Policy", kSignInCsp);
    return r;
  }

  static http::Response redirect(const std::string& to) { return Web::redirect(to); }

  http::Response sign_in_form(const http::Request& req, const std::string& next, const std::string& username,
                              const std::string& error, const std::string& retry_after, int status, bool need_totp) {
    std::string lang = lang_of(req);
    std::string secret = api::Gate::cookie(req, api::kSessionCookie);
    if (status == 200 && !secret.empty() && ctx_.auth.session_principal(secret, gate_->client_ip(req)))
      return redirect(safe_next(next));
    // The form carries a random value that must come back both as this cookie and as a field:
    // a page on another site can make a browser post, but cannot read or set either.
    std::string csrf = random_token(24);
    data d = base(lang);
    d.set("csrf", csrf);
    d.set("next", safe_next(next));
    d.set("username", username);
    d.set("error", error);
    d.set("need_totp", need_totp ? data(data::type::bool_true) : data(data::type::bool_false));
    http::Response r = page(status, "sign_in", d);
    r.headers.emplace_back("Set-Cookie", std::string(kLoginCookie) + "=" + csrf + "; Path=/login; HttpOnly; SameSite=Strict");
    if (!retry_after.empty()) r.set_header("Retry-After", retry_after);
    return r;
  }

  http::Response sign_in(http::Request& req) {
    std::string lang = lang_of(req);
    std::vector<std::pair<std::string, std::string>> form;
    if (!http::parse_form(req.body, form) || req.header("sec-fetch-site") == "cross-site")
      return sign_in_form(req, "/", "", ctx_.messages.text(lang, "ui.form_expired"), "", 400, false);
    const std::string next = http::form_value(form, "next");
    std::string sent = http::form_value(form, "csrf"), expected = api::Gate::cookie(req, kLoginCookie);
    if (sent.empty() || sent.size() != expected.size() || !constant_time_equal(sent, expected))
      return sign_in_form(req, next, http::form_value(form, "username"), ctx_.messages.text(lang, "ui.form_expired"), "",
                          403, false);
    auth::LoginRequest in{http::form_value(form, "username"), http::form_value(form, "password"),
                          http::form_value(form, "totp"), gate_->client_ip(req), req.header("user-agent")};
    auto done = ctx_.auth.login(in);
    if (!done) {
      const Error& e = done.error();
      int status = e.kind == ErrorKind::too_many_requests ? 429
                   : e.kind == ErrorKind::unavailable     ? 503
                   : e.kind == ErrorKind::invalid         ? 422
                                                          : 401;
      std::string message = e.kind == ErrorKind::invalid ? ctx_.messages.text(lang, "auth.login_failed")
                                                         : ctx_.messages.text(lang, e.code, e.args);
      bool need_totp = e.code == "auth.totp_required" || e.code == "auth.totp_invalid";
      return sign_in_form(req, next, in.username, message, e.args.count("seconds") ? e.args.at("seconds") : "", status,
                          need_totp);
    }
    http::Response r = redirect(safe_next(next));
    r.headers.emplace_back("Set-Cookie", gate_->session_cookie(req, done->secret));
    r.headers.emplace_back("Set-Cookie", std::string(kLoginCookie) + "=; Path=/login; HttpOnly; SameSite=Strict; Max-Age=0");
    return r;
  }

  http::Response sign_out(http::Request& req) {
    std::vector<std::pair<std::string, std::string>> form;
    std::string secret = api::Gate::cookie(req, api::kSessionCookie);
    auto p = secret.empty() ? Result<engine::Principal>(Error::of(ErrorKind::unauthorized, "auth.missing"))
                            : ctx_.auth.session_principal(secret, gate_->client_ip(req));
    if (!p) return redirect("/login");
    std::string sent = http::parse_form(req.body, form) ? http::form_value(form, "csrf") : "";
    std::string expected = auth::Authenticator::csrf_token(secret);
    if (sent.size() != expected.size() || !constant_time_equal(sent, expected)) return redirect("/");
    (void)ctx_.auth.logout(*p);
    http::Response r = redirect("/login");
    r.headers.emplace_back("Set-Cookie", gate_->session_cookie(req, ""));
    return r;
  }

  Web& web_;
  api::ApiContext& ctx_;
  api::Gate* gate_;
};

}  // namespace

void register_pages(http::Router& router, api::ApiContext& context, std::shared_ptr<api::Gate> gate,
                    const std::string& web_dir) {
  // The pages live as long as the process: handlers hold them through the router.
  static std::vector<std::unique_ptr<Web>> webs;
  webs.push_back(std::make_unique<Web>(context, std::move(gate), web_dir));
  Web& web = *webs.back();
  std::make_shared<Pages>(web)->register_all(router);
  register_home_pages(router, web);
  register_portal_pages(router, web);
  register_report_pages(router, web);
  register_resolution_pages(router, web);
  register_profile_pages(router, web);
  register_record_pages(router, web);
}

}  // namespace kanri::ui
