// Comments and work log, attachments and saved views: /api/v1/{collection}/{key}/comments,
// /api/v1/{collection}/{key}/attachments[/{id}], /api/v1/views[/{id}]. Thin: every rule lives
// in engine/record_extras.h.

#include <cctype>

#include "api/route_groups.h"
#include "core/text.h"
#include "http/multipart.h"
#include "http/problem.h"

namespace kanri::api {

using nlohmann::json;

namespace {

Error unknown_query(const std::string& name) {
  Error e = Error::of(ErrorKind::bad_request, "query.invalid");
  e.fields.push_back({name, "query.unknown_parameter", {}});
  return e;
}

}  // namespace

void register_record_extras_routes(http::Router& router, ApiContext& ctx,
                                   std::shared_ptr<Gate> gate) {
  auto add = [&](const char* method, const char* path, std::function<http::Response(Call&)> fn,
                 std::size_t max_body = 0) {
    router.add(method, path, gate->guarded(std::move(fn)), max_body);
  };
  const model::Catalogue& catalogue = ctx.records.catalogue();
  // Runs `fn` with the record type of the path's collection, or answers 404.
  auto typed = [gate, &catalogue,
                &ctx](std::function<http::Response(Call&, const model::TypeDef&)> fn) {
    return [gate, &catalogue, &ctx, fn = std::move(fn)](Call& call) {
      const model::TypeDef* t = catalogue.by_collection(call.request.params.at(0));
      if (!t)
        return http::simple_problem(
            404, ctx.messages.text(call.lang, "problem.not_found"),
            "No collection '" + call.request.params.at(0) + "'. GET /api/v1/types lists them.");
      return fn(call, *t);
    };
  };
  auto path_id = [](const std::string& text, const char* code) -> Result<std::int64_t> {
    auto v = parse_int(text);
    if (!v || *v <= 0) return Error::of(ErrorKind::not_found, code, {{"id", text}});
    return *v;
  };
  auto attachment_url = [](const model::TypeDef& t, const std::string& key, std::int64_t id) {
    return "/api/v1/" + t.collection + "/" + key + "/attachments/" + std::to_string(id);
  };

  // --- comments and work log
  add("GET", "/api/v1/{collection}/{key}/comments",
      typed([gate, &ctx](Call& call, const model::TypeDef& t) {
        std::string kind;
        std::int64_t after = 0;
        int limit = 200;
        for (auto& [k, v] : call.request.query) {
          if (k == "kind") {
            kind = v;
          } else if (k == "after" || k == "limit") {
            auto n = parse_int(v);
            if (!n || *n < 0 || *n > 1'000'000'000'000LL) {
              Error e = Error::of(ErrorKind::bad_request, "query.invalid");
              e.fields.push_back({k, k == "limit" ? "comment.limit" : "cursor.invalid", {}});
              return gate->fail(call, e, &t);
            }
            if (k == "after")
              after = *n;
            else
              limit = static_cast<int>(*n);
          } else {
            return gate->fail(call, unknown_query(k), &t);
          }
        }
        auto page =
            ctx.comments.list(call.principal, t, call.request.params[1], kind, after, limit);
        if (!page) return gate->fail(call, page.error(), &t);
        json items = json::array();
        for (auto& c : page->items) items.push_back(engine::comment_json(c));
        return json_response(
            200, {{"items", items},
                  {"next_after", page->next_after ? json(*page->next_after) : json(nullptr)}});
      }));
  add("POST", "/api/v1/{collection}/{key}/comments",
      typed([gate, &ctx](Call& call, const model::TypeDef& t) {
        auto b = gate->body(call.request);
        if (!b) return gate->fail(call, b.error(), &t);
        if (!b->is_object())
          return gate->fail(call, Error::of(ErrorKind::bad_request, "body.not_object"), &t);
        std::vector<FieldError> errors;
        std::string kind = "comment", text;
        for (auto& [k, v] : b->items()) {
          if (k == "body" && v.is_string())
            text = v.get<std::string>();
          else if (k == "kind" && v.is_string())
            kind = v.get<std::string>();
          else if (k == "body" || k == "kind")
            errors.push_back({k, "field.type_text", {}});
          else
            errors.push_back({k, "comment.unknown_field", {}});
        }
        if (!errors.empty()) return gate->fail(call, Error::invalid(std::move(errors)), &t);
        auto c = ctx.comments.add(call.principal, t, call.request.params[1], kind, text);
        if (!c) return gate->fail(call, c.error(), &t);
        return json_response(201, engine::comment_json(*c));
      }));

  // --- attachments
  add("GET", "/api/v1/{collection}/{key}/attachments",
      typed([gate, &ctx, attachment_url](Call& call, const model::TypeDef& t) {
        if (!call.request.query.empty())
          return gate->fail(call, unknown_query(call.request.query[0].first), &t);
        auto list = ctx.attachments.list(call.principal, t, call.request.params[1]);
        if (!list) return gate->fail(call, list.error(), &t);
        json items = json::array();
        for (auto& a : *list)
          items.push_back(
              engine::attachment_json(a, attachment_url(t, call.request.params[1], a.id)));
        return json_response(200, {{"items", items}});
      }));
  // Files are larger than the server's body limit allows other routes: this one takes the
  // attachment limit and room for the multipart framing.
  const std::size_t upload_limit = ctx.attachments.settings().max_bytes + 64 * 1024;
  add("POST", "/api/v1/{collection}/{key}/attachments",
      typed([gate, &ctx, attachment_url](Call& call, const model::TypeDef& t) {
        const http::Request& req = call.request;
        const std::string& content_type = req.header("content-type");
        std::string name;
        std::string_view content;
        std::optional<std::vector<http::FormPart>> parts;
        for (auto& [k, v] : req.query) {
          if (k == "name")
            name = v;
          else
            return gate->fail(call, unknown_query(k), &t);
        }
        if (http::is_multipart_form(content_type)) {
          parts = http::parse_multipart(content_type, req.body);
          if (!parts)
            return gate->fail(
                call, Error::of(ErrorKind::bad_request, "attachment.multipart_malformed"), &t);
          const http::FormPart* file = nullptr;
          for (auto& p : *parts)
            if (p.name == "file" && !file) file = &p;
          if (file) {
            if (name.empty()) name = file->file_name;
            content = file->body;
          }
        } else {
          content = req.body;
        }
        // Who may attach is decided before what was sent is judged (a missing name or file
        // part is then the service's field error).
        auto a = ctx.attachments.upload(call.principal, t, req.params[1], name, content);
        if (!a) return gate->fail(call, a.error(), &t);
        std::string url = attachment_url(t, req.params[1], a->id);
        http::Response resp = json_response(201, engine::attachment_json(*a, url));
        resp.set_header("Location", url);
        return resp;
      }),
      upload_limit);
  add("GET", "/api/v1/{collection}/{key}/attachments/{id}",
      typed([gate, &ctx, path_id](Call& call, const model::TypeDef& t) {
        if (!call.request.query.empty())
          return gate->fail(call, unknown_query(call.request.query[0].first), &t);
        auto id = path_id(call.request.params[2], "attachment.not_found");
        if (!id) return gate->fail(call, id.error(), &t);
        auto file = ctx.attachments.download(call.principal, t, call.request.params[1], *id);
        if (!file) return gate->fail(call, file.error(), &t);
        const engine::Attachment& a = file->attachment;
        http::Response resp;
        resp.body = std::move(file->bytes);
        resp.set_header("Content-Type", a.content_type);
        // Always a download, never shown inline: the browser does not render what was uploaded.
        resp.set_header("Content-Disposition", http::attachment_disposition(a.file_name));
        resp.set_header("X-Content-Type-Options", "nosniff");
        resp.set_header("ETag", "\"" + a.sha256 + "\"");
        resp.set_header("Cache-Control", "private, no-store");
        return resp;
      }));
  add("DELETE", "/api/v1/{collection}/{key}/attachments/{id}",
      typed([gate, &ctx, path_id](Call& call, const model::TypeDef& t) {
        auto id = path_id(call.request.params[2], "attachment.not_found");
        if (!id) return gate->fail(call, id.error(), &t);
        auto s = ctx.attachments.remove(call.principal, t, call.request.params[1], *id);
        if (!s) return gate->fail(call, s.error(), &t);
        return no_content();
      }));

  // --- saved views
  add("GET", "/api/v1/views", [gate, &ctx](Call& call) {
    std::string type;
    for (auto& [k, v] : call.request.query) {
      if (k == "type")
        type = v;
      else
        return gate->fail(call, unknown_query(k));
    }
    auto views = ctx.views.list(call.principal, type);
    if (!views) return gate->fail(call, views.error());
    json items = json::array();
    for (auto& v : *views) items.push_back(engine::saved_view_json(call.principal, v));
    return json_response(200, {{"items", items}});
  });
  add("POST", "/api/v1/views", [gate, &ctx](Call& call) {
    auto b = gate->body(call.request);
    if (!b) return gate->fail(call, b.error());
    auto v = ctx.views.create(call.principal, *b);
    if (!v) return gate->fail(call, v.error());
    http::Response resp = json_response(201, engine::saved_view_json(call.principal, *v));
    resp.set_header("Location", "/api/v1/views/" + std::to_string(v->id));
    return resp;
  });
  add("PATCH", "/api/v1/views/{id}", [gate, &ctx, path_id](Call& call) {
    auto id = path_id(call.request.params[0], "view.not_found");
    if (!id) return gate->fail(call, id.error());
    auto b = gate->body(call.request);
    if (!b) return gate->fail(call, b.error());
    auto v = ctx.views.update(call.principal, *id, *b);
    if (!v) return gate->fail(call, v.error());
    return json_response(200, engine::saved_view_json(call.principal, *v));
  });
  add("DELETE", "/api/v1/views/{id}", [gate, &ctx, path_id](Call& call) {
    auto id = path_id(call.request.params[0], "view.not_found");
    if (!id) return gate->fail(call, id.error());
    auto s = ctx.views.remove(call.principal, *id);
    if (!s) return gate->fail(call, s.error());
    return no_content();
  });
}

}  // namespace kanri::api
