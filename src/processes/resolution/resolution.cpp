#include "processes/resolution/resolution.h"

#include "processes/resolution/policy.h"

namespace kanri::processes::resolution {

void register_rules(engine::RuleRegistry& rules) {
  register_policy_rules(rules);
  auto policies = std::make_shared<PolicyCache>();
  register_incident_rules(rules, policies);
  register_problem_rules(rules, policies);
  register_category_rules(rules);
  register_request_rules(rules, policies);
}

void register_jobs(jobs::Registry& registry, engine::RecordService& records) {
  register_incident_jobs(registry, records);
  register_problem_jobs(registry, records);
}

}  // namespace kanri::processes::resolution
