#include "processes/service_level/japanese_holidays.h"

#include <algorithm>
#include <map>

#include "core/time.h"

namespace kanri::processes::service_level {
namespace {

struct Name {
  std::string_view ja, en;
};

constexpr Name kNewYear{"元日", "New Year's Day"}, kComingOfAge{"成人の日", "Coming of Age Day"},
    kFoundation{"建国記念の日", "National Foundation Day"}, kEmperor{"天皇誕生日", "The Emperor's Birthday"},
    kVernal{"春分の日", "Vernal Equinox Day"}, kGreenery{"みどりの日", "Greenery Day"}, kShowa{"昭和の日", "Showa Day"},
    kConstitution{"憲法記念日", "Constitution Memorial Day"}, kChildren{"こどもの日", "Children's Day"},
    kMarine{"海の日", "Marine Day"}, kMountain{"山の日", "Mountain Day"},
    kAged{"敬老の日", "Respect for the Aged Day"}, kAutumnal{"秋分の日", "Autumnal Equinox Day"},
    kHealthSports{"体育の日", "Health and Sports Day"}, kSports{"スポーツの日", "Sports Day"},
    kCulture{"文化の日", "Culture Day"}, kLabour{"勤労感謝の日", "Labour Thanksgiving Day"},
    kSubstitute{"振替休日", "Substitute holiday"}, kCitizens{"国民の休日", "Citizens' holiday"};

// Days set by laws of their own; they count as national holidays for the substitute and
// citizens' holiday rules (so 2019-04-30 and 05-02 became citizens' holidays).
struct OneOff {
  int year;
  unsigned month, day;
  Name name;
};
constexpr OneOff kOneOffs[] = {
    {1959, 4, 10, {"皇太子明仁親王の結婚の儀", "Wedding of Crown Prince Akihito"}},
    {1989, 2, 24, {"昭和天皇の大喪の礼", "State Funeral of Emperor Showa"}},
    {1990, 11, 12, {"即位礼正殿の儀", "Enthronement Ceremony"}},
    {1993, 6, 9, {"皇太子徳仁親王の結婚の儀", "Wedding of Crown Prince Naruhito"}},
    {2019, 5, 1, {"天皇の即位の日", "Enthronement Day"}},
    {2019, 10, 22, {"即位礼正殿の儀", "Enthronement Ceremony"}},
};

std::int64_t date(int y, unsigned m, unsigned d) { return days_from_civil(y, m, d); }

// The n-th Monday of a month (the "Happy Monday" days).
std::int64_t nth_monday(int y, unsigned m, int n) {
  const std::int64_t first = date(y, m, 1);
  return first + (7 - weekday(first)) % 7 + 7 * (n - 1);
}

// The day of March (vernal) or September (autumnal) of the equinox, by the approximation the
// National Astronomical Observatory's almanac figures follow: int(C + 0.242194 (Y − 1980) −
// floor((Y − 1980) / 4)) with a constant C per period. In millionths, so no rounding can slip.
unsigned equinox_day(int y, bool vernal) {
  const std::int64_t c = y < 1980 ? (vernal ? 20'835'700 : 23'258'800)
                         : y < 2100 ? (vernal ? 20'843'100 : 23'248'800)
                                    : (vernal ? 21'851'000 : 24'248'800);
  const std::int64_t x = c + 242'194LL * (y - 1980) - 1'000'000LL * floor_div(y - 1980, 4);
  return static_cast<unsigned>(floor_div(x, 1'000'000));
}

// The days the law names (国民の祝日), before substitutes and citizens' holidays.
std::map<std::int64_t, Name> named_days(int y) {
  std::map<std::int64_t, Name> out;
  auto add = [&](std::int64_t day, Name n) {
    if (day >= date(1948, 7, 20)) out.emplace(day, n);
  };
  add(date(y, 1, 1), kNewYear);
  add(y < 2000 ? date(y, 1, 15) : nth_monday(y, 1, 2), kComingOfAge);
  if (y >= 1967) add(date(y, 2, 11), kFoundation);
  if (y >= 2020) add(date(y, 2, 23), kEmperor);
  add(date(y, 3, equinox_day(y, true)), kVernal);
  add(date(y, 4, 29), y <= 1988 ? kEmperor : y <= 2006 ? kGreenery : kShowa);
  add(date(y, 5, 3), kConstitution);
  if (y >= 2007) add(date(y, 5, 4), kGreenery);
  add(date(y, 5, 5), kChildren);
  if (y == 2020) add(date(y, 7, 23), kMarine);
  else if (y == 2021) add(date(y, 7, 22), kMarine);
  else if (y >= 2003) add(nth_monday(y, 7, 3), kMarine);
  else if (y >= 1996) add(date(y, 7, 20), kMarine);
  if (y == 2020) add(date(y, 8, 10), kMountain);
  else if (y == 2021) add(date(y, 8, 8), kMountain);
  else if (y >= 2016) add(date(y, 8, 11), kMountain);
  if (y >= 2003) add(nth_monday(y, 9, 3), kAged);
  else if (y >= 1966) add(date(y, 9, 15), kAged);
  add(date(y, 9, equinox_day(y, false)), kAutumnal);
  if (y == 2020) add(date(y, 7, 24), kSports);
  else if (y == 2021) add(date(y, 7, 23), kSports);
  else if (y >= 2020) add(nth_monday(y, 10, 2), kSports);
  else if (y >= 2000) add(nth_monday(y, 10, 2), kHealthSports);
  else if (y >= 1966) add(date(y, 10, 10), kHealthSports);
  add(date(y, 11, 3), kCulture);
  add(date(y, 11, 23), kLabour);
  if (y >= 1989 && y <= 2018) add(date(y, 12, 23), kEmperor);
  for (const OneOff& o : kOneOffs)
    if (o.year == y) add(date(y, o.month, o.day), o.name);
  return out;
}

}  // namespace

std::vector<Holiday> japanese_holidays(int y) {
  if (y < kFirstHolidayYear || y > kLastHolidayYear) return {};
  const std::map<std::int64_t, Name> named = named_days(y);
  std::map<std::int64_t, Name> all = named;
  constexpr int sunday = 6;
  // 振替休日: from 1973-04-12 a national holiday on a Sunday gives the Monday off; from 2007 the
  // first following day that is not a national holiday (2008-05-06 after Sunday 05-04).
  for (auto& [day, name] : named) {
    if (weekday(day) != sunday || day < date(1973, 4, 12)) continue;
    std::int64_t next = day + 1;
    if (y >= 2007)
      while (named.count(next)) ++next;
    else if (named.count(next))
      continue;
    all.emplace(next, kSubstitute);
  }
  // 国民の休日: from 1985-12-27 a day between two national holidays that is no holiday itself
  // (before 2007 not a Sunday either).
  for (auto& [day, name] : named) {
    const std::int64_t between = day + 1;
    if (between < date(1985, 12, 27) || !named.count(between + 1) || all.count(between)) continue;
    if (y < 2007 && weekday(between) == sunday) continue;
    all.emplace(between, kCitizens);
  }
  std::vector<Holiday> out;
  for (auto& [day, name] : all)
    if (day < date(y + 1, 1, 1)) out.push_back({day, name.ja, name.en});
  return out;
}

bool is_japanese_holiday(std::int64_t day) {
  static const std::vector<std::int64_t> days = [] {
    std::vector<std::int64_t> all;
    for (int y = kFirstHolidayYear; y <= kLastHolidayYear; ++y)
      for (const Holiday& h : japanese_holidays(y)) all.push_back(h.day);
    return all;
  }();
  return std::binary_search(days.begin(), days.end(), day);
}

}  // namespace kanri::processes::service_level
