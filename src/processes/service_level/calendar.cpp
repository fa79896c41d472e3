#include "processes/service_level/calendar.h"

#include <algorithm>

#include "processes/service_level/japanese_holidays.h"

namespace kanri::processes::service_level {
namespace {

constexpr std::int64_t kHour = 3'600'000, kDay = 24 * kHour;
// More than any zone's offset from UTC: a local date's service hours never start earlier
// than this before its midnight read as UTC.
constexpr std::int64_t kMaxOffset = 26 * kHour;

}  // namespace

BusinessCalendar::BusinessCalendar(CalendarDefinition d, TimeZone zone)
    : definition_(std::move(d)), zone_(std::move(zone)) {}

std::optional<BusinessCalendar> BusinessCalendar::make(CalendarDefinition d) {
  auto zone = TimeZone::named(d.time_zone);
  if (!zone) return std::nullopt;
  bool hours = false;
  for (auto& day : d.week) {
    std::erase_if(day, [](const DayInterval& i) { return i.start_ms >= i.end_ms; });
    std::sort(day.begin(), day.end(), [](auto& a, auto& b) { return a.start_ms < b.start_ms; });
    hours = hours || !day.empty();
  }
  std::sort(d.holidays.begin(), d.holidays.end());
  // Closed spans sorted and joined, so the spans that cut a day are found by binary search.
  std::erase_if(d.closed_spans, [](const Span& s) { return s.from >= s.to; });
  std::sort(d.closed_spans.begin(), d.closed_spans.end(), [](auto& a, auto& b) { return a.from < b.from; });
  std::vector<Span> joined;
  for (const Span& s : d.closed_spans) {
    if (!joined.empty() && s.from <= joined.back().to) joined.back().to = std::max(joined.back().to, s.to);
    else joined.push_back(s);
  }
  d.closed_spans = std::move(joined);
  BusinessCalendar c(std::move(d), std::move(*zone));
  c.has_hours_ = hours;
  return c;
}

bool BusinessCalendar::is_closed_day(std::int64_t day) const {
  const CalendarDefinition& d = definition_;
  if (d.japanese_holidays && is_japanese_holiday(day)) return true;
  if (std::binary_search(d.holidays.begin(), d.holidays.end(), day)) return true;
  for (const auto& r : d.closed_dates)
    if (day >= r.first && day <= r.last) return true;
  if (d.closed_every_year.empty()) return false;
  std::int64_t y;
  unsigned m, dd;
  civil_from_days(day, y, m, dd);
  const int md = static_cast<int>(m * 100 + dd);
  for (const auto& a : d.closed_every_year)
    if (a.from <= a.to ? (md >= a.from && md <= a.to) : (md >= a.from || md <= a.to)) return true;
  return false;
}

void BusinessCalendar::open_on(std::int64_t day, std::vector<Span>& out) const {
  out.clear();
  if (is_closed_day(day)) return;
  const EpochMs midnight = day * kDay;
  for (const DayInterval& i : definition_.week[weekday(day)]) {
    const EpochMs from = zone_.from_local(midnight + i.start_ms).first;
    const EpochMs to = zone_.from_local(midnight + i.end_ms).last;
    if (from >= to) continue;  // within a skipped hour
    // Two intervals can meet when the repeated hour lengthens the first.
    if (!out.empty() && from <= out.back().to) out.back().to = std::max(out.back().to, to);
    else out.push_back({from, to});
  }
  const auto& closed = definition_.closed_spans;
  if (out.empty() || closed.empty()) return;
  std::vector<Span> open;
  for (const Span& s : out) {
    EpochMs cur = s.from;
    auto c = std::upper_bound(closed.begin(), closed.end(), cur, [](EpochMs t, const Span& x) { return t < x.to; });
    for (; c != closed.end() && c->from < s.to; ++c) {
      if (c->from > cur) open.push_back({cur, c->from});
      cur = std::max(cur, c->to);
    }
    if (cur < s.to) open.push_back({cur, s.to});
  }
  out = std::move(open);
}

template <class Piece>
bool BusinessCalendar::walk(EpochMs from, std::optional<EpochMs> until, Piece&& piece) const {
  if (!has_hours_) return false;
  std::vector<Span> spans;
  // The day before the local date of `from` too: on a night the clocks go back, its last
  // interval can reach past `from`.
  std::int64_t day = floor_div(from + zone_.offset_ms(from), kDay) - 1;
  EpochMs floor = from;
  int closed = 0;
  for (;; ++day) {
    if (until && day * kDay - kMaxOffset >= *until) return true;
    open_on(day, spans);
    bool open = false;
    for (Span s : spans) {
      if (until && s.from >= *until) return true;
      s.from = std::max(s.from, floor);
      if (s.from >= s.to) continue;
      open = true;
      floor = s.to;
      if (!piece(s)) return true;
    }
    closed = open ? 0 : closed + 1;
    if (closed > kMaxClosedDays) return false;
  }
}

std::optional<EpochMs> BusinessCalendar::add(EpochMs start, std::int64_t duration_ms) const {
  if (duration_ms < 0) return std::nullopt;
  if (duration_ms == 0) return start;
  std::int64_t left = duration_ms;
  std::optional<EpochMs> at;
  walk(start, std::nullopt, [&](const Span& s) {
    if (s.to - s.from >= left) {
      at = s.from + left;
      return false;
    }
    left -= s.to - s.from;
    return true;
  });
  return at;
}

std::int64_t BusinessCalendar::between(EpochMs a, EpochMs b) const {
  std::int64_t sum = 0;
  if (b <= a) return 0;
  walk(a, b, [&](const Span& s) {
    sum += std::min(s.to, b) - s.from;
    return true;
  });
  return sum;
}

std::vector<Span> BusinessCalendar::segments(EpochMs a, EpochMs b) const {
  std::vector<Span> out;
  if (b <= a) return out;
  walk(a, b, [&](const Span& s) {
    const Span clipped{s.from, std::min(s.to, b)};
    if (!out.empty() && out.back().to == clipped.from) out.back().to = clipped.to;
    else out.push_back(clipped);
    return true;
  });
  return out;
}

}  // namespace kanri::processes::service_level
