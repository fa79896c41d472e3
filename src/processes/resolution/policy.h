// The resolution policy in force (model/resolution_policy.toml): the priority matrix, the
// automatic closure, the major-incident criteria and the trend analysis settings. When no
// policy record is active the documented defaults apply, so a new installation prioritizes
// the way docs/service-desk.md describes.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/rules.h"
#include "store/records.h"

namespace kanri::processes::resolution {

// impact × urgency → priority: priority = min(4, impact + urgency − 1) with high = 1,
// medium = 2, low = 3 (ITIL's common matrix, and the rule of the ServiceNow log in
// ../shared/data).
const nlohmann::json& default_priority_matrix();
// A security incident's priority by its information security risk level.
const nlohmann::json& default_security_priority();

struct Policy {
  std::optional<store::Record> record;  // the active policy, if any
  nlohmann::json matrix = default_priority_matrix();
  nlohmann::json security = default_security_priority();
  std::int64_t auto_close_ms = 5 * 86'400'000;  // five days
  std::string major_priority = "p1";
  bool major_critical_service = true;
  std::optional<std::int64_t> major_users;
  std::string major_security_risk = "high";
  std::optional<std::int64_t> major_procedure;  // a document's id
  int trend_min_incidents = 3;
  int trend_window_days = 30;
  std::string vip_group;  // a directory group whose requests go one priority up

  // "" when the matrix has no entry for the pair.
  std::string priority(const std::string& impact, const std::string& urgency) const;
  std::string security_priority(const std::string& risk) const;
};

// The active policy, read in the caller's transaction.
Policy active_policy(store::Connection& c, const store::RecordStore& records, const model::Catalogue& catalogue);

// The active policy parsed once per version of its record, for the rules that run on every
// incident write (reading and parsing the record each time was measured at 4 % of the server's
// time creating incidents). Each get() asks, in the caller's transaction, which policy is active,
// at which version and when it last changed, and reads it again only when that differs from what
// it holds: a change to the policy, its deactivation or another one's activation is seen by the
// next write, committed or within the same transaction. Policy::record is left empty: a caller
// that changes the policy record reads it with active_policy().
class PolicyCache {
 public:
  std::shared_ptr<const Policy> get(store::Connection& c, const store::RecordStore& records,
                                    const model::Catalogue& catalogue);

 private:
  struct Key {
    std::int64_t id = 0, version = 0, updated_at = 0;  // id 0: no policy is active
    bool operator==(const Key&) const = default;
  };
  std::mutex mutex_;
  std::optional<Key> key_;
  std::shared_ptr<const Policy> policy_;
};

// Registers the write rule of resolution_policy: the matrix names every impact and urgency
// with a priority of the incident model, the risk map every risk level, and one policy is
// active at a time.
void register_policy_rules(engine::RuleRegistry& rules);

}  // namespace kanri::processes::resolution
