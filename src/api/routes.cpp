#include <charconv>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "api/api.h"
#include "api/gate.h"
#include "api/identity_json.h"
#include "api/openapi.h"
#include "api/problem_render.h"
#include "api/route_groups.h"
#include "http/problem.h"
#include "core/text.h"
#include "core/time_zone.h"

namespace kanri::api {

using nlohmann::json;

namespace {

constexpr const char* kXlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
constexpr EpochMs kMsPerDay = 86'400'000;

// Handlers hold a shared pointer to this object, which so lives as long as the router.
class RecordRoutes : public std::enable_shared_from_this<RecordRoutes> {
 public:
  RecordRoutes(ApiContext& ctx, std::shared_ptr<Gate> gate) : ctx_(ctx), gate_(std::move(gate)) {}

  http::Handler guarded(std::function<http::Response(Call&)> fn) { return gate_->guarded(std::move(fn)); }
  http::Response fail(const Call& call, const Error& e, const model::TypeDef* t = nullptr) { return gate_->fail(call, e, t); }
  Result<json> body(const Call& call) { return gate_->body(call.request); }
  Result<std::optional<std::int64_t>> if_match(const Call& call, bool required) { return gate_->if_match(call.request, required); }

  // The record type named by the first path parameter, or null (the caller answers 404).
  const model::TypeDef* type_of(const Call& call) {
    return ctx_.records.catalogue().by_collection(call.request.params.at(0));
  }

  http::Response no_collection(const Call& call) {
    return http::simple_problem(404, ctx_.messages.text(call.lang, "problem.not_found"),
                                "No collection '" + call.request.params.at(0) + "'. GET /api/v1/types lists them.");
  }

  engine::ListRequest list_request(const Call& call, std::vector<std::string> ignored = {}) {
    engine::ListRequest req;
    for (auto& [k, v] : call.request.query) {
      if (k == "q") req.q = v;
      else if (k == "sort") req.sort = v;
      else if (k == "cursor") req.cursor = v;
      else if (k == "limit") req.limit = v;
      else if (std::find(ignored.begin(), ignored.end(), k) == ignored.end()) req.filters.emplace_back(k, v);
    }
    return req;
  }

  http::Response record_response(const Call& call, int status, const store::Record& r) {
    http::Response resp = json_response(status, ctx_.records.to_json(call.principal, r));
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
      auto page = ctx_.records.list(call.principal, *t, list_request(call));
      if (!page) return fail(call, page.error(), t);
      json body{{"items", ctx_.records.to_json(call.principal, page->records)},
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
      http::Response resp = record_response(call, 201, *r);
      resp.set_header("Location", "/api/v1/" + t->collection + "/" + std::to_string(r->id));
      return resp;
    }));

    router.add("GET", "/api/v1/{collection}/export", guarded([this, self = shared_from_this()](Call& call) {
      const model::TypeDef* t = type_of(call);
      if (!t) return no_collection(call);
      // ?format= wins; without it an Accept naming the workbook type asks for XLSX.
      std::string format = call.request.header("accept").find(kXlsxType) != std::string::npos ? "xlsx" : "csv";
      std::string tz = "UTC";
      for (auto& [k, v] : call.request.query) {
        if (k == "format") format = v;
        else if (k == "tz") tz = v;
      }
      Error bad = Error::of(ErrorKind::invalid, "query.invalid");
      if (format != "csv" && format != "json" && format != "xlsx")
        bad.fields.push_back({"format", "export.format", {{"value", format}}});
      std::optional<TimeZone> zone = TimeZone::named(tz);
      if (!zone) bad.fields.push_back({"tz", "export.time_zone", {{"value", tz}}});
      if (!bad.fields.empty()) return fail(call, bad, t);

      auto rows = ctx_.records.export_records(call.principal, *t, list_request(call, {"format", "tz"}),
                                              ctx_.config.export_max_rows);
      if (!rows) return fail(call, rows.error(), t);
      http::Response resp;
      std::string filename = t->collection + "." + format;
      if (format == "json") {
        resp = json_response(200, {{"items", ctx_.records.to_json(call.principal, *rows)}});
      } else if (format == "xlsx") {
        auto book = ctx_.records.to_xlsx(call.principal, *t, *rows, call.lang, ctx_.messages, tz);
        if (!book) return fail(call, book.error(), t);
        resp.body = std::move(*book);
        resp.headers.emplace_back("Content-Type", kXlsxType);
        const EpochMs now = ctx_.clock.now_ms();
        const std::string today = days_to_date(floor_div(now + zone->offset_ms(now), kMsPerDay));
        filename = t->collection + "-" + today.substr(0, 4) + today.substr(5, 2) + today.substr(8, 2) + ".xlsx";
      } else {
        resp.body = ctx_.records.to_csv(call.principal, *rows);
        resp.headers.emplace_back("Content-Type", "text/csv; charset=utf-8");
      }
      // No export leaves without its journal entry; a file that could not be made is not one.
      if (auto j = ctx_.records.journal_export(call.principal, *t, call.request.query, rows->size(), format); !j)
        return fail(call, j.error(), t);
      resp.set_header("Content-Disposition", "attachment; filename=\"" + filename + "\"");
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
        json body = ctx_.records.to_json(call.principal, *past);
        body["as_of"] = format_timestamp(*at);
        return json_response(200, body);
      }
      auto r = ctx_.records.get(call.principal, *t, call.request.params[1]);
      if (!r) return fail(call, r.error(), t);
      return record_response(call, 200, *r);
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
      return record_response(call, 200, *r);
    }));

    router.add("DELETE", "/api/v1/{collection}/{key}", guarded([this, self = shared_from_this()](Call& call) {
      const model::TypeDef* t = type_of(call);
      if (!t) return no_collection(call);
      auto version = if_match(call, false);
      if (!version) return fail(call, version.error(), t);
      auto r = ctx_.records.remove(call.principal, *t, call.request.params[1], *version);
      if (!r) return fail(call, r.error(), t);
      return no_content();
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
      return record_response(call, 200, *r);
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
      const std::string& s = call.request.params[2];
      auto id = parse_int(s);
      if (!id) return fail(call, Error::of(ErrorKind::not_found, "link.not_found", {{"id", s}}), t);
      auto st = ctx_.records.unlink(call.principal, *t, call.request.params[1], *id);
      if (!st) return fail(call, st.error(), t);
      return no_content();
    }));

    router.add("GET", "/api/v1/{collection}/{key}/history", guarded([this, self = shared_from_this()](Call& call) {
      const model::TypeDef* t = type_of(call);
      if (!t) return no_collection(call);
      auto entries = ctx_.records.history(call.principal, *t, call.request.params[1]);
      if (!entries) return fail(call, entries.error(), t);
      json items = json::array();
      for (auto& e : *entries) items.push_back(journal_entry_json(e));
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
  std::shared_ptr<Gate> gate_;
};

}  // namespace

void register_record_routes(http::Router& router, ApiContext& context, std::shared_ptr<Gate> gate) {
  std::make_shared<RecordRoutes>(context, std::move(gate))->register_all(router);
}

std::shared_ptr<Gate> register_routes(http::Router& router, ApiContext& context) {
  auto gate = std::make_shared<Gate>(context);
  // The platform's own resources first: their literal paths (/api/v1/users…) must not be
  // taken for a collection of records.
  register_session_routes(router, context, gate);
  register_identity_routes(router, context, gate);
  register_work_routes(router, context, gate);
  register_record_extras_routes(router, context, gate);
  register_resolution_routes(router, context, gate);
  register_report_routes(router, context, gate);
  register_record_routes(router, context, gate);
  return gate;
}

}  // namespace kanri::api
