#include "core/time_zone.h"

#include <unicode/basictz.h>
#include <unicode/timezone.h>
#include <unicode/tztrans.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace kanri {

namespace {

// A zone's offsets from 1970 to 2100 as the instants they begin at, read from ICU once per zone
// and process: a business calendar asks for an offset at every day it walks, and ICU's own
// lookup was a sixth of a calendar edit's time (getHistoricalOffset). Outside that range ICU
// is asked.
struct Offsets {
  static constexpr EpochMs kFrom = 0, kUntil = 4'102'444'800'000;  // 2100-01-01
  std::vector<EpochMs> starts;
  std::vector<std::int64_t> offsets;
};

std::int64_t icu_offset(const icu::TimeZone& zone, EpochMs at) {
  int32_t raw = 0, dst = 0;
  UErrorCode status = U_ZERO_ERROR;
  zone.getOffset(static_cast<UDate>(at), false, raw, dst, status);
  return U_FAILURE(status) ? 0 : static_cast<std::int64_t>(raw) + dst;
}

std::shared_ptr<const Offsets> offsets_of(const icu::TimeZone& zone, const std::string& id) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const Offsets>> known;
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = known.find(id); it != known.end()) return it->second;
  auto table = std::make_shared<Offsets>();
  table->starts.push_back(Offsets::kFrom);
  table->offsets.push_back(icu_offset(zone, Offsets::kFrom));
  if (const auto* basic = dynamic_cast<const icu::BasicTimeZone*>(&zone)) {
    icu::TimeZoneTransition tr;
    UDate t = static_cast<UDate>(Offsets::kFrom);
    while (basic->getNextTransition(t, false, tr) && tr.getTime() < static_cast<UDate>(Offsets::kUntil)) {
      t = tr.getTime();
      const auto at = static_cast<EpochMs>(t);
      const std::int64_t offset = icu_offset(zone, at);
      // A transition of the rule's name only (standard time renamed) changes no offset.
      if (offset != table->offsets.back()) {
        table->starts.push_back(at);
        table->offsets.push_back(offset);
      }
    }
  } else {
    table.reset();  // not a zone with transitions to list: ICU is asked each time
  }
  known.emplace(id, table);
  return table;
}

}  // namespace

struct TimeZone::Rules {
  std::unique_ptr<icu::TimeZone> zone;
  std::shared_ptr<const Offsets> offsets;  // null: ask ICU
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
  std::string utf8;
  got.toUTF8String(utf8);
  auto offsets = offsets_of(*zone, utf8);
  return TimeZone(std::make_unique<Rules>(Rules{std::move(zone), std::move(offsets)}));
}

std::int64_t TimeZone::offset_ms(EpochMs at) const {
  const Offsets* table = rules_->offsets.get();
  if (!table || at < Offsets::kFrom || at >= Offsets::kUntil) return icu_offset(*rules_->zone, at);
  const auto next = std::upper_bound(table->starts.begin(), table->starts.end(), at);
  return table->offsets[static_cast<std::size_t>(next - table->starts.begin()) - 1];
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
