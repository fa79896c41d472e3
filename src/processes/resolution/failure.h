// Failure management (障害管理) as the IPA/SEC survey of operational quality describes it
// (ISO/IEC 20000-1 8.6.1, 8.6.3, 10.1; ISO/IEC 27001 A.5.26, A.5.27): the rules of the types
// failure, severity_scheme, failure_cap, failure_process_step and of roll-out tasks that the
// model cannot state. See docs/failure-management.md.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/rules.h"

namespace kanri::processes::resolution {

// The terms of a yearly failure cap (IPA/SEC §4.3 item 3): prior × (1 − improvement %) + the
// special factors' adjustments − the measures' expected effects, rounded down and at least 0;
// "zero" is 0 and "below_prior_year" one fewer than the prior year. `special_factors` and
// `expected_effects` are the arrays the failure_cap record holds (null for none).
struct CapDerivation {
  std::int64_t cap = 0;
  nlohmann::json terms;  // every term, as stored in the record's derivation
};
CapDerivation derive_cap(const std::string& target_kind, std::int64_t prior_year_actual, double improvement_percent,
                         const nlohmann::json& special_factors, const nlohmann::json& expected_effects);

// Roll-out coverage (IPA/SEC §4.3 item 10) in percent, one decimal: tasks done by their due
// date ÷ all tasks; nullopt when there are none.
std::optional<double> rollout_coverage(std::int64_t done_in_time, std::int64_t tasks);

// Registers the write rules of failure, severity_scheme, failure_cap and task: severity and
// impact index on every write of a failure, the completeness a closure needs, definitions
// and one active scheme, cap derivations, and roll-out coverage kept by the tasks.
void register_failure_rules(engine::RuleRegistry& rules);

}  // namespace kanri::processes::resolution
