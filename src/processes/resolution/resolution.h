// Resolution and fulfilment (ISO/IEC 20000-1 8.6): the rules of incidents, major incidents,
// problems, known errors and the incident trend analysis that the model cannot state.
#pragma once

#include <memory>
#include <string>

#include "engine/record_service.h"
#include "engine/rules.h"
#include "jobs/scheduler.h"

namespace kanri::processes::resolution {

// The job kinds of this module.
inline constexpr const char* kAutoCloseJob = "resolution.auto_close";
inline constexpr const char* kTrendJob = "resolution.trend_analysis";

void register_rules(engine::RuleRegistry& rules);
void register_jobs(jobs::Registry& registry, engine::RecordService& records);

// Incidents (incident_rules.cpp) and problems, known errors, proposals (problem_rules.cpp).
// Each reads the policy in force through the module's one cache (policy.h).
class PolicyCache;
void register_incident_rules(engine::RuleRegistry& rules, std::shared_ptr<PolicyCache> policies);
void register_problem_rules(engine::RuleRegistry& rules, std::shared_ptr<PolicyCache> policies);
void register_category_rules(engine::RuleRegistry& rules);
void register_request_rules(engine::RuleRegistry& rules, std::shared_ptr<PolicyCache> policies);
void register_incident_jobs(jobs::Registry& registry, engine::RecordService& records);
void register_problem_jobs(jobs::Registry& registry, engine::RecordService& records);

}  // namespace kanri::processes::resolution
