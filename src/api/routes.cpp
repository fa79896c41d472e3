#include <charconv>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "api/api.h"
#include "api/openapi.h"
#include "api/problem_render.h"
#include "auth/token_cache.h"
#include "http/problem.h"
#include "core/text.h"
#include "store/accounts.h"

namespace kanri::api {

using nlohmann::json;

namespace {

constexpr int kMaxJsonDepth = 64;

// Everything one API call needs once the caller is known.
struct Call {
  http::Request& request;
  engine::Principal principal;
  std::string lang;
};

http::Response json_response(int status, const json& body) { return http::Response::json(status, body.dump()); }

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

class Api : public std::enable_shared_from_this<Api> {
 public:
  explicit Api(ApiContext& ctx) : ctx_(ctx) {}

  // Authenticates, picks the language, then runs `fn`; any Error becomes problem+json.
  http::Handler guarded(std::function<http::Response(Call&)> fn) {
    return [this, self = shared_from_this(), fn = std::move(fn)](http::Request& req) -> http::Response {
      std::string lang = ctx_.messages.pick_language(req.header("accept-language"));
      const std::string& auth = req.header("authorization");
      if (auth.rfind("Bearer ", 0) != 0 || auth.size() <= 7)
        return unauthorized(lang, auth.empty() ? "auth.missing" : "auth.invalid");
      const std::string secret = auth.substr(7);
      const EpochMs now = ctx_.clock.now_ms();
      std::optional<store::TokenOwner> owner = tokens_.find(secret, now);
      if (!owner) {
        ctx_.records.database().read([&](store::Connection& c) { owner = store::find_token_owner(c, secret, now); });
        if (!owner) return unauthorized(lang, "auth.invalid");
        tokens_.remember(secret, *owner, now);
      }
      Call call{req, principal_for(owner->user, req.remote_ip), lang};
      if (req.header("accept-language").empty()) call.lang = owner->user.language;
      http::Response r = fn(call);
      r.set_header("Content-Language", call.lang);
      return r;
    };
  }

  http::Response unauthorized(const std::string& lang, const std::string& code) {
    http::Response r = problem(Error::of(ErrorKind::unauthorized, code), ctx_.messages, lang);
    r.set_header("WWW-Authenticate", "Bearer realm=\"kanri\"");
    return r;
  }

  static engine::Principal principal_for(const store::User& u, const std::string& ip) {
    engine::Principal p;
    p.user_id = u.id;
    p.username = u.username;
    p.display_name = u.display_name;
    auto roles = json::parse(u.roles, nullptr, false);
    if (roles.is_array())
      for (auto& r : roles)
        if (r.is_string()) p.roles.push_back(r.get<std::string>());
    p.administrator = u.kind == "administrator";
    p.language = u.language;
    p.ip = ip;
    return p;
  }

  http::Response fail(const Call& call, const Error& e, const model::TypeDef* t = nullptr) {
    return problem(e, ctx_.messages, call.lang, t);
  }

  // The record type named by the first path parameter, or null (the caller answers 404).
  const model::TypeDef* type_of(const Call& call) {
    return ctx_.records.catalogue().by_collection(call.request.params.at(0));
  }

  http::Response no_collection(const Call& call) {
    return http::simple_problem(404, ctx_.messages.text(call.lang, "problem.not_found"),
                                "No collection '" + call.request.params.at(0) + "'. GET /api/v1/types lists them.");
  }

  // The JSON body, checked: media type, UTF-8, nesting, syntax. An empty body reads as {}.
  Result<json> body(const Call& call) {
    const std::string& b = call.request.body;
    const std::string& type = call.request.header("content-type");
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

  // The version in If-Match ("3", W/"3" or 3). `required` makes its absence an error.
  Result<std::optional<std::int64_t>> if_match(const Call& call, bool required) {
    std::string v = call.request.header("if-match");
    if (v.empty()) {
      if (required) return Error::of(ErrorKind::precondition_required, "record.version_required");
      return std::optional<std::int64_t>{};
    }
    if (v.rfind("W/", 0) == 0) v = v.substr(2);
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    std::int64_t n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || p != v.data() + v.size() || n < 1)
      return Error::of(ErrorKind::bad_request, "record.version_malformed");
    return std::optional<std::int64_t>{n};
  }

  http::Response record_response(int status, const store::Record& r) {
    http::Response resp = json_response(status, ctx_.records.to_json(r));
    resp.set_header("ETag", "\"" + std::to_string(r.version) + "\"");
    return resp;
  }

  void register_all(http::Router& router) {
    router.add("GET", "/healthz", [](http::Request&) { return json_response(200, {{"status", "ok"}}); });
    router.add("GET", "/readyz", [this, self = shared_from_this()](http::Request&) {
      try {
        ctx_.records.database().read([](store::Connection& c) { c.query("SELECT 1"); });
        return json_response(200, {{"status", "ready"}, {"database", ctx_.records.database().describe()}});
      } catch (const std::exception& e) {
        spdlog::warn("readyz: {}", e.what());
        return json_response(503, {{"status", "unavailable"}, {"reason", "the database cannot be reached; see the server log"}});
      }
    });

    router.add("GET", "/api/v1/types", guarded([this, self = shared_from_this()](Call&) {
      json items = json::array();
      for (auto& t : ctx_.records.catalogue().types()) items.push_back(model::describe(*t));
      return json_response(200, {{"items", items}});
    }));
    router.add("GET", "/api/v1/openapi.json", guarded([this, self = shared_from_this()](Call&) {
      return json_response(200, openapi_document(ctx_.records.catalogue()));
    }));

    router.add("GET", "/api/v1/{collection}", guarded([this, self = shared_from_this()](Call& call) {
      const model::TypeDef* t = type_of(call);
      if (!t) return no_collection(call);
      engine::ListRequest req;
      for (auto& [k, v] : call.request.query) {
        if (k == "q") req.q = v;
        else if (k == "sort") req.sort = v;
        else if (k == "cursor") req.cursor = v;
        else if (k == "limit") req.limit = v;
        else req.filters.emplace_back(k, v);
      }
      auto page = ctx_.records.list(call.principal, *t, req);
      if (!page) return fail(call, page.error(), t);
      json body{{"items", ctx_.records.to_json(page->records)},
                {"next_cursor", page->next_cursor.empty() ? json(nullptr) : json(page->next_cursor)}};
      return json_response(200, body);
    }));

    router.add("POST", "/api/v1/{collection}", guarded([this, self = shared_from_this()](Call& call) {
      const model::TypeDef* t = type_of(call);
      if (!t) return no_collection(call);
      auto b = body(call);
      if (!b) return fail(call, b.error(), t);
      auto r = ctx_.records.create(call.principal, *t, *b);
      if (!r) return fail(call, r.error(), t);
      http::Response resp = record_response(201, *r);
      resp.set_header("Location", "/api/v1/" + t->collection + "/" + std::to_string(r->id));
      return resp;
    }));

    router.add("GET", "/api/v1/{collection}/{key}", guarded([this, self = shared_from_this()](Call& call) {
      const model::TypeDef* t = type_of(call);
      if (!t) return no_collection(call);
      for (auto& [k, v] : call.request.query) {
        if (k != "as_of") {
          Error e = Error::of(ErrorKind::bad_request, "query.invalid");
          e.fields.push_back({k, "query.unknown_parameter", {}});
          return fail(call, e, t);
        }
        auto at = parse_timestamp(v);
        if (!at) {
          Error e = Error::of(ErrorKind::bad_request, "query.invalid");
          e.fields.push_back({"as_of", "field.type_datetime", {}});
          return fail(call, e, t);
        }
        auto past = ctx_.records.as_of(call.principal, *t, call.request.params[1], *at);
        if (!past) return fail(call, past.error(), t);
        json body = ctx_.records.to_json(*past);
        body["as_of"] = format_timestamp(*at);
        return json_response(200, body);
      }
      auto r = ctx_.records.get(call.principal, *t, call.request.params[1]);
      if (!r) return fail(call, r.error(), t);
      return record_response(200, *r);
    }));

    router.add("PATCH", "/api/v1/{collection}/{key}", guarded([this, self = shared_from_this()](Call& call) {
      const model::TypeDef* t = type_of(call);
      if (!t) return no_collection(call);
      auto version = if_match(call, true);
      if (!version) return fail(call, version.error(), t);
      auto b = body(call);
      if (!b) return fail(call, b.error(), t);
      auto r = ctx_.records.update(call.principal, *t, call.request.params[1], *b, **version);
      if (!r) return fail(call, r.error(), t);
      return record_response(200, *r);
    }));

    router.add("DELETE", "/api/v1/{collection}/{key}", guarded([this, self = shared_from_this()](Call& call) {
      const model::TypeDef* t = type_of(call);
      if (!t) return no_collection(call);
      auto version = if_match(call, false);
      if (!version) return fail(call, version.error(), t);
      auto r = ctx_.records.remove(call.principal, *t, call.request.params[1], *version);
      if (!r) return fail(call, r.error(), t);
      http::Response resp;
      resp.status = 204;
      return resp;
    }));

    router.add("POST", "/api/v1/{collection}/{key}/transitions/{name}", guarded([this, self = shared_from_this()](Call& call) {
      const model::TypeDef* t = type_of(call);
      if (!t) return no_collection(call);
      auto version = if_match(call, false);
      if (!version) return fail(call, version.error(), t);
      auto b = body(call);
      if (!b) return fail(call, b.error(), t);
      auto r = ctx_.records.transition(call.principal, *t, call.request.params[1], call.request.params[2], *b, *version);
      if (!r) return fail(call, r.error(), t);
      return record_response(200, *r);
    }));

    router.add("GET", "/api/v1/{collection}/{key}/links", guarded([this, self = shared_from_this()](Call& call) {
      const model::TypeDef* t = type_of(call);
      if (!t) return no_collection(call);
      auto links = ctx_.records.links(call.principal, *t, call.request.params[1]);
      if (!links) return fail(call, links.error(), t);
      json items = json::array();
      for (auto& v : *links) items.push_back(link_json(v, call.lang));
      return json_response(200, {{"items", items}});
    }));

    router.add("POST", "/api/v1/{collection}/{key}/links", guarded([this, self = shared_from_this()](Call& call) {
      const model::TypeDef* t = type_of(call);
      if (!t) return no_collection(call);
      auto b = body(call);
      if (!b) return fail(call, b.error(), t);
      auto v = ctx_.records.link(call.principal, *t, call.request.params[1], *b);
      if (!v) return fail(call, v.error(), t);
      return json_response(201, link_json(*v, call.lang));
    }));

    router.add("DELETE", "/api/v1/{collection}/{key}/links/{link}", guarded([this, self = shared_from_this()](Call& call) {
      const model::TypeDef* t = type_of(call);
      if (!t) return no_collection(call);
      std::int64_t id = 0;
      const std::string& s = call.request.params[2];
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
      if (ec != std::errc() || p != s.data() + s.size())
        return fail(call, Error::of(ErrorKind::not_found, "link.not_found", {{"id", s}}), t);
      auto st = ctx_.records.unlink(call.principal, *t, call.request.params[1], id);
      if (!st) return fail(call, st.error(), t);
      http::Response resp;
      resp.status = 204;
      return resp;
    }));

    router.add("GET", "/api/v1/{collection}/{key}/history", guarded([this, self = shared_from_this()](Call& call) {
      const model::TypeDef* t = type_of(call);
      if (!t) return no_collection(call);
      auto entries = ctx_.records.history(call.principal, *t, call.request.params[1]);
      if (!entries) return fail(call, entries.error(), t);
      json items = json::array();
      for (auto& e : *entries) {
        json changes = json::parse(e.changes, nullptr, false);
        items.push_back({{"seq", e.seq},
                         {"at", format_timestamp(e.at)},
                         {"principal", e.principal},
                         {"principal_id", e.principal_id ? json(*e.principal_id) : json(nullptr)},
                         {"ip", e.ip},
                         {"action", e.action},
                         {"changes", changes.is_discarded() ? json(nullptr) : changes},
                         {"hash", e.hash}});
      }
      return json_response(200, {{"items", items}});
    }));
  }

  json link_json(const engine::LinkView& v, const std::string& lang) {
    return {{"id", v.link.id},
            {"relation", v.link.relation},
            {"direction", v.outgoing ? "outgoing" : "incoming"},
            {"label", v.outgoing ? v.relation->label.in(lang) : v.relation->inverse_label.in(lang)},
            {"type", v.other_type->name},
            {"collection", v.other_type->collection},
            {"record", {{"id", v.other_id}, {"number", v.other.number}, {"display", v.other.display}}},
            {"created_at", format_timestamp(v.link.created_at)}};
  }

 private:
  ApiContext& ctx_;
  auth::TokenCache tokens_;
};

}  // namespace

void register_routes(http::Router& router, ApiContext& context) {
  // Every handler holds a reference to the Api object, which so lives as long as the router.
  std::make_shared<Api>(context)->register_all(router);
}

}  // namespace kanri::api
