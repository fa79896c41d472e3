#include "ui/pages.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include <kainjow/mustache.hpp>

#include "core/crypto.h"
#include "http/form.h"

namespace kanri::ui {

namespace {

using kainjow::mustache::data;
using kainjow::mustache::mustache;

constexpr const char* kLoginCookie = "kanri_login";
constexpr const char* kPageCsp =
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'";

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Where to go after signing in: a path on this site only, never another host.
std::string safe_next(const std::string& next) {
  if (next.empty() || next[0] != '/' || next.rfind("//", 0) == 0 || next.find('\\') != std::string::npos) return "/";
  // Browsers drop tabs and newlines from URLs ("/\t/evil" becomes "//evil"): no control
  // characters or spaces at all.
  for (unsigned char ch : next)
    if (ch <= 0x20 || ch == 0x7f) return "/";
  return next;
}

std::string query(const http::Request& req, const std::string& name) {
  for (auto& [k, v] : req.query)
    if (k == name) return v;
  return "";
}

std::string content_type(const std::string& file) {
  auto ext = std::filesystem::path(file).extension().string();
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  return "application/octet-stream";
}

class Pages : public std::enable_shared_from_this<Pages> {
 public:
  Pages(api::ApiContext& ctx, std::shared_ptr<api::Gate> gate, const std::string& web_dir) : ctx_(ctx), gate_(std::move(gate)) {
    for (auto* name : {"sign_in", "home"})
      templates_.emplace(name, read_file(std::filesystem::path(web_dir) / "templates" / (std::string(name) + ".mustache")));
    std::error_code ec;
    for (auto& e : std::filesystem::directory_iterator(std::filesystem::path(web_dir) / "assets", ec))
      if (e.is_regular_file()) assets_[e.path().filename().string()] = read_file(e.path());
  }

  void register_all(http::Router& router) {
    auto self = shared_from_this();
    router.add("GET", "/login", [self](http::Request& req) {
      return self->sign_in_form(req, query(req, "next"), "", "", "", 200, false);
    });
    router.add("POST", "/login", [self](http::Request& req) { return self->sign_in(req); });
    router.add("POST", "/logout", [self](http::Request& req) { return self->sign_out(req); });
    router.add("GET", "/", [self](http::Request& req) { return self->home(req); });
    router.add("GET", "/assets/{file}", [self](http::Request& req) { return self->asset(req); });
  }

 private:
  std::string lang_of(const http::Request& req) {
    std::string l = query(req, "lang");
    if (l == "ja" || l == "en") return l;
    return gate_->language(req);
  }

  // The labels every page shows, in `lang`.
  data base(const std::string& lang) {
    data d;
    d.set("lang", lang);
    d.set("other_lang", lang == "ja" ? "en" : "ja");
    d.set("other_lang_name", lang == "ja" ? "English" : "日本語");
    for (auto* key : {"product", "tagline", "sign_in_title", "username", "password", "totp", "totp_help", "sign_in",
                      "signed_in_as", "sign_out", "roles", "organizations", "home_title", "api_hint", "no_roles"})
      d.set(std::string("t_") + key, ctx_.messages.text(lang, std::string("ui.") + key));
    return d;
  }

  http::Response page(int status, const std::string& name, data& d) {
    http::Response r;
    r.status = status;
    r.body = mustache(templates_.at(name)).render(d);
    r.headers.emplace_back("Content-Type", "text/html; charset=utf-8");
    r.set_header("Content-Security-Policy", kPageCsp);
    return r;
  }

  http::Response redirect(const std::string& to) {
    http::Response r;
    r.status = 303;
    r.set_header("Location", to);
    return r;
  }

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

  http::Response home(http::Request& req) {
    std::string secret = api::Gate::cookie(req, api::kSessionCookie);
    if (secret.empty()) return redirect("/login?next=/");
    auto p = ctx_.auth.session_principal(secret, gate_->client_ip(req));
    if (!p) return redirect("/login?next=/");
    auto me = ctx_.directory.me(*p);
    if (!me) return redirect("/login?next=/");
    std::string lang = query(req, "lang").empty() ? ctx_.messages.pick_language(me->user.language) : lang_of(req);
    data d = base(lang);
    d.set("display_name", me->user.display_name);
    d.set("username", me->user.username);
    data roles{data::type::list};
    for (auto& r : p->roles) roles << data("name", r);
    d.set("roles", roles);
    d.set("has_roles", p->roles.empty() ? data(data::type::bool_false) : data(data::type::bool_true));
    data orgs{data::type::list};
    for (auto& o : me->organizations) orgs << data("name", o.name + " (" + o.number + ")");
    d.set("orgs", orgs);
    d.set("csrf", auth::Authenticator::csrf_token(secret));
    return page(200, "home", d);
  }

  http::Response asset(http::Request& req) {
    auto it = assets_.find(req.params.at(0));
    if (it == assets_.end()) return http::Response::json(404, R"({"status":404,"title":"Not Found"})");
    http::Response r;
    r.body = it->second;
    r.headers.emplace_back("Content-Type", content_type(it->first));
    r.set_header("Cache-Control", "public, max-age=3600");
    return r;
  }

  api::ApiContext& ctx_;
  std::shared_ptr<api::Gate> gate_;
  std::map<std::string, std::string> templates_, assets_;
};

}  // namespace

void register_pages(http::Router& router, api::ApiContext& context, std::shared_ptr<api::Gate> gate,
                    const std::string& web_dir) {
  std::make_shared<Pages>(context, std::move(gate), web_dir)->register_all(router);
}

}  // namespace kanri::ui
