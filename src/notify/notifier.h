// Notifications: record changes become events (in the writing transaction), events become
// notifications in the outbox (on a worker: subscriptions matched, recipients resolved, the
// template rendered in each recipient's language), and each notification is delivered by its
// own job, by e-mail (SMTP) or webhook (signed JSON POST), retried with backoff and finally
// dead with the other side's answer. Every step stays in the database as evidence.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "auth/authenticator.h"
#include "core/config.h"
#include "jobs/events.h"
#include "jobs/scheduler.h"
#include "model/catalogue.h"
#include "notify/templates.h"
#include "store/notifications.h"
#include "store/records.h"

namespace kanri::notify {

inline constexpr const char* kDeliverJob = "notify.deliver";

// A webhook URL without its user:password@ and query (which may carry tokens), for the
// journal and for readers of the outbox who do not administer subscriptions.
std::string redact_url(const std::string& url);

class Notifier {
 public:
  Notifier(const model::Catalogue& catalogue, store::Database& db, const Clock& clock,
           const auth::Authenticator& authenticator, const Config& config, const Templates& templates);

  // The handlers of notify.event and notify.deliver.
  void register_jobs(jobs::Registry& registry);

  // The outbox entry of a notification as the API shows it (with its delivery log when given).
  static nlohmann::json to_json(const store::Notification& n, const std::vector<store::DeliveryAttempt>* attempts);

 private:
  jobs::Outcome handle_event(jobs::JobContext& ctx);
  jobs::Outcome handle_delivery(jobs::JobContext& ctx);
  // Template data for an event on a record, in a recipient's language.
  // References show only what `reader` (the recipient) may read.
  nlohmann::json template_data(store::Connection& c, const nlohmann::json& payload, const store::Record& r,
                               const std::string& language, const std::string& recipient_name,
                               const engine::Principal& reader) const;
  std::string record_url(const model::TypeDef& t, const store::Record& r) const;
  std::string display_value(store::Connection& c, const model::FieldDef& f, const nlohmann::json& encoded,
                            const std::string& language, const engine::Principal& reader) const;

  const model::Catalogue& catalogue_;
  store::Database& db_;
  const Clock& clock_;
  const auth::Authenticator& authenticator_;
  const Config& config_;
  const Templates& templates_;
  store::RecordStore records_;
};

}  // namespace kanri::notify
