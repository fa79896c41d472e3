// Events that people may be notified of. A change to a record, a due activity or an SLA
// threshold emits an event in the transaction that causes it; the notifier (notify/) turns it
// into notifications later, on a worker. Emitting costs one index read when nobody subscribes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/time.h"
#include "engine/rules.h"
#include "store/database.h"

namespace kanri::jobs {

// The job kind that carries an event to the notifier.
inline constexpr const char* kEventJob = "notify.event";

// The events a subscription may name.
const std::vector<std::string>& event_names();

struct Event {
  std::string name;              // one of event_names()
  std::string record_type;
  std::int64_t record_id = 0;
  std::optional<std::int64_t> org_id;
  std::optional<std::int64_t> actor_id;  // who caused it; none for the system
  std::string actor;                     // their display name
  // Event-specific facts for the templates: "transition", "changes", "assignee_id",
  // "activity", "threshold", "comment", "approval", "task"; "recipient_ids": users the process
  // itself names, told whatever the subscriptions (an SLA threshold's notify action).
  nlohmann::json data = nlohmann::json::object();
};

// Enqueues the event in the caller's transaction, unless no active subscription listens to it
// and it names no recipients.
// Returns whether it was enqueued.
bool emit_event(store::Connection& c, const Event& e, EpochMs now);

// Emits created, assigned (a user put in one of the type's owner fields) and state_changed
// for every record write.
void observe_record_events(engine::RuleRegistry& rules);

// The scheduler of this process registers itself to be woken when a job was just enqueued here.
void set_wake(std::function<void()> fn);
void wake();

}  // namespace kanri::jobs
