// The business_calendar record type (model/business_calendar.toml) read into a
// CalendarDefinition, and its write rule, which refuses a calendar that cannot be read with one
// error per mistake on the field that has it. docs/service-levels.md gives the formats.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "engine/rules.h"
#include "processes/service_level/calendar.h"
#include "store/records.h"

namespace kanri::processes::service_level {

// The parts of a calendar as the record and the API hold them: the zone's IANA name, the
// weekly hours {"mon": [["09:00", "18:00"]], …}, the national holidays ("japan" or "none"),
// the organization's holidays ["2026-08-13", {"date": …, "name": …}] and closures
// [{"from": …, "to": …, "name": …}] (two dates, two month-days every year, or two date-times).
// Null JSON is an empty list.
Result<CalendarDefinition> parse_calendar(const std::string& time_zone, const nlohmann::json& hours,
                                          const std::string& national_holidays, const nlohmann::json& holidays,
                                          const nlohmann::json& closures);

// The same from a business_calendar record.
Result<CalendarDefinition> calendar_of(const store::Record& r);

// Registers the write rule of business_calendar.
void register_calendar_rules(engine::RuleRegistry& rules);

}  // namespace kanri::processes::service_level
