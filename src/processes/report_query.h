// The query every report takes: a date range (from, to: inclusive dates), the periods it is
// cut into (month, quarter or year, counted from `from`), the time zone in which instants fall
// on dates (IANA, default UTC), and optionally one service. Each mistake is a bad request with
// an error on the parameter, in the [report] messages. Reports read with the caller's
// principal, so they count only what the caller may read.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/time_zone.h"
#include "engine/record_service.h"

namespace kanri::processes {

struct ReportPeriod {
  std::int64_t first_day = 0, last_day = 0;  // days since 1970-01-01, inclusive
};

struct ReportQuery {
  std::string from, to;  // YYYY-MM-DD as given
  std::int64_t from_day = 0, to_day = 0;
  std::string period = "month";
  std::vector<ReportPeriod> periods;
  std::string zone_name = "UTC";
  std::optional<TimeZone> zone;
  std::optional<store::Record> service;
  std::map<std::string, std::string> extra;  // the report's own parameters, as given

  // The UTC instant at which `day` begins in the report's zone.
  EpochMs day_start(std::int64_t day) const;
  // The date of instant `at` in the report's zone (days since 1970-01-01).
  std::int64_t day_of(EpochMs at) const;
  // "field[gte]" and "field[lte]" filters for instants within [first_day, last_day].
  std::vector<std::pair<std::string, std::string>> between(const std::string& field, std::int64_t first_day,
                                                           std::int64_t last_day) const;
  // {"from", "to", "period", "tz", "periods": [{"start", "end"}], "service"}.
  nlohmann::json header() const;
};

// `extra` names the report's own parameters besides from, to, period, service and tz.
Result<ReportQuery> parse_report_query(engine::RecordService& records, const engine::Principal& p,
                                       const std::vector<std::pair<std::string, std::string>>& query,
                                       const std::vector<std::string>& extra = {});

// A bad request with an error on parameter `name`.
Error bad_report_parameter(const std::string& name, const std::string& code, MessageArgs args = {});

// Every record of `t` matching `filters` that `p` may read, 500 at a time.
Result<std::vector<store::Record>> read_all(engine::RecordService& records, const engine::Principal& p,
                                            const model::TypeDef& t,
                                            std::vector<std::pair<std::string, std::string>> filters);

}  // namespace kanri::processes
