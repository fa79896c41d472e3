// The service catalogue (ISO/IEC 20000-1 8.2.4) as its audience may see it.
//
// The provider's people (every user who is not a requester) see every service they may read,
// with every field they may read (owner, importance, internal notes…) and its customers,
// dependencies and agreements. A customer's user (kind requester) sees only the live services
// that serve their organizations, with the customer-facing fields (kCustomerServiceFields), the
// service hours' calendar and the active SLAs their organization agreed for the service with
// the targets. Those parts are read as the system: a requester may not read agreements or
// calendars as records, only what the catalogue shows of them. A provider user may ask for a
// customer's view with ?organization=ORG-… (what that customer sees).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "engine/record_service.h"

namespace kanri::processes::service_level {

// The service fields a customer sees in the catalogue; every other field is the provider's.
inline const std::vector<std::string> kCustomerServiceFields = {"name", "description", "support_hours", "service_hours",
                                                                "live_since"};

// {"audience": "provider"|"customer", "organizations": [...] (customer), "services": [...]}.
// Query: organization (id or number), optional. Bad parameters are 400 with the parameter.
Result<nlohmann::json> service_catalogue(engine::RecordService& records, const engine::Principal& p,
                                         const std::vector<std::pair<std::string, std::string>>& query, EpochMs now);

}  // namespace kanri::processes::service_level
