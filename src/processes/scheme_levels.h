// What the organization's schemes have in common (severity schemes of failure management,
// importance schemes of the service catalogue): a record carries a level that must be one of
// the levels its scheme declares, and the refusal names the levels to choose from.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "store/records.h"

namespace kanri::processes {

// The JSON a json field of `r` holds; null when the field is empty, absent or not JSON.
nlohmann::json json_value(const store::Record& r, const char* name);

// "a, b, c": the levels in their scheme's order, as a refusal lists them.
std::string level_list(const std::vector<std::string>& levels);

// An error on `field` with `code` (its message takes {value}, {levels} and the `args` given)
// unless `value` is one of `levels`; nothing when it is.
std::optional<FieldError> level_outside(const std::vector<std::string>& levels, const std::string& value,
                                        const std::string& field, const std::string& code, MessageArgs args = {});

}  // namespace kanri::processes
