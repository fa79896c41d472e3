// Helpers the Directory's source files share; not part of its contract.
#pragma once

#include <optional>
#include <vector>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "store/accounts.h"

namespace kanri::auth {

// A positive decimal id, or nothing (then the key is a name).
std::optional<std::int64_t> parse_id(std::string_view key);
Error forbidden(const std::string& action, const std::string& resource);
Error not_found(const std::string& resource, std::string_view key);
nlohmann::json permissions_json(const std::vector<store::PermissionRow>& rows);
// Records `name` as [before, after] in a journal entry's changes when they differ.
inline void note_change(nlohmann::json& changes, const char* name, const nlohmann::json& before,
                        const nlohmann::json& after) {
  if (before != after) changes[name] = nlohmann::json::array({before, after});
}
// The ids of the roles with these names (unknown names are skipped).
std::vector<std::int64_t> role_ids(store::Connection& c, const std::vector<std::string>& names);
// What is in one list and not in the other, both ways: what a change gives and takes away.
std::vector<std::int64_t> changed_between(const std::vector<std::int64_t>& before, const std::vector<std::int64_t>& after);

}  // namespace kanri::auth
