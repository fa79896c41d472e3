// Dates, times and numbers as a person reads them in their language and time zone:
// 2026年11月22日 14:05 / 22 Nov 2026, 14:05. Built on ICU; formatters are cached per thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/time.h"

namespace kanri::ui {

class LocaleFormat {
 public:
  LocaleFormat(std::string lang = "en", std::string time_zone = "UTC");

  const std::string& lang() const { return lang_; }
  const std::string& time_zone() const { return tz_; }
  // A moment in the person's time zone, with the minutes.
  std::string datetime(EpochMs ms) const;
  // A calendar date ("2026-11-22"), which has no time zone. Unparsable text comes back as is.
  std::string date(std::string_view iso) const;
  // The date of a moment in the person's time zone, as YYYY-MM-DD (for "today" and "overdue").
  std::string local_date(EpochMs ms) const;
  // A moment as the value of an <input type="datetime-local"> in the person's time zone.
  std::string datetime_input(EpochMs ms) const;
  // "2026-11-22T09:30" typed in the person's time zone, as epoch ms; nothing if unreadable.
  std::optional<EpochMs> parse_datetime_input(std::string_view text) const;
  // A number with the locale's grouping; `scale` digits after the point (-1: as needed).
  std::string number(double value, int scale = -1) const;

 private:
  std::string lang_, tz_;
};

}  // namespace kanri::ui
