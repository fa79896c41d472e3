#include "processes/service_level/service_rules.h"

#include "core/time.h"
#include "processes/service_level/calendar_rules.h"

namespace kanri::processes::service_level {

std::optional<std::string> next_review_date(const std::string& live_since, std::int64_t interval_ms,
                                            const std::string& today) {
  if (!is_valid_date(live_since) || !is_valid_date(today)) return std::nullopt;
  std::int64_t interval_days = interval_ms / 86400000;
  if (interval_days < 1) return std::nullopt;
  std::int64_t start = date_to_days(live_since), now = date_to_days(today);
  std::int64_t due = start + interval_days;
  if (due <= now) due += ((now - due) / interval_days + 1) * interval_days;
  return days_to_date(due);
}

void register_rules(engine::RuleRegistry& rules) {
  register_calendar_rules(rules);
  // A service that is not live (proposed, retired) has no review due; a live one is reviewed
  // every interval counted from its go-live date, so the date never drifts with edits.
  rules.add_computed("service_next_review", [](const store::Record& r, const model::FieldDef&) -> Value {
    const model::FieldDef* live = r.type->field("live_since");
    const model::FieldDef* interval = r.type->field("review_interval");
    if (!live || !interval || (r.state != "live" && r.state != "retiring")) return {};
    const Value& since = r.get(*live);
    const Value& every = r.get(*interval);
    if (is_null(since) || is_null(every)) return {};
    std::int64_t today = (r.updated_at > 0 ? r.updated_at : 0) / 86400000;
    auto due = next_review_date(as_text(since), as_int(every), days_to_date(today));
    return due ? Value(*due) : Value();
  });
}

}  // namespace kanri::processes::service_level
