// The national holidays of Japan, computed by rule for any year from 1948 to 2150: the law on
// national holidays (国民の祝日に関する法律, in force from 1948-07-20) with its amendments, the
// laws that moved days for the 2020 Olympic Games, and the one-off days set by their own laws.
// docs/service-levels.md states each rule.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace kanri::processes::service_level {

struct Holiday {
  std::int64_t day = 0;  // days since 1970-01-01 (a civil date)
  std::string_view ja, en;
};

constexpr int kFirstHolidayYear = 1948, kLastHolidayYear = 2150;

// Every holiday of `year` in date order, substitute holidays (振替休日) and citizens' holidays
// (国民の休日) included. Empty outside kFirstHolidayYear..kLastHolidayYear, where the
// equinox formula is not valid.
std::vector<Holiday> japanese_holidays(int year);

// Whether `day` (days since 1970-01-01) is a national holiday, from a table of every supported
// year built once.
bool is_japanese_holiday(std::int64_t day);

// Monday = 0 … Sunday = 6 for a day counted from 1970-01-01 (a Thursday).
inline int weekday(std::int64_t day) { return static_cast<int>(((day + 3) % 7 + 7) % 7); }

}  // namespace kanri::processes::service_level
