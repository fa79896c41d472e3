// The operational-quality report of failure management (IPA/SEC survey §4.3 item 4, §4.5):
// failures per severity grade, per period and per service, against the yearly caps, with the
// roll-out tasks that are overdue (§4.8 T11). Read with the caller's principal: it counts only
// the failures, caps and tasks the caller may read.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "engine/record_service.h"

namespace kanri::processes::resolution {

// Query parameters: from, to (dates, required, inclusive), period (month | quarter | year,
// counted from `from`; default month), service (an id or number: that service only),
// tz (IANA, default UTC: the zone in which an occurrence falls on a date). A bad
// parameter is a bad request with an error on it. Roll-out tasks are overdue when their due
// date was before the date of `now` in that zone.
Result<nlohmann::json> failure_report(engine::RecordService& records, const engine::Principal& p,
                                      const std::vector<std::pair<std::string, std::string>>& query, EpochMs now);

}  // namespace kanri::processes::resolution
