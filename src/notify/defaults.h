// The subscriptions every installation starts with: people hear of what is assigned to them,
// owners of their due and overdue periodic activities, and service owners and top management
// of overdue ones. Added once (an administrator may change or delete them afterwards).
#pragma once

#include <string>
#include <vector>

#include "core/time.h"
#include "store/database.h"

namespace kanri::notify {

// Returns what was added, for `kanri migrate` to print.
std::vector<std::string> sync_default_subscriptions(store::Connection& c, EpochMs now);

}  // namespace kanri::notify
