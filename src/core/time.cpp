#include "core/time.h"

#include <cstdio>

#include <chrono>
#include <cmath>

#include <fmt/format.h>

namespace kanri {

EpochMs SystemClock::now_ms() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

EpochMs SettableClock::now_ms() const {
  EpochMs at = held_.load(std::memory_order_relaxed);
  return at != 0 ? at : SystemClock().now_ms();
}

bool SettableClock::hold(EpochMs at) {
  EpochMs seen = held_.load(std::memory_order_relaxed);
  do {
    if (at < (seen != 0 ? seen : SystemClock().now_ms())) return false;
  } while (!held_.compare_exchange_weak(seen, at, std::memory_order_relaxed));
  return true;
}

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

std::string format_timestamp(EpochMs ms) {
  std::int64_t days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
  std::int64_t rem = ms - days * 86400000;
  std::int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", y, m, d, rem / 3600000,
                     rem / 60000 % 60, rem / 1000 % 60, rem % 1000);
}

namespace {

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

unsigned days_in_month(int y, int m) {
  static const unsigned table[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : table[m - 1];
}

bool parse_date_at(std::string_view s, int& y, int& m, int& d) {
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return false;
  if (!digits(s, 0, 4, y) || !digits(s, 5, 2, m) || !digits(s, 8, 2, d)) return false;
  return m >= 1 && m <= 12 && d >= 1 && static_cast<unsigned>(d) <= days_in_month(y, m);
}

}  // namespace

bool is_valid_date(std::string_view text) {
  int y, m, d;
  return text.size() == 10 && parse_date_at(text, y, m, d);
}

std::optional<EpochMs> parse_timestamp(std::string_view s) {
  int y, mo, d, h, mi, sec = 0, ms = 0;
  if (!parse_date_at(s, y, mo, d) || s.size() < 16 || (s[10] != 'T' && s[10] != ' ')) return {};
  if (!digits(s, 11, 2, h) || s[13] != ':' || !digits(s, 14, 2, mi)) return {};
  size_t pos = 16;
  if (pos < s.size() && s[pos] == ':') {
    if (!digits(s, pos + 1, 2, sec)) return {};
    pos += 3;
    if (pos < s.size() && s[pos] == '.') {
      ++pos;
      size_t start = pos;
      int scale = 100;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
        ms += (s[pos] - '0') * scale;
        scale /= 10;
        ++pos;
      }
      if (pos == start) return {};
    }
  }
  if (h > 23 || mi > 59 || sec > 59) return {};
  int offset_min = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !digits(s, pos + 4, 2, om) || oh > 23 || om > 59)
      return {};
    offset_min = (oh * 60 + om) * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return {};  // a timestamp without a zone is ambiguous; refuse it
  }
  if (pos != s.size()) return {};
  std::int64_t days = days_from_civil(y, mo, d);
  return ((days * 24 + h) * 60 + mi - offset_min) * 60000LL + sec * 1000LL + ms;
}

std::optional<std::int64_t> parse_duration(std::string_view s) {
  if (s.size() < 2 || s[0] != 'P') return {};
  size_t pos = 1;
  bool in_time = false, any = false;
  double total = 0;
  char last_unit = 0;
  const std::string_view date_units = "WD", time_units = "HMS";
  while (pos < s.size()) {
    if (s[pos] == 'T') {
      if (in_time) return {};
      in_time = true;
      last_unit = 0;
      ++pos;
      if (pos == s.size()) return {};
      continue;
    }
    size_t start = pos;
    while (pos < s.size() && ((s[pos] >= '0' && s[pos] <= '9') || s[pos] == '.')) ++pos;
    if (pos == start || pos == s.size()) return {};
    std::string number(s.substr(start, pos - start));
    char* end = nullptr;
    double n = std::strtod(number.c_str(), &end);
    if (end != number.c_str() + number.size()) return {};  // "1.2.3" or "."
    char unit = s[pos++];
    std::string_view units = in_time ? time_units : date_units;
    size_t idx = units.find(unit);
    if (idx == std::string_view::npos) return {};
    if (last_unit && units.find(last_unit) >= idx) return {};  // units out of order or repeated
    last_unit = unit;
    static const double date_ms[] = {7 * 86400000.0, 86400000.0};
    static const double time_ms[] = {3600000.0, 60000.0, 1000.0};
    total += n * (in_time ? time_ms[idx] : date_ms[idx]);
    any = true;
  }
  if (!any || total > 9.2e18) return {};
  return static_cast<std::int64_t>(std::llround(total));
}

std::string readable_duration(std::int64_t ms) {
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  const std::size_t sign = out.size();
  auto part = [&](std::int64_t unit, const char* name) {
    if (ms < unit) return;
    out += (out.size() == sign ? "" : " ") + std::to_string(ms / unit) + " " + name;
    ms %= unit;
  };
  part(86'400'000, "d");
  part(3'600'000, "h");
  part(60'000, "min");
  part(1'000, "s");
  return out.size() == sign ? "0 s" : out;
}

std::string format_duration(std::int64_t ms) {
  if (ms < 0) ms = 0;
  std::int64_t days = ms / 86400000, rem = ms % 86400000;
  std::int64_t h = rem / 3600000, m = rem / 60000 % 60, s = rem / 1000 % 60, f = rem % 1000;
  std::string out = "P";
  if (days) out += fmt::format("{}D", days);
  if (h || m || s || f || !days) {
    out += 'T';
    if (h) out += fmt::format("{}H", h);
    if (m) out += fmt::format("{}M", m);
    if (s || f || (!h && !m)) out += f ? fmt::format("{}.{:03}S", s, f) : fmt::format("{}S", s);
  }
  return out;
}

std::int64_t date_to_days(std::string_view date) {
  auto num = [&](size_t at, size_t n) {
    int v = 0;
    for (size_t i = at; i < at + n && i < date.size(); ++i) v = v * 10 + (date[i] - '0');
    return v;
  };
  return days_from_civil(num(0, 4), static_cast<unsigned>(num(5, 2)), static_cast<unsigned>(num(8, 2)));
}

std::string days_to_date(std::int64_t days) {
  std::int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
  return buf;
}

}  // namespace kanri
