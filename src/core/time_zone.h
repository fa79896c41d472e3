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

  // The instants at which the zone's wall clock shows `local` (a wall-clock time written as
  // epoch ms, as if it were UTC). Usually one: first == last. In an overlap, when the clocks go
  // back and the time is shown twice, `first` is the earlier instant and `last` the later. In
  // a gap, when the clocks skip forward over it, the time is never shown and both are the
  // instant of the jump (the first instant whose wall-clock time is later). Assumes at most one
  // offset change within a day of `local`, true of every zone in the IANA data since 1970.
  struct LocalInstants {
    EpochMs first = 0, last = 0;
  };
  LocalInstants from_local(EpochMs local) const;

 private:
  struct Rules;
  explicit TimeZone(std::unique_ptr<Rules> rules);
  std::unique_ptr<Rules> rules_;
};

}  // namespace kanri
