// The reports of resolution and fulfilment (ISO/IEC 20000-1 8.6, the issue's "Reports and
// lists"): incidents (volume, backlog and ageing, escalations, reopen rate, first-contact
// resolution, major incidents, incidents waiting for or fixed by changes), service requests
// (fulfilment against the target time) and problems (problems resolved, recurrence after the
// fix, known errors open and their age). Each takes the shared report query
// (processes/report_query.h) and is read with the caller's principal: restricted incidents
// and records outside the caller's scope are not counted.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "engine/record_service.h"

namespace kanri::processes::resolution {

using ReportParams = std::vector<std::pair<std::string, std::string>>;

// Volume counts incidents opened within the dates (opened_at, in the report's zone); rates
// count those resolved within them; the backlog and its ageing are as of `now`.
Result<nlohmann::json> incident_report(engine::RecordService& records, const engine::Principal& p,
                                       const ReportParams& query, EpochMs now);
// Requests fulfilled within the dates, per request type, against their target time; the open
// requests past their due time as of `now`.
Result<nlohmann::json> request_report(engine::RecordService& records, const engine::Principal& p,
                                      const ReportParams& query, EpochMs now);
// Problems fixed within the dates with the incidents linked to them after the fix; the known
// errors open as of `now` and their age.
Result<nlohmann::json> problem_report(engine::RecordService& records, const engine::Principal& p,
                                      const ReportParams& query, EpochMs now);

}  // namespace kanri::processes::resolution
