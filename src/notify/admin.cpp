#include "notify/admin.h"

#include <algorithm>
#include <set>

#include "core/body_reader.h"
#include "core/crypto.h"
#include "core/text.h"
#include "engine/access.h"
#include "jobs/events.h"
#include "notify/notifier.h"
#include "store/accounts.h"
#include "store/jobs.h"
#include "store/journal.h"
#include "store/notifications.h"
#include "store/records.h"

namespace kanri::notify {

using json = nlohmann::json;
using engine::Scope;

namespace {

Error denied(const std::string& action, const std::string& type) {
  return Error::of(ErrorKind::forbidden, "access.denied", {{"action", action}, {"type", type}});
}
Error not_found(const std::string& type, std::int64_t id) {
  return Error::of(ErrorKind::not_found, "identity.not_found", {{"type", type}, {"key", std::to_string(id)}});
}
Error bad_parameter(const std::string& name, const std::string& code, MessageArgs args = {}) {
  Error e = Error::of(ErrorKind::bad_request, "query.invalid");
  e.fields.push_back({name, code, std::move(args)});
  return e;
}

// The query parameters of a list: only `allowed` ones, limit 1..500, before an id.
struct ListParams {
  std::map<std::string, std::string> values;
  int limit = 50;
  std::int64_t before = 0;
};
Result<ListParams> read_params(const WorkAdmin::Query& q, const std::set<std::string>& allowed) {
  ListParams out;
  std::string names = "limit, before";
  for (auto& a : allowed) names += ", " + a;
  for (auto& [k, v] : q) {
    if (k == "limit" || k == "before") {
      auto parsed = parse_int(v);
      std::int64_t n = parsed.value_or(0);
      bool good = parsed && n >= 1;
      if (k == "limit") {
        if (!good || n > 500) return bad_parameter("limit", "query.limit", {{"max", "500"}});
        out.limit = static_cast<int>(n);
      } else {
        if (!good) return bad_parameter("before", "field.type_int");
        out.before = n;
      }
    } else if (allowed.count(k)) {
      out.values[k] = v;
    } else {
      return bad_parameter(k, "query.unknown_parameter_of", {{"allowed", names}});
    }
  }
  return out;
}

Result<std::string> one_of(const ListParams& lp, const std::string& name, const std::set<std::string>& values) {
  auto it = lp.values.find(name);
  if (it == lp.values.end()) return std::string();
  if (!values.count(it->second)) {
    std::string allowed;
    for (auto& v : values) allowed += (allowed.empty() ? "" : ", ") + v;
    return bad_parameter(name, "field.enum", {{"allowed", allowed}});
  }
  return it->second;
}

json page(json items, int limit, std::int64_t last_id) {
  json out{{"items", std::move(items)}};
  out["next_before"] = static_cast<int>(out["items"].size()) == limit ? json(last_id) : json();
  return out;
}

json subscription_json(const store::Subscription& s) {
  json cond = json::parse(s.conditions, nullptr, false);
  return {{"id", s.id},
          {"name", s.name},
          {"event", s.event},
          {"record_type", s.record_type},
          {"conditions", cond.is_discarded() ? json::object() : cond},
          {"recipient_kind", s.recipient_kind},
          {"recipient", s.recipient},
          {"channel", s.channel},
          {"secret_set", !s.secret.empty()},
          {"org_id", s.org_id ? json(*s.org_id) : json()},
          {"mandatory", s.mandatory},
          {"active", s.active},
          {"version", s.version},
          {"created_at", format_timestamp(s.created_at)},
          {"updated_at", format_timestamp(s.updated_at)},
          {"created_by", s.created_by}};
}

store::Actor actor(const engine::Principal& p) {
  return store::Actor{p.user_id,
                      p.username.empty() ? "system" : p.username, p.ip};
}

const std::set<std::string> kJobStates = {"pending", "running", "done", "cancelled", "dead"};
const std::set<std::string> kNotificationStates = {"queued", "retrying", "sent", "dead", "skipped"};
const std::set<std::string> kRecipientKinds = {"user", "group", "role", "field", "assignee", "url"};

// The organizations whose notifications `p` may read, or nullopt for all; own scope is
// handled by the caller (recipient = the user).
std::optional<std::vector<std::int64_t>> org_filter(const engine::Principal& p, Scope s) {
  if (s == Scope::all) return std::nullopt;
  return p.orgs;
}

}  // namespace

// ---- jobs

Result<json> WorkAdmin::queues(const engine::Principal& p) {
  if (p.scope("job", "read") != Scope::all) return denied("read", "job");
  json items = json::array();
  db_.read([&](store::Connection& c) {
    for (auto& q : store::queue_counts(c))
      items.push_back({{"kind", q.kind}, {"state", q.state}, {"count", q.count},
                       {"oldest_due_at", q.oldest_due ? json(format_timestamp(*q.oldest_due)) : json()}});
  });
  return json{{"items", items}};
}

Result<json> WorkAdmin::jobs(const engine::Principal& p, const Query& q) {
  if (p.scope("job", "read") != Scope::all) return denied("read", "job");
  auto lp = read_params(q, {"state", "kind", "key"});
  if (!lp) return lp.take_error();
  auto state = one_of(*lp, "state", kJobStates);
  if (!state) return state.take_error();
  store::JobFilter f;
  f.state = *state;
  f.kind = lp->values.count("kind") ? lp->values["kind"] : "";
  f.key = lp->values.count("key") ? lp->values["key"] : "";
  f.before_id = lp->before;
  f.limit = lp->limit;
  json items = json::array();
  std::int64_t last = 0;
  db_.read([&](store::Connection& c) {
    for (auto& j : store::list_jobs(c, f)) {
      items.push_back(store::job_json(j));
      last = j.id;
    }
  });
  return page(std::move(items), f.limit, last);
}

Result<json> WorkAdmin::job(const engine::Principal& p, std::int64_t id) {
  if (p.scope("job", "read") != Scope::all) return denied("read", "job");
  std::optional<store::Job> j;
  db_.read([&](store::Connection& c) { j = store::get_job(c, id); });
  if (!j) return not_found("job", id);
  return store::job_json(*j);
}

namespace {

// Runs an administrator's action on a job (retry, discard), journaled; conflict when the job's
// state does not allow it.
Result<json> change_job(store::Database& db, const Clock& clock, const engine::Principal& p, std::int64_t id,
                        const char* action, const char* refusal, const char* to_state,
                        bool (*apply)(store::Connection&, std::int64_t, EpochMs)) {
  if (p.scope("job", "update") != Scope::all) return denied("update", "job");
  std::optional<store::Job> after;
  Status s = db.write([&](store::Connection& c) -> Status {
    auto j = store::get_job(c, id);
    if (!j) return not_found("job", id);
    if (!apply(c, id, clock.now_ms())) return Error::of(ErrorKind::conflict, refusal, {{"state", j->state}});
    store::journal_event(c, actor(p), clock.now_ms(), "job", id, "", action,
                         json{{"kind", j->kind}, {"state", {j->state, to_state}}, {"last_error", j->last_error}}.dump());
    after = store::get_job(c, id);
    return ok_status();
  });
  if (!s) return s.take_error();
  return store::job_json(*after);
}

}  // namespace

Result<json> WorkAdmin::retry_job(const engine::Principal& p, std::int64_t id) {
  return change_job(db_, clock_, p, id, "retry", "job.not_retriable", "pending", store::retry_job);
}

Result<json> WorkAdmin::discard_job(const engine::Principal& p, std::int64_t id) {
  return change_job(db_, clock_, p, id, "discard", "job.not_discardable", "cancelled", store::discard_job);
}

// ---- outbox

Result<json> WorkAdmin::notifications(const engine::Principal& p, const Query& q) {
  Scope scope = p.scope("notification", "read");
  if (scope == Scope::none) return denied("read", "notification");
  auto lp = read_params(q, {"state", "channel", "event", "record", "recipient"});
  if (!lp) return lp.take_error();
  auto state = one_of(*lp, "state", kNotificationStates);
  if (!state) return state.take_error();
  auto channel = one_of(*lp, "channel", {"email", "webhook"});
  if (!channel) return channel.take_error();
  std::set<std::string> events(jobs::event_names().begin(), jobs::event_names().end());
  auto event = one_of(*lp, "event", events);
  if (!event) return event.take_error();
  store::NotificationFilter f;
  f.state = *state;
  f.channel = *channel;
  f.event = *event;
  f.before_id = lp->before;
  f.limit = lp->limit;
  json items = json::array();
  std::int64_t last = 0;
  db_.read([&](store::Connection& c) {
    if (auto it = lp->values.find("record"); it != lp->values.end()) {
      // A record by its number: INC-000123.
      store::RecordStore records(catalogue_, c.dialect());
      bool found = false;
      for (auto& t : catalogue_.types()) {
        if (it->second.rfind(t->number_prefix + "-", 0) != 0) continue;
        if (auto r = records.find_by_number(c, *t, it->second)) {
          f.record_type = t->name;
          f.record_id = r->id;
          found = true;
        }
      }
      if (!found) f.record_id = -1;  // matches nothing, and tells nothing of what exists
    }
    if (auto it = lp->values.find("recipient"); it != lp->values.end()) {
      auto u = store::find_user_by_name(c, it->second);
      f.recipient_user_id = u ? u->id : -1;
    }
    if (scope == Scope::own) {
      if (f.recipient_user_id && *f.recipient_user_id != p.user_id) f.recipient_user_id = -1;
      else f.recipient_user_id = p.user_id;
    } else if (auto orgs = org_filter(p, scope)) {
      f.orgs = *orgs;
      if (f.orgs.empty()) f.orgs = {-1};
    }
    for (auto& n : store::list_notifications(c, f)) {
      json item = Notifier::to_json(n, nullptr);
      if (scope != Scope::all && n.channel == "webhook") item["recipient"] = redact_url(n.recipient);
      items.push_back(std::move(item));
      last = n.id;
    }
  });
  return page(std::move(items), f.limit, last);
}

Result<json> WorkAdmin::notification(const engine::Principal& p, std::int64_t id) {
  Scope scope = p.scope("notification", "read");
  if (scope == Scope::none) return denied("read", "notification");
  std::optional<store::Notification> n;
  std::vector<store::DeliveryAttempt> attempts;
  bool recipient_known = false;
  db_.read([&](store::Connection& c) {
    n = store::find_notification(c, id);
    if (n) attempts = store::notification_attempts(c, id);
    recipient_known = n && !p.orgs.empty() && store::recipient_in_orgs(c, *n, p.orgs);
  });
  bool visible = n && (scope == Scope::all ||
                       (scope == Scope::own && n->recipient_user_id == p.user_id) ||
                       (scope == Scope::organization && n->org_id && p.in_org(*n->org_id) && recipient_known));
  if (!visible) return not_found("notification", id);
  json out = Notifier::to_json(*n, &attempts);
  if (scope != Scope::all && n->channel == "webhook") out["recipient"] = redact_url(n->recipient);
  return out;
}

// ---- subscriptions

namespace {

// Reads and checks a subscription body onto `s`; `creating` makes the core fields required.
std::optional<Error> read_subscription(store::Connection& c, const model::Catalogue& catalogue, const json& body,
                                       store::Subscription& s, bool creating, bool& new_secret) {
  BodyReader r(body, {"name", "event", "record_type", "conditions", "recipient_kind", "recipient", "channel", "secret",
                      "org", "mandatory", "active"},
               "subscription");
  if (r.not_object()) return r.failure();
  if (auto v = r.text("name", creating, 200)) s.name = *v;
  if (auto v = r.text("event", creating, 50)) {
    const auto& names = jobs::event_names();
    if (std::find(names.begin(), names.end(), *v) == names.end()) {
      std::string allowed;
      for (auto& n : names) allowed += (allowed.empty() ? "" : ", ") + n;
      r.error("event", "field.enum", {{"allowed", allowed}});
    } else {
      s.event = *v;
    }
  }
  if (auto v = r.text("record_type", creating, 100)) {
    if (*v != "*" && !catalogue.type(*v)) r.error("record_type", "role.unknown_type", {{"value", *v}});
    else s.record_type = *v;
  }
  if (auto v = r.text("recipient_kind", creating, 20)) {
    if (!kRecipientKinds.count(*v)) r.error("recipient_kind", "field.enum", {{"allowed", "user, group, role, field, assignee, url"}});
    else s.recipient_kind = *v;
  }
  if (auto v = r.text("recipient", false, 2000)) s.recipient = *v;
  if (auto v = r.text("channel", false, 20)) {
    if (*v != "email" && *v != "webhook") r.error("channel", "field.enum", {{"allowed", "email, webhook"}});
    else s.channel = *v;
  }
  if (s.channel.empty()) s.channel = s.recipient_kind == "url" ? "webhook" : "email";
  if (auto v = r.text("secret", false, 200)) s.secret = *v;
  if (auto v = r.boolean("mandatory")) s.mandatory = *v;
  if (auto v = r.boolean("active")) s.active = *v;
  if (r.has("org")) {
    const json& o = *r.raw("org");
    if (o.is_null()) {
      s.org_id.reset();
    } else {
      const model::TypeDef* org_t = catalogue.type("organization");
      store::RecordStore records(catalogue, c.dialect());
      std::optional<store::Record> rec;
      if (org_t && o.is_number_integer()) rec = records.find(c, *org_t, o.get<std::int64_t>());
      else if (org_t && o.is_string()) rec = records.find_by_number(c, *org_t, o.get<std::string>());
      if (!rec || rec->deleted_at) r.error("org", "field.ref_not_found", {{"value", o.dump()}, {"target", "organization"}});
      else s.org_id = rec->id;
    }
  }
  if (const json* cond = r.raw("conditions")) {
    if (!cond->is_object()) {
      r.error("conditions", "subscription.conditions");
    } else {
      const model::TypeDef* t = s.record_type == "*" ? nullptr : catalogue.type(s.record_type);
      for (auto& [k, v] : cond->items()) {
        bool known = k == "state" || (t && t->field(k));
        bool scalar = v.is_string() || v.is_number() || v.is_boolean() || v.is_array();
        if (!known || !scalar) r.error("conditions." + k, "subscription.condition_field");
      }
      s.conditions = cond->dump();
    }
  }
  // The recipient must exist and suit its kind; a webhook goes to an http(s) URL.
  if (r.ok()) {
    const std::string& k = s.recipient_kind;
    if (k == "url") {
      bool url = s.recipient.rfind("http://", 0) == 0 || s.recipient.rfind("https://", 0) == 0;
      if (!url) r.error("recipient", "subscription.url");
      if (s.channel != "webhook") r.error("channel", "subscription.url_channel");
    } else {
      if (s.channel != "email") r.error("channel", "subscription.email_channel");
      if (k == "assignee") {
        s.recipient.clear();
      } else if (s.recipient.empty()) {
        r.error("recipient", "field.required");
      } else if (k == "user" && !store::find_user_by_name(c, s.recipient)) {
        r.error("recipient", "field.user_not_found", {{"value", s.recipient}});
      } else if (k == "group" && !store::find_group_by_name(c, s.recipient)) {
        r.error("recipient", "field.ref_not_found", {{"value", s.recipient}, {"target", "group"}});
      } else if (k == "role" && !store::find_role_by_name(c, s.recipient)) {
        r.error("recipient", "field.ref_not_found", {{"value", s.recipient}, {"target", "role"}});
      } else if (k == "field") {
        const model::TypeDef* t = s.record_type == "*" ? nullptr : catalogue.type(s.record_type);
        const model::FieldDef* f = t ? t->field(s.recipient) : nullptr;
        if (!f || f->type != model::FieldType::user) r.error("recipient", "subscription.user_field");
      }
    }
  }
  if (!r.ok()) return r.failure();
  new_secret = false;
  if (s.channel == "webhook" && s.secret.empty()) {
    s.secret = random_token(32);
    new_secret = true;
  }
  if (s.channel == "email") s.secret.clear();
  return std::nullopt;
}

}  // namespace

Result<json> WorkAdmin::subscriptions(const engine::Principal& p) {
  if (p.scope("subscription", "read") != Scope::all) return denied("read", "subscription");
  json items = json::array();
  db_.read([&](store::Connection& c) {
    for (auto& s : store::list_subscriptions(c)) items.push_back(subscription_json(s));
  });
  return json{{"items", items}};
}

Result<json> WorkAdmin::subscription(const engine::Principal& p, std::int64_t id) {
  if (p.scope("subscription", "read") != Scope::all) return denied("read", "subscription");
  std::optional<store::Subscription> s;
  db_.read([&](store::Connection& c) { s = store::find_subscription(c, id); });
  if (!s) return not_found("subscription", id);
  return subscription_json(*s);
}

Result<json> WorkAdmin::create_subscription(const engine::Principal& p, const json& body) {
  if (p.scope("subscription", "create") != Scope::all) return denied("create", "subscription");
  store::Subscription s;
  bool new_secret = false;
  Status st = db_.write([&](store::Connection& c) -> Status {
    s = store::Subscription{};
    if (auto e = read_subscription(c, catalogue_, body, s, true, new_secret)) return *e;
    s.created_at = s.updated_at = clock_.now_ms();
    s.created_by = p.username.empty() ? "system" : p.username;
    store::insert_subscription(c, s);
    json shown = subscription_json(s);
    shown.erase("created_at");
    shown.erase("updated_at");
    store::journal_event(c, actor(p), s.created_at, "subscription", s.id, "", "create", json{{"after", shown}}.dump());
    return ok_status();
  });
  if (!st) return st.take_error();
  json out = subscription_json(s);
  if (new_secret) out["secret"] = s.secret;  // shown once; kept to sign each delivery
  return out;
}

Result<json> WorkAdmin::update_subscription(const engine::Principal& p, std::int64_t id, const json& body,
                                            std::optional<std::int64_t> expected_version) {
  if (p.scope("subscription", "update") != Scope::all) return denied("update", "subscription");
  store::Subscription s;
  bool new_secret = false;
  Status st = db_.write([&](store::Connection& c) -> Status {
    auto found = store::find_subscription(c, id);
    if (!found) return not_found("subscription", id);
    if (expected_version && *expected_version != found->version)
      return Error::of(ErrorKind::precondition_failed, "record.stale",
                       {{"expected", std::to_string(*expected_version)}, {"current", std::to_string(found->version)}});
    s = *found;
    if (auto e = read_subscription(c, catalogue_, body, s, false, new_secret)) return *e;
    s.updated_at = clock_.now_ms();
    if (!store::update_subscription(c, s, found->version))
      return Error::of(ErrorKind::precondition_failed, "record.stale",
                       {{"expected", std::to_string(found->version)}, {"current", "?"}});
    json before = subscription_json(*found), after = subscription_json(s);
    json changes = json::object();
    for (auto& [k, v] : after.items())
      if (k != "updated_at" && k != "version" && before[k] != v) changes[k] = {before[k], v};
    if (found->secret != s.secret) changes["secret"] = {"(hidden)", "(changed)"};
    store::journal_event(c, actor(p), s.updated_at, "subscription", s.id, "", "update", changes.dump());
    s.version = found->version + 1;
    return ok_status();
  });
  if (!st) return st.take_error();
  json out = subscription_json(s);
  if (new_secret) out["secret"] = s.secret;
  return out;
}

Status WorkAdmin::delete_subscription(const engine::Principal& p, std::int64_t id) {
  if (p.scope("subscription", "delete") != Scope::all) return denied("delete", "subscription");
  return db_.write([&](store::Connection& c) -> Status {
    auto found = store::find_subscription(c, id);
    if (!found) return not_found("subscription", id);
    store::delete_subscription(c, id);
    store::journal_event(c, actor(p), clock_.now_ms(), "subscription", id, "", "delete",
                         json{{"before", subscription_json(*found)}}.dump());
    return ok_status();
  });
}

Result<json> WorkAdmin::my_subscriptions(const engine::Principal& p) {
  if (!p.user_id) return Error::of(ErrorKind::forbidden, "access.denied", {{"action", "read"}, {"type", "subscription"}});
  const bool may_mute = p.scope("subscription", "mute") != Scope::none;
  json items = json::array();
  db_.read([&](store::Connection& c) {
    auto muted = store::muted_subscriptions(c, *p.user_id);
    for (auto& s : store::list_subscriptions(c)) {
      if (!s.active || s.channel != "email") continue;
      // The ones that can reach this user: by name, role, group, or as assignee / in a field.
      bool reaches = s.recipient_kind == "assignee" || s.recipient_kind == "field" ||
                     (s.recipient_kind == "user" && s.recipient == p.username) ||
                     (s.recipient_kind == "role" && p.has_role(s.recipient));
      if (s.recipient_kind == "group")
        for (auto id : store::active_group_member_ids(c, s.recipient)) reaches = reaches || id == p.user_id;
      if (!reaches) continue;
      bool is_muted = std::find(muted.begin(), muted.end(), s.id) != muted.end();
      items.push_back({{"id", s.id}, {"name", s.name}, {"event", s.event}, {"record_type", s.record_type},
                       {"recipient_kind", s.recipient_kind}, {"mandatory", s.mandatory}, {"muted", is_muted},
                       {"may_mute", may_mute && !s.mandatory}});
    }
  });
  return json{{"items", items}};
}

Status WorkAdmin::set_mute(const engine::Principal& p, std::int64_t id, bool muted) {
  if (!p.user_id || p.scope("subscription", "mute") == Scope::none) return denied("mute", "subscription");
  return db_.write([&](store::Connection& c) -> Status {
    auto s = store::find_subscription(c, id);
    if (!s || !s->active || s->channel != "email") return not_found("subscription", id);
    if (s->mandatory && muted) return Error::of(ErrorKind::conflict, "subscription.mandatory", {{"name", s->name}});
    store::set_mute(c, *p.user_id, id, muted, clock_.now_ms());
    store::journal_event(c, actor(p), clock_.now_ms(), "subscription", id, "", muted ? "mute" : "unmute",
                         json{{"user", p.username}}.dump());
    return ok_status();
  });
}

}  // namespace kanri::notify
