// Importance classification of the service catalogue (ISO/IEC 20000-1 8.2.4; IPA/SEC survey
// §2.2): an organization's importance_scheme declares its kind (C/I/A levels, graded letters,
// numbered classes) and its levels; a service names a scheme and its class in it, or its three
// C/I/A levels. The rules refuse a scheme whose levels cannot be read, a class or level the
// service's scheme does not have, and a change of levels that would leave a service outside.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "engine/rules.h"

namespace kanri::processes::service_level {

// Every problem with the `levels` of a scheme of `kind` (cia, graded, numbered), as errors on
// the field "levels": a list of {"name", "en", "ja", "meaning"} objects with distinct names;
// numbered classes are named 1, 2, … N in order. Empty when the levels can be used.
std::vector<FieldError> check_importance_levels(const std::string& kind, const nlohmann::json& levels);

// The level names of checked levels, in their order (most important first).
std::vector<std::string> importance_level_names(const nlohmann::json& levels);

// The service fields that carry the importance under a scheme of `kind`: importance_class for
// graded and numbered schemes, the three C/I/A level fields for cia.
std::vector<std::string> importance_fields(const std::string& kind);

// Registers the write rules of importance_scheme and of the service's importance.
void register_importance_rules(engine::RuleRegistry& rules);

}  // namespace kanri::processes::service_level
