#include "notify/defaults.h"

#include <cstdlib>

#include <nlohmann/json.hpp>

#include "store/journal.h"
#include "store/notifications.h"

namespace kanri::notify {

std::vector<std::string> sync_default_subscriptions(store::Connection& c, EpochMs now) {
  // The defaults come in generations: a database gets each generation once, so a default an
  // administrator removed or changed stays as they left it.
  store::Rows seen = c.query("SELECT value FROM kanri_meta WHERE key = 'default_subscriptions'");
  const int done_generation = seen.empty() ? 0 : std::atoi(as_text(seen[0][0]).c_str());
  struct Default {
    int generation;
    const char* name;
    const char* event;
    const char* type;
    const char* kind;
    const char* recipient;
    bool mandatory;
  };
  static const Default defaults[] = {
      {1, "Assigned to me", "assigned", "*", "assignee", "", false},
      {1, "My periodic activity is due", "activity_due", "periodic_activity", "assignee", "", true},
      {1, "My periodic activity is overdue", "activity_overdue", "periodic_activity", "assignee", "", true},
      {1, "Overdue periodic activities (service owners)", "activity_overdue", "periodic_activity", "role", "service_owner", false},
      {1, "Overdue periodic activities (top management)", "activity_overdue", "periodic_activity", "role", "top_management", true},
      // ISO/IEC 20000-1 8.6.1: top management shall be informed of major incidents.
      {2, "Major incidents (top management)", "major_incident", "incident", "role", "top_management", true},
      {2, "Major incidents (major incident manager)", "major_incident", "incident", "field", "major_manager", true},
  };
  constexpr int kGeneration = 2;
  std::vector<std::string> done;
  for (auto& d : defaults) {
    if (d.generation <= done_generation) continue;
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
  if (done_generation >= kGeneration) return done;
  if (seen.empty()) c.run("INSERT INTO kanri_meta (key, value) VALUES ('default_subscriptions', ?)", {Value(std::to_string(kGeneration))});
  else c.run("UPDATE kanri_meta SET value = ? WHERE key = 'default_subscriptions'", {Value(std::to_string(kGeneration))});
  return done;
}

}  // namespace kanri::notify
