// Severity schemes of failure management (IPA/SEC survey §2.3, §4.2, §4.3 items 1–2): how a
// failure's impact index is computed and how it is graded under the organization's scheme
// (a matrix of attribution × online impact, a customer-affected binary, categories with rule
// predicates, or bands of a product). Pure functions over JSON: the definition as the
// severity_scheme record holds it, the failure's facts as failure_facts makes them. The
// definition's format is in docs/failure-management.md.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "store/records.h"

namespace kanri::processes::resolution {

// Every problem with `definition` for a scheme of `kind` (matrix, binary, categorical,
// banded), as errors on the field "definition"; fields it names are checked against
// `failure`, the failure type. Empty when the definition can grade failures.
std::vector<FieldError> check_scheme_definition(const std::string& kind, const nlohmann::json& definition,
                                                const model::TypeDef& failure);

// The failure's fields as the definitions see them: numbers for int, decimal and duration
// (milliseconds) fields, booleans, text for the rest, null when empty.
nlohmann::json failure_facts(const store::Record& failure);

// An impact index and the terms it came from ({"factors": {...}, "duration_unit", "value"}).
struct ImpactIndex {
  std::optional<double> value;  // absent when a factor is missing
  nlohmann::json inputs;
};
// The product of the definition's impact index factors (default duration × users, durations
// counted in hours unless the definition says otherwise). `definition` may be null; `failure`
// is the failure type, which says which factors are durations.
ImpactIndex impact_index(const nlohmann::json& definition, const nlohmann::json& facts, const model::TypeDef& failure);

// A grade and what it was found from: the inputs the scheme used and, for the rule-based
// kinds, which rule or band decided.
struct Grade {
  std::optional<std::string> level;  // absent when the inputs the scheme needs are missing
  nlohmann::json inputs;
};
// Grades a failure under a checked definition. `facts` also holds "impact_index" (a number or
// null) and "service_attributes" (the service's attributes object or null), which a matrix
// scheme's online impact is computed from when the failure gives none.
Grade grade_failure(const std::string& kind, const nlohmann::json& definition, const nlohmann::json& facts);

// The levels a checked definition declares, most severe first.
std::vector<std::string> scheme_levels(const nlohmann::json& definition);

}  // namespace kanri::processes::resolution
