#include "notify/defaults.h"

#include <nlohmann/json.hpp>

#include "store/journal.h"
#include "store/notifications.h"

namespace kanri::notify {

std::vector<std::string> sync_default_subscriptions(store::Connection& c, EpochMs now) {
  if (!c.query("SELECT 1 FROM kanri_meta WHERE key = 'default_subscriptions'").empty()) return {};
  struct Default {
    const char* name;
    const char* event;
    const char* type;
    const char* kind;
    const char* recipient;
    bool mandatory;
  };
  static const Default defaults[] = {
      {"Assigned to me", "assigned", "*", "assignee", "", false},
      {"My periodic activity is due", "activity_due", "periodic_activity", "assignee", "", true},
      {"My periodic activity is overdue", "activity_overdue", "periodic_activity", "assignee", "", true},
      {"Overdue periodic activities (service owners)", "activity_overdue", "periodic_activity", "role", "service_owner", false},
      {"Overdue periodic activities (top management)", "activity_overdue", "periodic_activity", "role", "top_management", true},
  };
  std::vector<std::string> done;
  for (auto& d : defaults) {
    store::Subscription s;
    s.name = d.name;
    s.event = d.event;
    s.record_type = d.type;
    s.recipient_kind = d.kind;
    s.recipient = d.recipient;
    s.channel = "email";
    s.mandatory = d.mandatory;
    s.created_at = s.updated_at = now;
    s.created_by = "system";
    store::insert_subscription(c, s);
    store::journal_event(c, store::Actor{}, now, "subscription", s.id, "", "create",
                         nlohmann::json{{"name", {nullptr, s.name}}, {"event", {nullptr, s.event}}}.dump());
    done.push_back(std::string("add the default subscription '") + d.name + "'");
  }
  c.run("INSERT INTO kanri_meta (key, value) VALUES ('default_subscriptions', '1')");
  return done;
}

}  // namespace kanri::notify
