// Background work for administrators, and each user's own notification settings:
// /api/v1/queues, /api/v1/jobs, /api/v1/notifications (the outbox), /api/v1/subscriptions and
// /api/v1/me/subscriptions. Thin: every rule lives in notify::WorkAdmin.

#include "api/route_groups.h"
#include "core/text.h"
#include "notify/admin.h"

namespace kanri::api {

using nlohmann::json;

namespace {

// A path id, or a 404 that names it.
Result<std::int64_t> path_id(const std::string& type, const std::string& text) {
  auto v = parse_int(text);
  if (!v) return Error::of(ErrorKind::not_found, "identity.not_found", {{"type", type}, {"key", text}});
  return *v;
}

}  // namespace

void register_work_routes(http::Router& router, ApiContext& context, std::shared_ptr<Gate> gate) {
  notify::WorkAdmin& w = context.work;
  auto add = [&](const char* method, const char* path, std::function<http::Response(Call&)> fn) {
    router.add(method, path, gate->guarded(std::move(fn)));
  };
  // Renders a result, or the problem.
  auto reply = [gate](Call& call, int status, Result<json> r) {
    if (!r) return gate->fail(call, r.error());
    return json_response(status, *r);
  };
  // Runs `fn` with the numeric id of the path's first parameter.
  auto with_id = [gate](const std::string& type, std::function<http::Response(Call&, std::int64_t)> fn) {
    return [gate, type, fn = std::move(fn)](Call& call) {
      auto id = path_id(type, call.request.params[0]);
      if (!id) return gate->fail(call, id.error());
      return fn(call, *id);
    };
  };
  add("GET", "/api/v1/queues", [&w, reply](Call& call) { return reply(call, 200, w.queues(call.principal)); });
  add("GET", "/api/v1/jobs", [&w, reply](Call& call) { return reply(call, 200, w.jobs(call.principal, call.request.query)); });
  add("GET", "/api/v1/jobs/{id}", with_id("job", [&w, reply](Call& call, std::int64_t id) {
        return reply(call, 200, w.job(call.principal, id));
      }));
  add("POST", "/api/v1/jobs/{id}/retry", with_id("job", [&w, reply](Call& call, std::int64_t id) {
        return reply(call, 200, w.retry_job(call.principal, id));
      }));
  add("POST", "/api/v1/jobs/{id}/discard", with_id("job", [&w, reply](Call& call, std::int64_t id) {
        return reply(call, 200, w.discard_job(call.principal, id));
      }));
  add("GET", "/api/v1/notifications",
      [&w, reply](Call& call) { return reply(call, 200, w.notifications(call.principal, call.request.query)); });
  add("GET", "/api/v1/notifications/{id}", with_id("notification", [&w, reply](Call& call, std::int64_t id) {
        return reply(call, 200, w.notification(call.principal, id));
      }));
  add("GET", "/api/v1/subscriptions", [&w, reply](Call& call) { return reply(call, 200, w.subscriptions(call.principal)); });
  add("POST", "/api/v1/subscriptions", [&w, gate, reply](Call& call) {
    auto b = gate->body(call.request);
    if (!b) return gate->fail(call, b.error());
    return reply(call, 201, w.create_subscription(call.principal, *b));
  });
  add("GET", "/api/v1/subscriptions/{id}", with_id("subscription", [&w, reply](Call& call, std::int64_t id) {
        return reply(call, 200, w.subscription(call.principal, id));
      }));
  add("PATCH", "/api/v1/subscriptions/{id}", with_id("subscription", [&w, gate, reply](Call& call, std::int64_t id) {
        auto v = gate->if_match(call.request, false);
        if (!v) return gate->fail(call, v.error());
        auto b = gate->body(call.request);
        if (!b) return gate->fail(call, b.error());
        return reply(call, 200, w.update_subscription(call.principal, id, *b, *v));
      }));
  add("DELETE", "/api/v1/subscriptions/{id}", with_id("subscription", [&w, gate](Call& call, std::int64_t id) {
        auto s = w.delete_subscription(call.principal, id);
        if (!s) return gate->fail(call, s.error());
        return no_content();
      }));
  add("GET", "/api/v1/me/subscriptions", [&w, reply](Call& call) { return reply(call, 200, w.my_subscriptions(call.principal)); });
  for (const char* method : {"PUT", "DELETE"}) {
    bool mute = std::string(method) == "PUT";
    add(method, "/api/v1/me/subscriptions/{id}/mute", with_id("subscription", [&w, gate, mute](Call& call, std::int64_t id) {
          auto s = w.set_mute(call.principal, id, mute);
          if (!s) return gate->fail(call, s.error());
          return no_content();
        }));
  }
}

}  // namespace kanri::api
