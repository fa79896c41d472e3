// What administrators (and each user for themselves) do with background work: look at the
// queues and jobs, retry or discard a dead job, read the outbox and its delivery log, manage
// subscriptions, and mute what one may. Every rule lives here; the API routes are thin.
#pragma once

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/time.h"
#include "engine/principal.h"
#include "model/catalogue.h"
#include "store/database.h"

namespace kanri::notify {

class WorkAdmin {
 public:
  WorkAdmin(const model::Catalogue& catalogue, store::Database& db, const Clock& clock)
      : catalogue_(catalogue), db_(db), clock_(clock) {}

  using Query = std::vector<std::pair<std::string, std::string>>;

  // Jobs ("job": read; update to retry or discard).
  Result<nlohmann::json> queues(const engine::Principal& p);
  Result<nlohmann::json> jobs(const engine::Principal& p, const Query& q);
  Result<nlohmann::json> job(const engine::Principal& p, std::int64_t id);
  Result<nlohmann::json> retry_job(const engine::Principal& p, std::int64_t id);
  Result<nlohmann::json> discard_job(const engine::Principal& p, std::int64_t id);

  // The outbox ("notification": read; own = the ones sent to oneself, organization = about
  // records of one's organizations).
  Result<nlohmann::json> notifications(const engine::Principal& p, const Query& q);
  Result<nlohmann::json> notification(const engine::Principal& p, std::int64_t id);

  // Subscriptions ("subscription": read, create, update, delete).
  Result<nlohmann::json> subscriptions(const engine::Principal& p);
  Result<nlohmann::json> subscription(const engine::Principal& p, std::int64_t id);
  // The created subscription; a webhook's signing secret is shown once, here.
  Result<nlohmann::json> create_subscription(const engine::Principal& p, const nlohmann::json& body);
  Result<nlohmann::json> update_subscription(const engine::Principal& p, std::int64_t id, const nlohmann::json& body,
                                             std::optional<std::int64_t> expected_version);
  Status delete_subscription(const engine::Principal& p, std::int64_t id);

  // One's own: the e-mail subscriptions that may reach the user, with whether they muted them.
  Result<nlohmann::json> my_subscriptions(const engine::Principal& p);
  // Mutes or unmutes one; needs "subscription": mute, and is refused for a mandatory one.
  Status set_mute(const engine::Principal& p, std::int64_t id, bool muted);

 private:
  const model::Catalogue& catalogue_;
  store::Database& db_;
  const Clock& clock_;
};

}  // namespace kanri::notify
