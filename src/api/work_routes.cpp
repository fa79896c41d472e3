// Background work for administrators, and each user's own notification settings:
// /api/v1/queues, /api/v1/jobs, /api/v1/notifications (the outbox), /api/v1/subscriptions and
// /api/v1/me/subscriptions. Thin: every rule lives in notify::WorkAdmin. On a test server
// (KANRI_TEST_CLOCK) also /api/v1/test/clock, the time timers and clocks run on.

#include "api/route_groups.h"
#include "core/text.h"
#include "jobs/events.h"
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

// The held clock of a test server (KANRI_TEST_CLOCK), as GET and PUT /api/v1/test/clock show it.
json clock_json(const SettableClock& clock) {
  return {{"now", format_timestamp(clock.now_ms())}, {"held", clock.held()}};
}

// PUT /api/v1/test/clock: {"now": "<date-time>"} or {"advance": "<duration>"}; for those who
// administer the background work (update on every job), whose timers it moves.
Result<json> hold_clock(SettableClock& clock, const engine::Principal& p, const json& body) {
  if (p.scope("job", "update") != engine::Scope::all)
    return Error::of(ErrorKind::forbidden, "access.denied", {{"action", "update"}, {"type", "test clock"}});
  auto text = [&](const char* name) -> std::optional<std::string> {
    auto it = body.find(name);
    if (it == body.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
  };
  auto invalid = [](const char* field, const char* code) {
    Error e = Error::of(ErrorKind::bad_request, "record.invalid");
    e.fields.push_back({field, code, {{"label", field}}});
    return e;
  };
  if (!body.is_object() || body.contains("now") == body.contains("advance") || body.size() != 1)
    return invalid("now", "test_clock.one_of");
  EpochMs at = 0;
  if (body.contains("now")) {
    auto t = text("now");
    auto parsed = t ? parse_timestamp(*t) : std::nullopt;
    if (!parsed) return invalid("now", "field.type_datetime");
    at = *parsed;
  } else {
    auto t = text("advance");
    auto d = t ? parse_duration(*t) : std::nullopt;
    if (!d) return invalid("advance", "field.type_duration");
    at = clock.now_ms() + *d;
  }
  if (!clock.hold(at)) {
    Error e = Error::of(ErrorKind::conflict, "test_clock.backwards", {{"now", format_timestamp(clock.now_ms())}});
    return e;
  }
  jobs::wake();  // timers that came due at the new time run now
  return clock_json(clock);
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
  if (SettableClock* clock = context.test_clock) {
    add("GET", "/api/v1/test/clock", [clock](Call&) { return json_response(200, clock_json(*clock)); });
    add("PUT", "/api/v1/test/clock", [clock, gate, reply](Call& call) {
      auto b = gate->body(call.request);
      if (!b) return gate->fail(call, b.error());
      return reply(call, 200, hold_clock(*clock, call.principal, *b));
    });
  }
}

}  // namespace kanri::api
