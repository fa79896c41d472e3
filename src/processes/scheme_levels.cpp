#include "processes/scheme_levels.h"

#include <algorithm>

#include "processes/record_fields.h"

namespace kanri::processes {

nlohmann::json json_value(const store::Record& r, const char* name) {
  const Value& v = field(r, name);
  if (is_null(v)) return nullptr;
  auto parsed = nlohmann::json::parse(as_text(v), nullptr, false);
  return parsed.is_discarded() ? nlohmann::json(nullptr) : parsed;
}

std::string level_list(const std::vector<std::string>& levels) {
  std::string out;
  for (auto& l : levels) out += (out.empty() ? "" : ", ") + l;
  return out;
}

std::optional<FieldError> level_outside(const std::vector<std::string>& levels, const std::string& value,
                                        const std::string& field, const std::string& code, MessageArgs args) {
  if (std::find(levels.begin(), levels.end(), value) != levels.end()) return std::nullopt;
  args["value"] = value;
  args["levels"] = level_list(levels);
  return FieldError{field, code, std::move(args)};
}

}  // namespace kanri::processes
