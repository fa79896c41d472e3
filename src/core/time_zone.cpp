#include "core/time_zone.h"

#include <unicode/timezone.h>
#include <unicode/unistr.h>

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

}  // namespace kanri
