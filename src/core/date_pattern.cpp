#include "core/date_pattern.h"

#include <array>
#include <cctype>
#include <vector>

namespace kanri {

namespace {

enum class Part { day, month, year, hour, minute, second, literal };

struct Token {
  Part part;
  char literal = 0;
};

// The pattern's tokens; an empty result for a pattern that cannot be read.
std::vector<Token> tokenize(std::string_view p) {
  std::vector<Token> out;
  std::array<bool, 6> seen{};
  for (std::size_t i = 0; i < p.size();) {
    const char ch = p[i];
    std::size_t run = 1;
    while (i + run < p.size() && p[i + run] == ch) ++run;
    Part part = Part::literal;
    if (ch == 'd' && run <= 2) part = Part::day;
    else if (ch == 'm' && run <= 2) part = Part::month;
    else if (ch == 'y' && run == 4) part = Part::year;
    else if (ch == 'H' && run <= 2) part = Part::hour;
    else if (ch == 'M' && run == 2) part = Part::minute;
    else if (ch == 'S' && run == 2) part = Part::second;
    else if (std::isalpha(static_cast<unsigned char>(ch))) return {};
    if (part == Part::literal) {
      for (std::size_t k = 0; k < run; ++k) out.push_back({Part::literal, ch});
    } else {
      auto& s = seen[static_cast<std::size_t>(part)];
      if (s) return {};
      s = true;
      out.push_back({part});
    }
    i += run;
  }
  if (!seen[0] || !seen[1] || !seen[2]) return {};
  return out;
}

bool leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(std::int64_t y, unsigned m) {
  static constexpr std::array<unsigned, 12> kDays{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

}  // namespace

std::optional<DatePattern> DatePattern::parse(std::string_view pattern) {
  if (tokenize(pattern).empty()) return std::nullopt;
  DatePattern out;
  out.pattern_ = std::string(pattern);
  return out;
}

std::optional<EpochMs> DatePattern::read(std::string_view text, const TimeZone& zone) const {
  std::int64_t year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  std::size_t i = 0;
  for (const Token& tok : tokenize(pattern_)) {
    if (tok.part == Part::literal) {
      if (i >= text.size() || text[i] != tok.literal) return std::nullopt;
      ++i;
      continue;
    }
    const std::size_t width = tok.part == Part::year ? 4 : 2;
    const std::size_t start = i;
    std::int64_t v = 0;
    while (i < text.size() && i - start < width && text[i] >= '0' && text[i] <= '9') v = v * 10 + (text[i++] - '0');
    if (i == start || (tok.part == Part::year && i - start != 4)) return std::nullopt;
    switch (tok.part) {
      case Part::day: day = v; break;
      case Part::month: month = v; break;
      case Part::year: year = v; break;
      case Part::hour: hour = v; break;
      case Part::minute: minute = v; break;
      case Part::second: second = v; break;
      case Part::literal: break;
    }
  }
  if (i != text.size()) return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, static_cast<unsigned>(month))) return std::nullopt;
  if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
  const EpochMs wall = (days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
                        hour * 3600 + minute * 60 + second) * 1000;
  // The wall clock is ahead of UTC by the offset in force at the instant itself: guess with
  // the offset at the wall time read as UTC, then correct once with the offset at the guess.
  const EpochMs guess = wall - zone.offset_ms(wall);
  return wall - zone.offset_ms(guess);
}

}  // namespace kanri
