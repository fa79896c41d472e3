#include "api/gate.h"

#include <algorithm>
#include <charconv>

#include "api/problem_render.h"
#include "core/crypto.h"
#include "core/text.h"

namespace kanri::api {

using nlohmann::json;

namespace {

constexpr int kMaxJsonDepth = 64;

// Deepest nesting of arrays and objects, counted without parsing (a guard before parsing).
int nesting_depth(const std::string& s) {
  int depth = 0, max = 0;
  bool in_string = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      max = std::max(max, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return max;
}

bool changes_state(const std::string& method) { return method != "GET" && method != "HEAD" && method != "OPTIONS"; }

std::string trim(std::string s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
  size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  return s.substr(i);
}

}  // namespace

http::Response json_response(int status, const json& body) { return http::Response::json(status, body.dump()); }

http::Response no_content() {
  http::Response r;
  r.status = 204;
  return r;
}

std::string Gate::language(const http::Request& req) const { return ctx_.messages.pick_language(req.header("accept-language")); }

http::Response Gate::fail(const Call& call, const Error& e, const model::TypeDef* t) const {
  http::Response r = problem(e, ctx_.messages, call.lang, t);
  if (e.kind == ErrorKind::too_many_requests && e.args.count("seconds")) r.set_header("Retry-After", e.args.at("seconds"));
  return r;
}

http::Response Gate::fail(const std::string& lang, const Error& e) const {
  http::Response r = problem(e, ctx_.messages, lang, nullptr);
  if (e.kind == ErrorKind::too_many_requests && e.args.count("seconds")) r.set_header("Retry-After", e.args.at("seconds"));
  if (e.kind == ErrorKind::unauthorized) r.set_header("WWW-Authenticate", "Bearer realm=\"kanri\"");
  return r;
}

std::string Gate::cookie(const http::Request& req, const std::string& name) {
  const std::string& header = req.header("cookie");
  size_t pos = 0;
  while (pos < header.size()) {
    size_t end = header.find(';', pos);
    if (end == std::string::npos) end = header.size();
    std::string part = trim(header.substr(pos, end - pos));
    size_t eq = part.find('=');
    if (eq != std::string::npos && part.substr(0, eq) == name) return part.substr(eq + 1);
    pos = end + 1;
  }
  return "";
}

std::string Gate::session_cookie(const http::Request& req, const std::string& secret) const {
  const std::string& mode = ctx_.config.auth.secure_cookie;
  bool secure = mode == "always" || (mode == "auto" && req.header("x-forwarded-proto") == "https");
  std::string c = std::string(kSessionCookie) + "=" + secret + "; Path=/; HttpOnly; SameSite=Lax";
  if (secure) c += "; Secure";
  if (secret.empty()) c += "; Max-Age=0";
  return c;
}

std::string Gate::client_ip(const http::Request& req) const {
  const auto& trusted = ctx_.config.auth.trusted_proxies;
  if (trusted.empty() || std::find(trusted.begin(), trusted.end(), req.remote_ip) == trusted.end()) return req.remote_ip;
  // The rightmost address that is not one of our proxies is the client.
  std::vector<std::string> hops;
  const std::string& xff = req.header("x-forwarded-for");
  size_t pos = 0;
  while (pos <= xff.size() && !xff.empty()) {
    size_t comma = xff.find(',', pos);
    if (comma == std::string::npos) comma = xff.size();
    std::string hop = trim(xff.substr(pos, comma - pos));
    if (!hop.empty()) hops.push_back(hop);
    pos = comma + 1;
  }
  for (auto it = hops.rbegin(); it != hops.rend(); ++it)
    if (std::find(trusted.begin(), trusted.end(), *it) == trusted.end()) return it->substr(0, 64);
  return req.remote_ip;
}

Result<engine::Principal> Gate::authenticate(http::Request& req) {
  const std::string ip = client_ip(req);
  const std::string& auth = req.header("authorization");
  if (!auth.empty()) {
    if (auth.rfind("Bearer ", 0) != 0 || auth.size() <= 7) return Error::of(ErrorKind::unauthorized, "auth.invalid");
    return ctx_.auth.token_principal(auth.substr(7), ip);
  }
  std::string secret = cookie(req, kSessionCookie);
  if (secret.empty()) return Error::of(ErrorKind::unauthorized, "auth.missing");
  auto p = ctx_.auth.session_principal(secret, ip);
  if (!p) return p;
  if (changes_state(req.method)) {
    // A cookie travels with every request the browser makes, also those a hostile page
    // triggers; only our own pages and scripts know the CSRF token.
    const std::string& sent = req.header("x-csrf-token");
    std::string expected = auth::Authenticator::csrf_token(secret);
    if (req.header("sec-fetch-site") == "cross-site" || sent.size() != expected.size() ||
        !constant_time_equal(sent, expected))
      return Error::of(ErrorKind::forbidden, "auth.csrf");
  }
  return p;
}

http::Handler Gate::guarded(std::function<http::Response(Call&)> fn, bool for_enrolment) {
  return [this, fn = std::move(fn), for_enrolment](http::Request& req) -> http::Response {
    std::string lang = language(req);
    auto principal = authenticate(req);
    if (!principal) return fail(lang, principal.error());
    Call call{req, std::move(principal.value()), lang};
    if (req.header("accept-language").empty()) call.lang = ctx_.messages.pick_language(call.principal.language);
    if (call.principal.enrolment_only && !for_enrolment)
      return fail(call, Error::of(ErrorKind::forbidden, "auth.enrolment_required"));
    http::Response r = fn(call);
    r.set_header("Content-Language", call.lang);
    return r;
  };
}

Result<json> Gate::body(const http::Request& req) const {
  const std::string& b = req.body;
  const std::string& type = req.header("content-type");
  if (!b.empty() && !type.empty() && type.rfind("application/json", 0) != 0 && type.find("+json") == std::string::npos)
    return Error::of(ErrorKind::bad_request, "body.media_type");
  if (b.empty()) return json::object();
  if (!is_valid_utf8(b)) return Error::of(ErrorKind::bad_request, "body.invalid_utf8");
  if (nesting_depth(b) > kMaxJsonDepth)
    return Error::of(ErrorKind::bad_request, "body.too_deep", {{"max", std::to_string(kMaxJsonDepth)}});
  try {
    return json::parse(b);
  } catch (const json::parse_error& e) {
    std::string reason = e.what();
    if (auto pos = reason.find("]: "); pos != std::string::npos) reason = reason.substr(pos + 3);
    return Error::of(ErrorKind::bad_request, "body.malformed", {{"reason", reason}});
  }
}

Result<std::optional<std::int64_t>> Gate::if_match(const http::Request& req, bool required) const {
  std::string v = req.header("if-match");
  if (v.empty()) {
    if (required) return Error::of(ErrorKind::precondition_required, "record.version_required");
    return std::optional<std::int64_t>{};
  }
  if (v.rfind("W/", 0) == 0) v = v.substr(2);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  auto n = parse_int(v);
  if (!n || *n < 1) return Error::of(ErrorKind::bad_request, "record.version_malformed");
  return std::optional<std::int64_t>{*n};
}

}  // namespace kanri::api
