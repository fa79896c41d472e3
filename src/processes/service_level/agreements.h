// Agreements and their service level targets (ISO/IEC 20000-1 8.3.3, 8.3.4): the rules the
// model cannot state, and the chain consistency report.
//
// An agreement's parties fit its kind: an SLA names a customer organization, an OLA an internal
// supplier, a contract an external supplier. A change is reviewed and approved: submitting
// records who submitted it, approving is refused to that same person and makes the next
// agreement version. Targets are written only while their agreement is a draft, and carry what
// their measure needs (a time for response and resolution, a percentage and a period for
// availability, a limit and a period for workload) and nothing it does not.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "engine/record_service.h"
#include "engine/rules.h"

namespace kanri::processes::service_level {

void register_agreement_rules(engine::RuleRegistry& rules);

// For each service covered by an active SLA: the active OLAs and contracts covering the same
// service whose targets do not support the SLA's — a resolution or response time longer than
// the customer's for the same priority and tickets, an availability below it — and the SLA
// targets no supporting agreement covers at all. Query: service (id or number), optional.
// Read with the caller's principal.
Result<nlohmann::json> agreement_chain_report(engine::RecordService& records, const engine::Principal& p,
                                              const std::vector<std::pair<std::string, std::string>>& query,
                                              EpochMs now);

}  // namespace kanri::processes::service_level
