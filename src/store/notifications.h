// Subscriptions (who is told of what), users' mutes, and the outbox of notifications.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/time.h"
#include "store/database.h"

namespace kanri::store {

struct Subscription {
  std::int64_t id = 0;
  std::string name;
  std::string event;            // created, assigned, state_changed, commented, sla_threshold, …
  std::string record_type;      // a type's name, or "*"
  std::string conditions = "{}";  // JSON object: field (or "state") -> value that must match
  std::string recipient_kind;   // user, group, role, field, assignee, url
  std::string recipient;        // username, group name, role name, field name, "" or the URL
  std::string channel;          // email or webhook
  std::string secret;           // webhook signing secret; never shown
  std::optional<std::int64_t> org_id;  // only records of this organization; none = every one
  bool mandatory = false;       // recipients cannot mute it
  bool active = true;
  EpochMs created_at = 0, updated_at = 0;
  std::int64_t version = 1;
  std::string created_by;
};

void insert_subscription(Connection& c, Subscription& s);
bool update_subscription(Connection& c, const Subscription& s, std::int64_t expected_version);
void delete_subscription(Connection& c, std::int64_t id);
std::optional<Subscription> find_subscription(Connection& c, std::int64_t id);
std::vector<Subscription> list_subscriptions(Connection& c);
// Active subscriptions to `event` on `type` (or on every type).
std::vector<Subscription> matching_subscriptions(Connection& c, const std::string& event, const std::string& type);
// Whether any active subscription listens to one of `events` on `type`: one index read, so a
// write that nobody is subscribed to costs no job.
bool any_subscription(Connection& c, const std::vector<std::string>& events, const std::string& type);
// Which of `events` an active subscription listens to on `type` (one query for all of them).
std::set<std::string> subscribed_events(Connection& c, const std::vector<std::string>& events, const std::string& type);

std::vector<std::int64_t> muted_subscriptions(Connection& c, std::int64_t user_id);
void set_mute(Connection& c, std::int64_t user_id, std::int64_t subscription_id, bool muted, EpochMs now);

// Users holding a role, directly or through an active group; and a group's active members.
std::vector<std::int64_t> role_holder_ids(Connection& c, const std::string& role);
std::vector<std::int64_t> active_group_member_ids(Connection& c, const std::string& group);

struct Notification {
  std::int64_t id = 0;
  std::string dedupe;
  std::string event;
  std::string record_type;
  std::optional<std::int64_t> record_id;
  std::string record_number;
  std::optional<std::int64_t> org_id;
  std::optional<std::int64_t> subscription_id;
  std::optional<std::int64_t> recipient_user_id;
  std::string recipient;   // e-mail address or URL
  std::string channel;     // email or webhook
  std::string template_name;
  std::string language;
  std::string subject, body;
  std::string state = "queued";  // queued, retrying, sent, dead, skipped
  int attempts = 0;
  std::string last_error;
  std::string message_id;
  EpochMs created_at = 0, updated_at = 0;
  std::optional<EpochMs> sent_at;
};

// Inserts unless a notification with the same dedupe key exists; returns its id, or nullopt
// when it existed (a retried event).
std::optional<std::int64_t> insert_notification(Connection& c, Notification& n);
std::optional<Notification> find_notification(Connection& c, std::int64_t id);
// Whether the notification went to no person, or to a member of one of `orgs`.
bool recipient_in_orgs(Connection& c, const Notification& n, const std::vector<std::int64_t>& orgs);
void update_notification_delivery(Connection& c, std::int64_t id, const std::string& state, int attempts,
                                  const std::string& error, EpochMs now, std::optional<EpochMs> sent_at);

// One attempt to deliver, for the delivery log.
struct DeliveryAttempt {
  std::int64_t notification_id = 0;
  int attempt = 0;
  EpochMs at = 0;
  bool ok = false;
  int code = 0;
  std::string reply;
  std::int64_t duration_ms = 0;
  std::string node;
};
void insert_attempt(Connection& c, const DeliveryAttempt& a);
std::vector<DeliveryAttempt> notification_attempts(Connection& c, std::int64_t notification_id);

struct NotificationFilter {
  std::string state, channel, event, record_type;
  std::optional<std::int64_t> record_id;
  std::optional<std::int64_t> recipient_user_id;
  std::vector<std::int64_t> orgs;  // empty = every organization
  // With orgs: only notifications to no person, or to a member of one of these organizations
  // (a reader of an organization's outbox does not learn other organizations' people).
  std::int64_t before_id = 0;
  int limit = 50;
};
std::vector<Notification> list_notifications(Connection& c, const NotificationFilter& f);

}  // namespace kanri::store
