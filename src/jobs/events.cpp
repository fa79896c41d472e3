#include "jobs/events.h"

#include <mutex>
#include <set>

#include "core/crypto.h"
#include "engine/field_codec.h"
#include "store/jobs.h"
#include "store/notifications.h"
#include "store/record_extras.h"

namespace kanri::jobs {

using json = nlohmann::json;

namespace {

std::mutex wake_mu;
std::function<void()> wake_fn;

// A record change's events: its creation, a new person in one of its owner fields
// (assignment), and a lifecycle transition.
struct Derived {
  std::string name;
  json data;
};

std::vector<Derived> derive_events(const engine::RecordChange& ch) {
  std::vector<Derived> out;
  const model::TypeDef& t = *ch.record.type;
  const bool creating = ch.action == "create";
  if (creating) out.push_back({"created", {{"changes", ch.changes}}});
  if (ch.action.rfind("transition:", 0) == 0) {
    json from = nullptr, to = ch.record.state;
    if (ch.changes.contains("state") && ch.changes["state"].is_array()) from = ch.changes["state"][0];
    out.push_back({"state_changed", {{"transition", ch.action.substr(11)}, {"from", from}, {"to", to},
                                     {"changes", ch.changes}}});
  }
  // A comment or work-log entry (engine/record_extras.h): the templates show its text. Whether
  // a recipient may see a work-log entry is the notifier's check (update on the record).
  if (ch.action == "comment" && ch.changes.contains("comment_id") && ch.changes["comment_id"].is_number_integer()) {
    if (auto c = store::find_comment(ch.connection, ch.changes["comment_id"].get<std::int64_t>()))
      out.push_back({"commented", {{"comment", {{"id", c->id}, {"kind", c->kind}, {"body", c->body},
                                                {"author", c->author}}}}});
  }
  if (creating || ch.action == "update" || ch.action.rfind("transition:", 0) == 0) {
    for (auto& name : t.owner_fields) {
      if (!ch.changes.contains(name)) continue;
      const json& change = ch.changes[name];
      if (change.is_array() && change.size() == 2 && change[1].is_number_integer())
        out.push_back({"assigned", {{"field", name}, {"assignee_id", change[1]}, {"changes", ch.changes}}});
    }
  }
  return out;
}

}  // namespace

void set_wake(std::function<void()> fn) {
  std::lock_guard lock(wake_mu);
  wake_fn = std::move(fn);
}

void wake() {
  std::function<void()> fn;
  {
    std::lock_guard lock(wake_mu);
    fn = wake_fn;
  }
  if (fn) fn();
}

namespace {

// The event's job, whoever listens (the caller has checked that someone does). Takes the
// event's data: a record's snapshot and changes are copied into no other object on the way.
void enqueue_event(store::Connection& c, Event&& e, EpochMs now) {
  store::JobSpec spec;
  spec.kind = kEventJob;
  spec.due_at = now;
  spec.org_id = e.org_id;
  // The event's own id names what it makes (its notifications), whatever the job's id.
  spec.payload = {{"event", e.name},         {"event_id", random_token(12)}, {"record_type", e.record_type},
                  {"record_id", e.record_id}, {"actor", e.actor},            {"at", now}};
  spec.payload["data"] = std::move(e.data);
  if (e.actor_id) spec.payload["actor_id"] = *e.actor_id;
  store::schedule_job(c, spec, now);
}

}  // namespace

void observe_record_events(engine::RuleRegistry& rules) {
  rules.add_observer("*", [](const engine::RecordChange& ch) -> Status {
    bool any = false;
    json snapshot;
    std::vector<Derived> derived = derive_events(ch);
    if (derived.empty()) return ok_status();
    std::vector<std::string> names;
    for (auto& d : derived) names.push_back(d.name);
    // One query per write for all its events (a create is "created" and "assigned").
    const std::set<std::string> listened = store::subscribed_events(ch.connection, names, ch.record.type->name);
    for (auto& d : derived) {
      if (!listened.count(d.name)) continue;
      // The record as it was at the event: subscriptions' conditions are judged on it, not on
      // what it became by the time a worker runs the event. Made once per write.
      if (snapshot.is_null()) {
        snapshot = {{"state", ch.record.state}};
        for (auto& f : ch.record.type->fields)
          if (f.type != model::FieldType::longtext && f.type != model::FieldType::json)
            snapshot[f.name] = engine::encode_field(f, ch.record.get(f));
      }
      Event e{d.name, ch.record.type->name, ch.record.id, ch.record.org_id, ch.principal.user_id,
              ch.principal.display_name.empty() ? ch.principal.username : ch.principal.display_name,
              std::move(d.data)};
      e.data["snapshot"] = snapshot;
      enqueue_event(ch.connection, std::move(e), ch.at);
      any = true;
    }
    // Woken before the commit, the scheduler finds the job once the write is done (SQLite
    // serializes them) or at its next poll.
    if (any) wake();
    return ok_status();
  });
}

const std::vector<std::string>& event_names() {
  static const std::vector<std::string> names = {"created",      "assigned",           "state_changed",
                                                 "commented",    "sla_threshold",      "approval_requested",
                                                 "activity_due", "activity_overdue",   "major_incident"};
  return names;
}

bool emit_event(store::Connection& c, const Event& e, EpochMs now) {
  const bool named = e.data.contains("recipient_ids") && !e.data["recipient_ids"].empty();
  if (!named && !store::any_subscription(c, {e.name}, e.record_type)) return false;
  enqueue_event(c, Event(e), now);
  return true;
}

}  // namespace kanri::jobs
