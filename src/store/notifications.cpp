#include "store/notifications.h"

#include "store/sql_text.h"

namespace kanri::store {

namespace {

constexpr const char* kSubscriptionColumns =
    "id, name, event, record_type, conditions, recipient_kind, recipient, channel, secret, org_id, mandatory, active, "
    "created_at, updated_at, version, created_by";

Subscription read_subscription(const std::vector<Value>& r) {
  Subscription s;
  s.id = as_int(r[0]);
  s.name = as_text(r[1]);
  s.event = as_text(r[2]);
  s.record_type = as_text(r[3]);
  s.conditions = as_text(r[4]);
  s.recipient_kind = as_text(r[5]);
  s.recipient = as_text(r[6]);
  s.channel = as_text(r[7]);
  s.secret = as_text(r[8]);
  s.org_id = opt_int(r[9]);
  s.mandatory = as_int(r[10]) != 0;
  s.active = as_int(r[11]) != 0;
  s.created_at = as_int(r[12]);
  s.updated_at = as_int(r[13]);
  s.version = as_int(r[14]);
  s.created_by = as_text(r[15]);
  return s;
}

std::vector<Subscription> read_subscriptions(const Rows& rows) {
  std::vector<Subscription> out;
  for (auto& r : rows.rows) out.push_back(read_subscription(r));
  return out;
}

constexpr const char* kNotificationColumns =
    "id, dedupe, event, record_type, record_id, record_number, org_id, subscription_id, recipient_user_id, recipient, "
    "channel, template, language, subject, body, state, attempts, last_error, message_id, created_at, updated_at, "
    "sent_at";

Notification read_notification(const std::vector<Value>& r) {
  Notification n;
  n.id = as_int(r[0]);
  n.dedupe = as_text(r[1]);
  n.event = as_text(r[2]);
  n.record_type = as_text(r[3]);
  n.record_id = opt_int(r[4]);
  n.record_number = as_text(r[5]);
  n.org_id = opt_int(r[6]);
  n.subscription_id = opt_int(r[7]);
  n.recipient_user_id = opt_int(r[8]);
  n.recipient = as_text(r[9]);
  n.channel = as_text(r[10]);
  n.template_name = as_text(r[11]);
  n.language = as_text(r[12]);
  n.subject = as_text(r[13]);
  n.body = as_text(r[14]);
  n.state = as_text(r[15]);
  n.attempts = static_cast<int>(as_int(r[16]));
  n.last_error = as_text(r[17]);
  n.message_id = as_text(r[18]);
  n.created_at = as_int(r[19]);
  n.updated_at = as_int(r[20]);
  n.sent_at = opt_int(r[21]);
  return n;
}

std::int64_t flag(bool b) { return b ? 1 : 0; }

}  // namespace

void insert_subscription(Connection& c, Subscription& s) {
  Rows id = c.query("INSERT INTO subscriptions (name, event, record_type, conditions, recipient_kind, recipient, channel, "
                    "secret, org_id, mandatory, active, created_at, updated_at, version, created_by) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?) RETURNING id",
                    {s.name, s.event, s.record_type, s.conditions, s.recipient_kind, s.recipient, s.channel,
                     s.secret.empty() ? Value() : Value(s.secret), opt(s.org_id), flag(s.mandatory), flag(s.active),
                     s.created_at, s.updated_at, s.created_by});
  s.id = as_int(id[0][0]);
  s.version = 1;
}

bool update_subscription(Connection& c, const Subscription& s, std::int64_t expected_version) {
  return c.run("UPDATE subscriptions SET name = ?, event = ?, record_type = ?, conditions = ?, recipient_kind = ?, "
               "recipient = ?, channel = ?, secret = ?, org_id = ?, mandatory = ?, active = ?, updated_at = ?, "
               "version = version + 1 WHERE id = ? AND version = ?",
               {s.name, s.event, s.record_type, s.conditions, s.recipient_kind, s.recipient, s.channel,
                s.secret.empty() ? Value() : Value(s.secret), opt(s.org_id), flag(s.mandatory), flag(s.active),
                s.updated_at, s.id, expected_version}) > 0;
}

void delete_subscription(Connection& c, std::int64_t id) {
  c.run("DELETE FROM subscription_mutes WHERE subscription_id = ?", {id});
  // The outbox keeps its notifications; they only lose the link to the rule that made them.
  c.run("UPDATE notifications SET subscription_id = NULL WHERE subscription_id = ?", {id});
  c.run("DELETE FROM subscriptions WHERE id = ?", {id});
}

std::optional<Subscription> find_subscription(Connection& c, std::int64_t id) {
  Rows r = c.query(std::string("SELECT ") + kSubscriptionColumns + " FROM subscriptions WHERE id = ?", {id});
  if (r.empty()) return std::nullopt;
  return read_subscription(r[0]);
}

std::vector<Subscription> list_subscriptions(Connection& c) {
  return read_subscriptions(c.query(std::string("SELECT ") + kSubscriptionColumns + " FROM subscriptions ORDER BY id"));
}

std::vector<Subscription> matching_subscriptions(Connection& c, const std::string& event, const std::string& type) {
  return read_subscriptions(c.query(std::string("SELECT ") + kSubscriptionColumns +
                                        " FROM subscriptions WHERE active = 1 AND event = ? AND record_type IN (?, '*') "
                                        "ORDER BY id",
                                    {event, type}));
}

bool any_subscription(Connection& c, const std::vector<std::string>& events, const std::string& type) {
  if (events.empty()) return false;
  std::vector<Value> params;
  std::string in = in_list(events, params);
  params.emplace_back(type);
  return !c.query("SELECT 1 FROM subscriptions WHERE event IN (" + in + ") AND record_type IN (?, '*') AND active = 1 "
                  "LIMIT 1",
                  params)
              .empty();
}

std::set<std::string> subscribed_events(Connection& c, const std::vector<std::string>& events, const std::string& type) {
  std::set<std::string> out;
  if (events.empty()) return out;
  std::vector<Value> params;
  std::string in = in_list(events, params);
  params.emplace_back(type);
  for (auto& r : c.query("SELECT DISTINCT event FROM subscriptions WHERE event IN (" + in +
                             ") AND record_type IN (?, '*') AND active = 1",
                         params)
                     .rows)
    out.insert(as_text(r[0]));
  return out;
}

std::vector<std::int64_t> muted_subscriptions(Connection& c, std::int64_t user_id) {
  std::vector<std::int64_t> out;
  for (auto& r : c.query("SELECT subscription_id FROM subscription_mutes WHERE user_id = ? ORDER BY subscription_id",
                         {user_id})
                     .rows)
    out.push_back(as_int(r[0]));
  return out;
}

void set_mute(Connection& c, std::int64_t user_id, std::int64_t subscription_id, bool muted, EpochMs now) {
  if (muted)
    c.run("INSERT INTO subscription_mutes (user_id, subscription_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
          {user_id, subscription_id, now});
  else
    c.run("DELETE FROM subscription_mutes WHERE user_id = ? AND subscription_id = ?", {user_id, subscription_id});
}

std::vector<std::int64_t> role_holder_ids(Connection& c, const std::string& role) {
  std::vector<std::int64_t> out;
  for (auto& r : c.query("SELECT ur.user_id FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE r.name = ? "
                         "UNION SELECT gm.user_id FROM group_members gm JOIN groups g ON g.id = gm.group_id "
                         "JOIN group_roles gr ON gr.group_id = g.id JOIN roles r ON r.id = gr.role_id "
                         "WHERE r.name = ? AND g.active = 1 ORDER BY 1",
                         {role, role})
                     .rows)
    out.push_back(as_int(r[0]));
  return out;
}

std::vector<std::int64_t> active_group_member_ids(Connection& c, const std::string& group) {
  std::vector<std::int64_t> out;
  for (auto& r : c.query("SELECT gm.user_id FROM group_members gm JOIN groups g ON g.id = gm.group_id "
                         "WHERE g.name = ? AND g.active = 1 ORDER BY gm.user_id",
                         {group})
                     .rows)
    out.push_back(as_int(r[0]));
  return out;
}

std::optional<std::int64_t> insert_notification(Connection& c, Notification& n) {
  Rows id = c.query("INSERT INTO notifications (dedupe, event, record_type, record_id, record_number, org_id, "
                    "subscription_id, recipient_user_id, recipient, channel, template, language, subject, body, state, "
                    "attempts, message_id, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?) ON CONFLICT (dedupe) DO NOTHING "
                    "RETURNING id",
                    {n.dedupe, n.event, n.record_type, opt(n.record_id), n.record_number, opt(n.org_id),
                     opt(n.subscription_id), opt(n.recipient_user_id), n.recipient, n.channel, n.template_name,
                     n.language, n.subject, n.body, n.state, n.message_id, n.created_at, n.updated_at});
  if (id.empty()) return std::nullopt;
  n.id = as_int(id[0][0]);
  return n.id;
}

bool recipient_in_orgs(Connection& c, const Notification& n, const std::vector<std::int64_t>& orgs) {
  if (!n.recipient_user_id) return true;
  std::vector<Value> params{*n.recipient_user_id};
  std::string in = in_list(orgs, params);
  return !c.query("SELECT 1 FROM user_orgs WHERE user_id = ? AND org_id IN (" + in + ") LIMIT 1", params).empty();
}

std::optional<Notification> find_notification(Connection& c, std::int64_t id) {
  Rows r = c.query(std::string("SELECT ") + kNotificationColumns + " FROM notifications WHERE id = ?", {id});
  if (r.empty()) return std::nullopt;
  return read_notification(r[0]);
}

void update_notification_delivery(Connection& c, std::int64_t id, const std::string& state, int attempts,
                                  const std::string& error, EpochMs now, std::optional<EpochMs> sent_at) {
  // A notification once sent (or skipped) stays so, whatever a late attempt reports.
  c.run("UPDATE notifications SET state = ?, attempts = ?, last_error = ?, updated_at = ?, sent_at = ? "
        "WHERE id = ? AND state NOT IN ('sent', 'skipped')",
        {state, std::int64_t{attempts}, error.empty() ? Value() : Value(error), now, opt(sent_at), id});
}

void insert_attempt(Connection& c, const DeliveryAttempt& a) {
  c.run("INSERT INTO notification_attempts (notification_id, attempt, at, ok, code, reply, duration_ms, node) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        {a.notification_id, std::int64_t{a.attempt}, a.at, flag(a.ok), std::int64_t{a.code}, a.reply, a.duration_ms,
         a.node});
}

std::vector<DeliveryAttempt> notification_attempts(Connection& c, std::int64_t notification_id) {
  std::vector<DeliveryAttempt> out;
  for (auto& r : c.query("SELECT notification_id, attempt, at, ok, code, reply, duration_ms, node "
                         "FROM notification_attempts WHERE notification_id = ? ORDER BY id",
                         {notification_id})
                     .rows)
    out.push_back({as_int(r[0]), static_cast<int>(as_int(r[1])), as_int(r[2]), as_int(r[3]) != 0,
                   static_cast<int>(as_int(r[4])), as_text(r[5]), as_int(r[6]), as_text(r[7])});
  return out;
}

std::vector<Notification> list_notifications(Connection& c, const NotificationFilter& f) {
  std::string sql = std::string("SELECT ") + kNotificationColumns + " FROM notifications WHERE 1 = 1";
  std::vector<Value> params;
  auto eq = [&](const char* column, const std::string& v) {
    if (v.empty()) return;
    sql += std::string(" AND ") + column + " = ?";
    params.emplace_back(v);
  };
  eq("state", f.state);
  eq("channel", f.channel);
  eq("event", f.event);
  eq("record_type", f.record_type);
  if (f.record_id) { sql += " AND record_id = ?"; params.emplace_back(*f.record_id); }
  if (f.recipient_user_id) { sql += " AND recipient_user_id = ?"; params.emplace_back(*f.recipient_user_id); }
  if (!f.orgs.empty()) {
    sql += " AND org_id IN (" + in_list(f.orgs, params) + ")";
    sql += " AND (recipient_user_id IS NULL OR recipient_user_id IN (SELECT user_id FROM user_orgs WHERE org_id IN (" +
           in_list(f.orgs, params) + ")))";
  }
  if (f.before_id > 0) { sql += " AND id < ?"; params.emplace_back(f.before_id); }
  sql += " ORDER BY id DESC LIMIT ?";
  params.emplace_back(std::int64_t{f.limit});
  std::vector<Notification> out;
  for (auto& r : c.query(sql, params).rows) out.push_back(read_notification(r));
  return out;
}

}  // namespace kanri::store
