#include "processes/service_level/threshold_actions.h"

#include <algorithm>

#include "processes/record_fields.h"
#include "store/accounts.h"

namespace kanri::processes::service_level {

using json = nlohmann::json;

namespace {

bool known_threshold(int percent) {
  return std::find(std::begin(kThresholds), std::end(kThresholds), percent) != std::end(kThresholds);
}

bool is_priority(const std::string& p) { return p == "p1" || p == "p2" || p == "p3" || p == "p4"; }

}  // namespace

Result<std::vector<ThresholdAction>> read_threshold_actions(store::Connection& c, engine::RecordService& records,
                                                             const json& actions) {
  std::vector<ThresholdAction> out;
  if (actions.is_null()) return out;
  if (!actions.is_array()) return Error::invalid({{"threshold_actions", "target.actions_list", {}}});
  std::vector<FieldError> errors;
  const model::TypeDef* groups = records.catalogue().type("support_group");
  for (std::size_t i = 0; i < actions.size(); ++i) {
    const json& a = actions[i];
    const MessageArgs at{{"index", std::to_string(i + 1)}, {"value", a.dump()}};
    if (!a.is_object() || !a.contains("at") || !a["at"].is_number_integer() || !known_threshold(a["at"].get<int>())) {
      errors.push_back({"threshold_actions", "target.action_at", at});
      continue;
    }
    ThresholdAction t;
    t.at = a["at"].get<int>();
    t.action = a.value("action", "");
    for (auto& [key, value] : a.items())
      if (key != "at" && key != "action" && key != "to" && key != "group" && key != "priority")
        errors.push_back({"threshold_actions", "target.action_key", {{"index", std::to_string(i + 1)}, {"key", key}}});
    // What each action takes besides at and action.
    auto only = [&](const char* wanted) {
      for (const char* key : {"to", "group", "priority"})
        if (std::string(key) != wanted && a.contains(key))
          errors.push_back({"threshold_actions", "target.action_key", {{"index", std::to_string(i + 1)}, {"key", key}}});
    };
    if (t.action == "notify") {
      only("to");
      t.to = a.contains("to") && a["to"].is_string() ? a["to"].get<std::string>() : "";
      if (t.to != "assignee" && t.to != "group_manager") {
        auto u = t.to.empty() ? std::nullopt : store::find_user_by_name(c, t.to);
        if (!u || !u->active) errors.push_back({"threshold_actions", "target.action_to", at});
        else t.user = u->id;
      }
    } else if (t.action == "escalate") {
      only("group");
      std::optional<store::Record> g;
      const json& gv = a.contains("group") ? a["group"] : json();
      if (groups && gv.is_number_integer()) g = records.store().find(c, *groups, gv.get<std::int64_t>());
      else if (groups && gv.is_string()) g = records.store().find_by_number(c, *groups, gv.get<std::string>());
      if (!g || g->deleted_at) errors.push_back({"threshold_actions", "target.action_group", at});
      else t.group = g->id;
    } else if (t.action == "raise_priority") {
      only("priority");
      t.priority = a.contains("priority") && a["priority"].is_string() ? a["priority"].get<std::string>() : "";
      if (a.contains("priority") && !is_priority(t.priority)) errors.push_back({"threshold_actions", "target.action_priority", at});
    } else {
      errors.push_back({"threshold_actions", "target.action_kind", at});
    }
    out.push_back(std::move(t));
  }
  if (!errors.empty()) return Error::invalid(std::move(errors));
  return out;
}

Result<ThresholdOutcome> run_threshold_actions(store::Connection& c, engine::RecordService& records,
                                               const store::Record& ticket, const std::vector<ThresholdAction>& actions,
                                               int percent, const std::string& reason) {
  ThresholdOutcome out;
  const model::TypeDef* groups = records.catalogue().type("support_group");
  store::Record current = ticket;
  for (const ThresholdAction& a : actions) {
    if (a.at != percent) continue;
    if (a.action == "notify") {
      std::optional<std::int64_t> who = a.user;
      if (a.to == "assignee") who = opt_int(current, "assignee");
      if (a.to == "group_manager")
        if (auto g = opt_int(current, "group"); g && groups)
          if (auto group = records.store().find(c, *groups, *g)) who = opt_int(*group, "manager");
      if (who && std::find(out.notify_users.begin(), out.notify_users.end(), *who) == out.notify_users.end()) {
        out.notify_users.push_back(*who);
        out.done.push_back("notify " + a.to);
      }
      continue;
    }
    json fields = json::object();
    std::string action, done;
    if (a.action == "escalate") {
      if (!a.group || !current.type->field("group") || opt_int(current, "group") == a.group) continue;
      fields["group"] = *a.group;
      if (current.type->field("escalation_reason")) fields["escalation_reason"] = reason;
      auto g = groups ? records.store().find(c, *groups, *a.group) : std::nullopt;
      action = "sla_escalate";
      done = "escalate " + (g ? g->number : std::to_string(*a.group));
    } else if (a.action == "raise_priority") {
      const std::string now = text(current, "priority");
      const std::string to = a.priority.empty() ? one_priority_higher(now) : a.priority;
      if (now.empty() || to >= now) continue;  // "p1" < "p2": already as high
      // change_within runs no write rule, so the priority is set as the incident's rule would
      // set it from an override (the override wins), the override kept for later writes.
      fields["priority"] = to;
      if (current.type->field("priority_override")) {
        fields["priority_override"] = to;
        fields["priority_reason"] = reason;
      }
      action = "sla_raise_priority";
      done = "raise_priority " + to;
    } else {
      continue;
    }
    auto changed = records.change_within(c, engine::Principal::system(), current, fields, action);
    if (!changed) return changed.take_error();
    current = std::move(*changed);
    out.done.push_back(std::move(done));
  }
  return out;
}

}  // namespace kanri::processes::service_level
