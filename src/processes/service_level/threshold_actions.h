// What a target's threshold timers do besides telling subscribers (the sla_threshold event):
// the target's threshold_actions, e.g. [{"at": 75, "action": "escalate", "group": "GRP-000003"}]
// — notify people (the assignee, the manager of the ticket's group, a named user), escalate
// the ticket to a support group, raise its priority. Checked when
// the target is written; carried out by the sla.threshold job in the transaction that marks
// the threshold, each journaled on the ticket.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "engine/record_service.h"

namespace kanri::processes::service_level {

// The shares of a target at which a running clock's timer fires.
inline constexpr int kThresholds[] = {50, 75, 100};

struct ThresholdAction {
  int at = 0;                          // one of kThresholds
  std::string action;                  // notify, escalate, raise_priority
  std::string to;                      // notify: assignee, group_manager or a username
  std::optional<std::int64_t> user;    // notify a named user: their id
  std::optional<std::int64_t> group;   // escalate: the support group's id
  std::string priority;                // raise_priority: to this (p1…p4), else one step higher
};

// The target's actions, checked: each error names threshold_actions and the item at fault.
Result<std::vector<ThresholdAction>> read_threshold_actions(store::Connection& c, engine::RecordService& records,
                                                             const nlohmann::json& actions);

// The people to notify at `percent` (the sla_threshold event's recipient_ids), and the other actions done:
// escalation (the ticket's group set, journaled as sla_escalate) and a raised priority
// (journaled as sla_raise_priority; an incident's priority_override with the reason). An
// action that would change nothing (already that group, priority already as high) is skipped.
struct ThresholdOutcome {
  std::vector<std::int64_t> notify_users;
  std::vector<std::string> done;  // "notify group_manager", "escalate GRP-000003", "raise_priority p1"
};
Result<ThresholdOutcome> run_threshold_actions(store::Connection& c, engine::RecordService& records,
                                               const store::Record& ticket, const std::vector<ThresholdAction>& actions,
                                               int percent, const std::string& reason);

}  // namespace kanri::processes::service_level
