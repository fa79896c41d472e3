// The roles Kanri ships (docs/administration.md lists them with their permissions). They are
// data like any role: an administrator may change them, and an upgrade adds only the
// permissions that a newer release's defaults added, never undoing an administrator's edit.
#pragma once

#include <string>
#include <vector>

#include "core/time.h"
#include "store/accounts.h"
#include "store/database.h"
#include "store/journal.h"

namespace kanri::auth {

struct RoleDefinition {
  std::string name, label_en, label_ja, description;
  std::vector<store::PermissionRow> permissions;
};

const std::vector<RoleDefinition>& default_roles();

// Creates the default roles that do not exist and adds to existing built-in roles the
// permissions the defaults gained since the database last saw them (kept in kanri_meta).
// Journaled as role changes by `by`. Returns what it did, for the operator.
std::vector<std::string> sync_default_roles(store::Connection& c, EpochMs now, const store::Actor& by);

}  // namespace kanri::auth
