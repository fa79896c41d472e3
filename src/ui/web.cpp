#include "ui/web.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "api/problem_render.h"
#include "auth/authenticator.h"
#include "core/crypto.h"
#include "http/form.h"
#include "http/multipart.h"

namespace kanri::ui {

namespace fs = std::filesystem;
using kainjow::mustache::mustache;

namespace {

constexpr const char* kPageCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Mustache treats an empty string as true; the pages mean "nothing", so {{#error}} renders
// only when there is an error. Every lookup goes through here, in sections and partials too.
class PageContext : public kainjow::mustache::context<std::string> {
 public:
  using kainjow::mustache::context<std::string>::context;
  const data* get(const std::string& name) const override {
    const data* v = kainjow::mustache::context<std::string>::get(name);
    return v && v->is_string() && v->string_value().empty() ? nullptr : v;
  }
};

}  // namespace

std::string url_encode(const std::string& s) { return http::percent_encode(s); }

std::string Web::error_sentence(const Visitor& v, const Error& e, const model::TypeDef* t) const {
  nlohmann::json b = api::problem_body(e, ctx_.messages, v.lang, t);
  std::string msg = b.value("detail", "");
  for (auto& fe : b["errors"]) msg += " " + fe.value("message", "");
  return msg;
}

Web::Web(api::ApiContext& ctx, std::shared_ptr<api::Gate> gate, const std::string& web_dir)
    : ctx_(ctx), gate_(std::move(gate)), assets_(web_dir) {
  fs::path dir = fs::path(web_dir) / "templates";
  for (auto* sub : {"", "partials"}) {
    std::error_code ec;
    for (auto& e : fs::directory_iterator(dir / sub, ec))
      if (e.is_regular_file() && e.path().extension() == ".mustache")
        templates_[(std::string(sub).empty() ? "" : std::string(sub) + "/") + e.path().stem().string()] = read_file(e.path());
  }
  for (auto* name : {"layout", "sign_in"})
    if (!templates_.count(name)) throw std::runtime_error("missing template " + (dir / name).string() + ".mustache");
  // Each language's texts and the partials, shared by every render (read-only).
  for (auto& lang : ctx_.messages.languages()) {
    data t{data::type::object};
    if (auto* table = ctx_.messages.table(lang))
      for (auto& [key, text] : *table)
        if (key.rfind("ui.", 0) == 0) {
          std::string k = key.substr(3);
          for (auto& ch : k)
            if (ch == '.') ch = '_';
          t.set(k, text);
        }
    data root{data::type::object};
    root.set("t", t);
    for (auto& [name, source] : templates_)
      if (name.rfind("partials/", 0) == 0) {
        const std::string* src = &source;
        root.set(name.substr(9), data(kainjow::mustache::partial([src] { return *src; })));
      }
    texts_.emplace(lang, std::move(root));
  }
}

const data& Web::texts(const std::string& lang) const {
  auto it = texts_.find(lang);
  return it != texts_.end() ? it->second : texts_.begin()->second;
}

std::string Web::t(const std::string& lang, const std::string& key, const MessageArgs& args) const {
  return ctx_.messages.text(lang, "ui." + key, args);
}
std::string Web::t(const Visitor& v, const std::string& key, const MessageArgs& args) const { return t(v.lang, key, args); }

std::optional<Visitor> Web::visitor(const http::Request& req) {
  std::string secret = api::Gate::cookie(req, api::kSessionCookie);
  if (secret.empty()) return std::nullopt;
  auto p = ctx_.auth.session_principal(secret, gate_->client_ip(req));
  if (!p || p->enrolment_only) return std::nullopt;
  std::string lang = ctx_.messages.pick_language(p->language);
  Visitor v{*p, secret, auth::Authenticator::csrf_token(secret), lang, LocaleFormat(lang, p->time_zone), false};
  v.portal_only = p->kind == "requester";
  return v;
}

http::Handler Web::page(std::function<http::Response(http::Request&, Visitor&)> fn, bool changes) {
  return [this, fn = std::move(fn), changes](http::Request& req) -> http::Response {
    auto v = visitor(req);
    if (!v) {
      std::string next = req.path;
      if (!req.query.empty() && req.method == "GET") {
        std::string q;
        for (auto& [k, val] : req.query) q += (q.empty() ? "?" : "&") + url_encode(k) + "=" + url_encode(val);
        next += q;
      }
      if (req.method != "GET") next = "/";
      return client_redirect(req, "/login?next=" + url_encode(next));
    }
    if (changes) {
      // A page on another site can make a browser post here, but cannot know the token.
      std::string sent = req.header("x-csrf-token");
      if (sent.empty() && req.header("content-type").rfind("application/x-www-form-urlencoded", 0) == 0) {
        std::vector<std::pair<std::string, std::string>> form;
        if (http::parse_form(req.body, form)) sent = http::form_value(form, "csrf");
      }
      if (sent.empty() && http::is_multipart_form(req.header("content-type")))
        if (auto parts = http::parse_multipart(req.header("content-type"), req.body))
          for (auto& part : *parts)
            if (part.name == "csrf" && part.file_name.empty()) sent = part.body;
      if (sent.size() != v->csrf.size() || !constant_time_equal(sent, v->csrf) ||
          req.header("sec-fetch-site") == "cross-site") {
        data d{data::type::object};
        d.set("message", t(*v, "form_expired_page"));
        return render(req, *v, "error", d, t(*v, "error_title"), 403);
      }
    }
    http::Response r = fn(req, *v);
    compress(req, r);
    return r;
  };
}

std::string Web::fragment(const std::string& name, const data& d) const {
  // A parsed template is kept per thread: rendering walks it, and kainjow does not promise that
  // concurrent renders of one parsed template are safe.
  thread_local std::map<std::pair<const Web*, std::string>, std::unique_ptr<mustache>> parsed;
  auto key = std::make_pair(this, name);
  auto it = parsed.find(key);
  if (it == parsed.end()) {
    auto src = templates_.find(name);
    if (src == templates_.end()) throw std::runtime_error("no template " + name);
    auto m = std::make_unique<mustache>(src->second);
    if (!m->is_valid()) throw std::runtime_error("template " + name + ": " + m->error_message());
    it = parsed.emplace(key, std::move(m)).first;
  }
  const data* lang = d.get("lang");
  PageContext c{&texts(lang && lang->is_string() ? lang->string_value() : "en")};
  c.push(&d);
  return it->second->render(c);
}

data Web::navigation(const Visitor& v, const std::string& current) const {
  data areas{data::type::list};
  for (auto& area : model::areas()) {
    data types{data::type::list};
    for (auto& t : ctx_.records.catalogue().types()) {
      if (t->area != area || v.principal.scope(t->name, "read") == engine::Scope::none) continue;
      data e{data::type::object};
      e.set("href", "/r/" + t->collection);
      e.set("label", t->plural.in(v.lang));
      e.set("current", flag(current == t->collection));
      types << e;
    }
    if (types.is_empty_list()) continue;
    data a{data::type::object};
    a.set("label", t(v, "area." + area));
    a.set("id", area);
    a.set("types", types);
    areas << a;
  }
  return areas;
}

http::Response Web::render(const http::Request& req, const Visitor& v, const std::string& name, data d,
                           const std::string& title, int status, const std::string& nav) {
  d.set("lang", v.lang);
  d.set("csrf", v.csrf);
  std::string content = fragment(name, d);
  http::Response r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "text/html; charset=utf-8");
  r.set_header("Content-Security-Policy", kPageCsp);
  r.headers.emplace_back("Vary", "HX-Request");
  // htmx swapping the main part asks for the page without its frame; a boosted link or a
  // history restore gets the whole page.
  if (is_htmx(req) && req.header("hx-target") == "main" && req.header("hx-history-restore-request").empty()) {
    r.body = "<title>" + kainjow::mustache::html_escape<std::string>(title) + " · Kanri</title>" + content;
    return r;
  }
  data l{data::type::object};
  l.set("lang", v.lang);
  l.set("csrf", v.csrf);
  l.set("title", title);
  l.set("content", content);
  l.set("display_name", v.principal.display_name);
  l.set("username", v.principal.username);
  l.set("portal_only", flag(v.portal_only));
  l.set("nav", navigation(v, nav));
  l.set("home_current", flag(nav == "home"));
  l.set("portal_current", flag(nav == "portal"));
  l.set("search_current", flag(nav == "search"));
  l.set("reports_current", flag(nav == "reports"));
  l.set("q", nav == "search" ? query(req, "q") : "");
  l.set("other_lang", v.lang == "ja" ? "en" : "ja");
  l.set("other_lang_name", v.lang == "ja" ? "English" : "日本語");
  l.set("here", req.path);
  data styles{data::type::list};
  for (auto& s : assets_.styles("main.js")) styles << data("href", s);
  l.set("styles", styles);
  l.set("script", assets_.script("main.js"));
  if (auto* c = d.get("has_charts"); c && c->is_true()) l.set("charts_script", assets_.script("charts.js"));
  r.body = fragment("layout", l);
  return r;
}

void Web::compress(const http::Request& req, http::Response& r) {
  if (r.body.size() < 1400 || req.header("accept-encoding").find("gzip") == std::string::npos) return;
  for (auto& [k, v] : r.headers)
    if (k == "Content-Encoding") return;
  // Level 1: a page is compressed on every request; most of the gain, a fraction of the time.
  r.body = gzip(r.body, 1);
  r.headers.emplace_back("Content-Encoding", "gzip");
  r.headers.emplace_back("Vary", "Accept-Encoding");
}

http::Response Web::redirect(const std::string& to) {
  http::Response r;
  r.status = 303;
  r.set_header("Location", to);
  return r;
}

http::Response Web::client_redirect(const http::Request& req, const std::string& to) {
  if (!is_htmx(req)) return redirect(to);
  http::Response r;
  r.status = 200;
  r.set_header("HX-Redirect", to);
  return r;
}

std::string Web::query(const http::Request& req, const std::string& name) {
  for (auto& [k, v] : req.query)
    if (k == name) return v;
  return "";
}

}  // namespace kanri::ui
