#include "core/time_zone.h"

#include <unicode/timezone.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <string>

namespace kanri {

struct TimeZone::Rules {
  std::unique_ptr<icu::TimeZone> zone;
};

TimeZone::TimeZone(std::unique_ptr<Rules> rules) : rules_(std::move(rules)) {}
TimeZone::~TimeZone() = default;
TimeZone::TimeZone(TimeZone&&) noexcept = default;
TimeZone& TimeZone::operator=(TimeZone&&) noexcept = default;

std::optional<TimeZone> TimeZone::named(std::string_view name) {
  if (name.empty()) return std::nullopt;
  const icu::UnicodeString id = icu::UnicodeString::fromUTF8(
      icu::StringPiece(name.data(), static_cast<int32_t>(name.size())));
  std::unique_ptr<icu::TimeZone> zone(icu::TimeZone::createTimeZone(id));
  // ICU answers an unknown name with the "Etc/Unknown" zone rather than with an error.
  if (!zone) return std::nullopt;
  icu::UnicodeString got, unknown;
  zone->getID(got);
  icu::TimeZone::getUnknown().getID(unknown);
  if (got == unknown) return std::nullopt;
  return TimeZone(std::make_unique<Rules>(Rules{std::move(zone)}));
}

std::int64_t TimeZone::offset_ms(EpochMs at) const {
  int32_t raw = 0, dst = 0;
  UErrorCode status = U_ZERO_ERROR;
  rules_->zone->getOffset(static_cast<UDate>(at), false, raw, dst, status);
  return U_FAILURE(status) ? 0 : static_cast<std::int64_t>(raw) + dst;
}

TimeZone::LocalInstants TimeZone::from_local(EpochMs local) const {
  constexpr std::int64_t day = 86'400'000;
  // Offsets lie within ±1 day, so the offsets a day before and a day after the wall-clock time
  // are those on either side of any change that could make it ambiguous or missing.
  const std::int64_t before = offset_ms(local - day), after = offset_ms(local + day);
  const EpochMs a = local - before, b = local - after;
  const bool a_shows = offset_ms(a) == before, b_shows = offset_ms(b) == after;
  if (a_shows && b_shows) return {std::min(a, b), std::max(a, b)};
  if (a_shows) return {a, a};
  if (b_shows) return {b, b};
  // A gap: the first instant whose wall clock reads `local` or later, by bisection (the wall
  // clock is behind `local` at the lower end and past it at the upper end).
  EpochMs lo = std::min(a, b), hi = std::max(a, b);
  while (lo < hi) {
    const EpochMs mid = lo + (hi - lo) / 2;
    if (mid + offset_ms(mid) >= local) hi = mid;
    else lo = mid + 1;
  }
  return {lo, lo};
}

}  // namespace kanri
