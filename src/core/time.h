// Time inside Kanri is UTC epoch milliseconds. These functions convert at the edges:
// ISO 8601 timestamps, calendar dates and durations as the API writes them.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kanri {

using EpochMs = std::int64_t;

// The source of "now". Passed in, never global, so tests can hold time still.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual EpochMs now_ms() const = 0;
};

class SystemClock final : public Clock {
 public:
  EpochMs now_ms() const override;
};

// The system clock, which an API scenario may hold at a chosen time (KANRI_TEST_CLOCK, never in
// production): held, it stands still until it is moved again, and it only moves forward, so
// the journal's times stay in order.
class SettableClock final : public Clock {
 public:
  EpochMs now_ms() const override;
  // Holds the clock at `at`; false (and nothing changes) when `at` is before now.
  bool hold(EpochMs at);
  bool held() const { return held_.load(std::memory_order_relaxed) != 0; }

 private:
  std::atomic<EpochMs> held_{0};  // 0: not held, the system's time
};

// "2026-11-22T03:18:00.000Z" for an epoch-ms value.
std::string format_timestamp(EpochMs ms);
// Parses "YYYY-MM-DDTHH:MM[:SS[.fff]]" followed by "Z" or "+HH:MM"/"-HH:MM". Nothing else.
std::optional<EpochMs> parse_timestamp(std::string_view text);

// True for a real calendar date written "YYYY-MM-DD" (leap years honoured).
bool is_valid_date(std::string_view text);

// ISO 8601 duration without years or months ("P2DT4H30M", "PT0.5S", "P1W") to milliseconds.
std::optional<std::int64_t> parse_duration(std::string_view text);
// The canonical ISO 8601 form of a non-negative duration: "P2DT4H30M", "PT0S".
std::string format_duration(std::int64_t ms);
// The same as people read it in either language: "4 h", "1 d 2 h 30 min", "45 s", "0 s".
std::string readable_duration(std::int64_t ms);

// Days since 1970-01-01 for a civil date, and back (Howard Hinnant's algorithms).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d);
void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d);
// The same for dates written "YYYY-MM-DD" (the caller has checked it with is_valid_date).
std::int64_t date_to_days(std::string_view date);
std::string days_to_date(std::int64_t days);

// a / b rounded towards minus infinity (b > 0): the day of an instant before 1970 too.
inline std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - (a % b < 0 ? 1 : 0); }

}  // namespace kanri
