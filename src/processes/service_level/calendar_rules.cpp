#include "processes/service_level/calendar_rules.h"

#include <algorithm>
#include <cstdio>

#include "processes/record_fields.h"

namespace kanri::processes::service_level {

using nlohmann::json;

namespace {

constexpr std::int64_t kMinute = 60'000;
constexpr const char* kWeekdays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

// "HH:MM" from 00:00 to 24:00 as ms after midnight.
std::optional<std::int64_t> clock_time(const json& v) {
  if (!v.is_string()) return std::nullopt;
  const std::string s = v.get<std::string>();
  auto digit = [&](size_t i) { return s[i] >= '0' && s[i] <= '9'; };
  if (s.size() != 5 || s[2] != ':' || !digit(0) || !digit(1) || !digit(3) || !digit(4)) return std::nullopt;
  const int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
  if (m > 59 || h > 24 || (h == 24 && m != 0)) return std::nullopt;
  return (h * 60 + m) * kMinute;
}

// "MM-DD" (February 29 allowed) as month × 100 + day.
std::optional<int> month_day(const std::string& s) {
  if (s.size() != 5 || s[2] != '-') return std::nullopt;
  const std::string probe = "2000-" + s;  // a leap year, so 02-29 is a day
  if (!is_valid_date(probe)) return std::nullopt;
  return std::stoi(s.substr(0, 2)) * 100 + std::stoi(s.substr(3, 2));
}

struct Errors {
  std::vector<FieldError> list;
  void add(const char* field, const char* code, MessageArgs args = {}) { list.push_back({field, code, std::move(args)}); }
};

void read_hours(const json& hours, CalendarDefinition& d, Errors& e) {
  if (!hours.is_object()) return e.add("hours", "calendar.hours_object");
  for (auto& [key, day] : hours.items()) {
    const auto* at = std::find(std::begin(kWeekdays), std::end(kWeekdays), key);
    if (at == std::end(kWeekdays)) {
      e.add("hours", "calendar.hours_day", {{"day", key}});
      continue;
    }
    auto& intervals = d.week[at - std::begin(kWeekdays)];
    if (!day.is_array()) {
      e.add("hours", "calendar.hours_interval", {{"day", key}, {"interval", day.dump()}});
      continue;
    }
    for (const json& i : day) {
      std::optional<std::int64_t> from, to;
      if (i.is_array() && i.size() == 2) from = clock_time(i[0]), to = clock_time(i[1]);
      if (!from || !to || *from >= *to) {
        e.add("hours", "calendar.hours_interval", {{"day", key}, {"interval", i.dump()}});
        continue;
      }
      intervals.push_back({*from, *to});
    }
    std::sort(intervals.begin(), intervals.end(), [](auto& a, auto& b) { return a.start_ms < b.start_ms; });
    for (size_t k = 1; k < intervals.size(); ++k)
      if (intervals[k].start_ms < intervals[k - 1].end_ms) {
        auto hhmm = [](std::int64_t ms) {
          char b[6];
          std::snprintf(b, sizeof b, "%02d:%02d", static_cast<int>(ms / 3'600'000), static_cast<int>(ms / kMinute % 60));
          return std::string(b);
        };
        e.add("hours", "calendar.hours_overlap",
              {{"day", key},
               {"first", hhmm(intervals[k - 1].start_ms) + "–" + hhmm(intervals[k - 1].end_ms)},
               {"second", hhmm(intervals[k].start_ms) + "–" + hhmm(intervals[k].end_ms)}});
      }
  }
  if (e.list.empty() && std::all_of(d.week.begin(), d.week.end(), [](auto& w) { return w.empty(); }))
    e.add("hours", "calendar.hours_none");
}

void read_holidays(const json& holidays, CalendarDefinition& d, Errors& e) {
  if (holidays.is_null()) return;
  if (!holidays.is_array()) return e.add("extra_holidays", "calendar.holidays_list");
  for (size_t i = 0; i < holidays.size(); ++i) {
    const json& h = holidays[i];
    const json& date = h.is_object() ? (h.contains("date") ? h["date"] : json()) : h;
    const bool named_ok = !h.is_object() || !h.contains("name") || h["name"].is_string();
    if (!date.is_string() || !is_valid_date(date.get<std::string>()) || !named_ok) {
      e.add("extra_holidays", "calendar.holiday", {{"index", std::to_string(i + 1)}, {"value", h.dump()}});
      continue;
    }
    d.holidays.push_back(date_to_days(date.get<std::string>()));
  }
}

void read_closures(const json& closures, CalendarDefinition& d, Errors& e) {
  if (closures.is_null()) return;
  if (!closures.is_array()) return e.add("closures", "calendar.closures_list");
  for (size_t i = 0; i < closures.size(); ++i) {
    const json& c = closures[i];
    const MessageArgs at{{"index", std::to_string(i + 1)}, {"value", c.dump()}};
    const bool shape = c.is_object() && c.contains("from") && c.contains("to") && c["from"].is_string() &&
                       c["to"].is_string() && (!c.contains("name") || c["name"].is_string());
    if (!shape) {
      e.add("closures", "calendar.closure", at);
      continue;
    }
    const std::string from = c["from"], to = c["to"];
    auto reversed = [&] {
      e.add("closures", "calendar.closure_order", {{"index", std::to_string(i + 1)}, {"from", from}, {"to", to}});
    };
    if (auto a = month_day(from), b = month_day(to); a && b) {
      d.closed_every_year.push_back({*a, *b});
    } else if (is_valid_date(from) && is_valid_date(to)) {
      if (to < from) reversed();
      else d.closed_dates.push_back({date_to_days(from), date_to_days(to)});
    } else if (auto s = parse_timestamp(from), t = parse_timestamp(to); s && t) {
      if (*t <= *s) reversed();
      else d.closed_spans.push_back({*s, *t});
    } else {
      e.add("closures", "calendar.closure", at);
    }
  }
}

json parsed(const store::Record& r, const char* name) {
  const std::string t = text(r, name);
  return t.empty() ? json() : json::parse(t, nullptr, false);
}

}  // namespace

Result<CalendarDefinition> parse_calendar(const std::string& time_zone, const json& hours,
                                          const std::string& national_holidays, const json& holidays,
                                          const json& closures) {
  CalendarDefinition d;
  Errors e;
  d.time_zone = time_zone;
  if (!TimeZone::named(time_zone)) e.add("time_zone", "calendar.time_zone", {{"value", time_zone}});
  read_hours(hours, d, e);
  if (national_holidays == "japan") d.japanese_holidays = true;
  else if (national_holidays != "none" && !national_holidays.empty())
    e.add("national_holidays", "calendar.national_holidays", {{"value", national_holidays}});
  read_holidays(holidays, d, e);
  read_closures(closures, d, e);
  if (!e.list.empty()) return Error::invalid(std::move(e.list));
  return d;
}

Result<CalendarDefinition> calendar_of(const store::Record& r) {
  return parse_calendar(text(r, "time_zone"), parsed(r, "hours"), text(r, "national_holidays"),
                        parsed(r, "extra_holidays"), parsed(r, "closures"));
}

void register_calendar_rules(engine::RuleRegistry& rules) {
  rules.add_write_rule("business_calendar", [](engine::WriteContext& w) -> Status {
    auto d = calendar_of(w.after);
    if (!d) return d.take_error();
    return ok_status();
  });
}

}  // namespace kanri::processes::service_level
