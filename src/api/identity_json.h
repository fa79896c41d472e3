// The platform's own resources as the API shows them. Secrets and hashes never appear.
#pragma once

#include <nlohmann/json.hpp>

#include "auth/directory.h"
#include "store/journal.h"

namespace kanri::api {

nlohmann::json user_json(const auth::UserView& v);
nlohmann::json group_json(const auth::GroupView& v);
nlohmann::json role_json(const auth::RoleView& v);
nlohmann::json token_json(const auth::TokenView& v);
nlohmann::json session_json(const auth::SessionView& v, std::optional<std::int64_t> current_session);
nlohmann::json permissions_json(const std::vector<engine::Permission>& permissions);
// One journal entry (record history, the auditors' journal).
nlohmann::json journal_entry_json(const store::JournalEntry& e);

}  // namespace kanri::api
