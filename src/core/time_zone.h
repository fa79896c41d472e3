// A named time zone (IANA, "Asia/Tokyo"), for showing UTC instants as local wall-clock time at
// the edges: exports, reports. Rules come from ICU's time zone data.
#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include "core/time.h"

namespace kanri {

class TimeZone {
 public:
  // The zone called `name`, or nullopt when ICU does not know that name. "UTC" always works.
  static std::optional<TimeZone> named(std::string_view name);
  ~TimeZone();
  TimeZone(TimeZone&&) noexcept;
  TimeZone& operator=(TimeZone&&) noexcept;

  // How far the zone's wall clock is ahead of UTC at instant `at`, daylight saving included.
  std::int64_t offset_ms(EpochMs at) const;

 private:
  struct Rules;
  explicit TimeZone(std::unique_ptr<Rules> rules);
  std::unique_ptr<Rules> rules_;
};

}  // namespace kanri
