// What every API handler starts from: the caller authenticated (bearer token, or session
// cookie with its CSRF token on anything that changes state), the language picked, and the
// request's JSON body and If-Match read and checked. Errors become problem+json here.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "api/api.h"
#include "http/message.h"
#include "http/router.h"

namespace kanri::api {

inline constexpr const char* kSessionCookie = "kanri_session";

// Everything one API call needs once the caller is known.
struct Call {
  http::Request& request;
  engine::Principal principal;
  std::string lang;
};

class Gate {
 public:
  explicit Gate(ApiContext& ctx) : ctx_(ctx) {}

  // Wraps `fn`: authenticates, picks the language, then runs it. A session limited to enrolling
  // a second factor reaches only handlers marked `for_enrolment`.
  http::Handler guarded(std::function<http::Response(Call&)> fn, bool for_enrolment = false);
  // Picks the language for a request nobody has signed in for yet.
  std::string language(const http::Request& req) const;

  http::Response fail(const Call& call, const Error& e, const model::TypeDef* t = nullptr) const;
  http::Response fail(const std::string& lang, const Error& e) const;
  // The JSON body, checked: media type, UTF-8, nesting, syntax. An empty body reads as {}.
  Result<nlohmann::json> body(const http::Request& req) const;
  // The version in If-Match ("3", W/"3" or 3). `required` makes its absence an error.
  Result<std::optional<std::int64_t>> if_match(const http::Request& req, bool required) const;
  // The address the request came from: X-Forwarded-For is believed only from a trusted proxy.
  std::string client_ip(const http::Request& req) const;
  // A cookie's value from the Cookie header, or "".
  static std::string cookie(const http::Request& req, const std::string& name);
  // Set-Cookie for the session secret (or for clearing it, when empty).
  std::string session_cookie(const http::Request& req, const std::string& secret) const;

  ApiContext& context() { return ctx_; }

 private:
  Result<engine::Principal> authenticate(http::Request& req);
  ApiContext& ctx_;
};

http::Response json_response(int status, const nlohmann::json& body);
http::Response no_content();

}  // namespace kanri::api
