// Rules of service catalogue management (ISO/IEC 20000-1 8.2.4) that the model cannot state.
#pragma once

#include <optional>
#include <string>

#include "engine/rules.h"

namespace kanri::processes::service_level {

// The date a live service's catalogue entry is next due for review: the go-live date plus
// whole review intervals, the first such date after `today` ("YYYY-MM-DD"). Empty when
// either input is missing or the interval is shorter than a day.
std::optional<std::string> next_review_date(const std::string& live_since, std::int64_t interval_ms,
                                            const std::string& today);

// Registers "service_next_review" (computed field) and the business calendar's write rule.
void register_rules(engine::RuleRegistry& rules);

}  // namespace kanri::processes::service_level
