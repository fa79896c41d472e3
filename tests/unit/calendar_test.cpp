#include "processes/service_level/calendar.h"

#include <gtest/gtest.h>

#include <unicode/basictz.h>
#include <unicode/timezone.h>
#include <unicode/tztrans.h>
#include <unicode/unistr.h>

#include <memory>
#include <random>
#include <utility>
#include <string>

#include "processes/service_level/calendar_rules.h"
#include "processes/service_level/japanese_holidays.h"

#ifdef KANRI_HAVE_RAPIDCHECK
#include <rapidcheck/gtest.h>
#endif

namespace kanri::processes::service_level {
namespace {

using nlohmann::json;

constexpr std::int64_t kMinute = 60'000, kHour = 60 * kMinute, kDay = 24 * kHour;

EpochMs at(const char* text) {
  auto t = parse_timestamp(text);
  EXPECT_TRUE(t.has_value()) << text;
  return t.value_or(0);
}

BusinessCalendar calendar(const char* zone, const json& hours, const char* national = "none",
                          const json& holidays = nullptr, const json& closures = nullptr) {
  auto d = parse_calendar(zone, hours, national, holidays, closures);
  EXPECT_TRUE(d.ok()) << (d.ok() ? "" : d.error().fields.empty() ? d.error().code : d.error().fields[0].code);
  return *BusinessCalendar::make(d.ok() ? d.value() : CalendarDefinition{});
}

// A day's intervals as JSON arrays ([["09:00", "12:00"], …]): nlohmann's brace lists would read
// a list of two-string pairs as an object.
json iv(std::initializer_list<std::pair<const char*, const char*>> spans) {
  json out = json::array();
  for (auto& [from, to] : spans) out.push_back(json::array({from, to}));
  return out;
}

const json kOfficeHours = {{"mon", iv({{"09:00", "12:00"}, {"13:00", "18:00"}})},
                           {"tue", iv({{"09:00", "12:00"}, {"13:00", "18:00"}})},
                           {"wed", iv({{"09:00", "12:00"}, {"13:00", "18:00"}})},
                           {"thu", iv({{"09:00", "12:00"}, {"13:00", "18:00"}})},
                           {"fri", iv({{"09:00", "12:00"}, {"13:00", "18:00"}})}};
const json kNineToSix = {{"mon", iv({{"09:00", "18:00"}})}, {"tue", iv({{"09:00", "18:00"}})}, {"wed", iv({{"09:00", "18:00"}})},
                         {"thu", iv({{"09:00", "18:00"}})}, {"fri", iv({{"09:00", "18:00"}})}};

json every_day(const char* from, const char* to) {
  json h;
  for (const char* d : {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}) h[d] = iv({{from, to}});
  return h;
}

// ---- TimeZone::offset_ms ----------------------------------------------------------------------

// The offsets come from a table of the zone's transitions read once from ICU; ICU itself is the
// oracle: at each transition, the millisecond before and after it, half-way between two, and at
// instants drawn across 1900-2200 (outside the table's 1970-2100, ICU is asked).
TEST(TimeZoneOffsets, AgreeWithIcuAtEveryTransitionAndBetween) {
  std::mt19937_64 random(20261202);
  for (const char* name : {"Asia/Tokyo", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Sao_Paulo",
                           "Africa/Casablanca", "Pacific/Chatham", "Asia/Kolkata", "UTC"}) {
    auto zone = TimeZone::named(name);
    ASSERT_TRUE(zone.has_value()) << name;
    std::unique_ptr<icu::TimeZone> icu_zone(icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8(name)));
    auto icu_offset = [&](EpochMs t) {
      int32_t raw = 0, dst = 0;
      UErrorCode status = U_ZERO_ERROR;
      icu_zone->getOffset(static_cast<UDate>(t), false, raw, dst, status);
      return static_cast<std::int64_t>(raw) + dst;
    };
    std::vector<EpochMs> probes;
    if (auto* basic = dynamic_cast<icu::BasicTimeZone*>(icu_zone.get())) {
      icu::TimeZoneTransition tr;
      UDate t = -2'208'988'800'000.0;  // 1900
      EpochMs previous = static_cast<EpochMs>(t);
      while (basic->getNextTransition(t, false, tr) && tr.getTime() < 7'258'118'400'000.0) {  // 2200
        t = tr.getTime();
        const auto at_t = static_cast<EpochMs>(t);
        for (EpochMs d : {-1, 0, 1}) probes.push_back(at_t + d);
        probes.push_back(previous + (at_t - previous) / 2);
        previous = at_t;
      }
    }
    std::uniform_int_distribution<EpochMs> anywhere(-2'208'988'800'000, 7'258'118'400'000);
    for (int i = 0; i < 2000; ++i) probes.push_back(anywhere(random));
    int mismatches = 0;
    for (EpochMs t : probes)
      if (zone->offset_ms(t) != icu_offset(t) && ++mismatches <= 5)
        ADD_FAILURE() << name << " at " << format_timestamp(t) << ": " << zone->offset_ms(t) << " ms, ICU says "
                      << icu_offset(t);
    EXPECT_EQ(mismatches, 0) << name << ", " << probes.size() << " instants";
  }
  EXPECT_EQ(TimeZone::named("Europe/Berlin")->offset_ms(at("2026-03-29T01:00:00Z")), 2 * kHour);
  EXPECT_EQ(TimeZone::named("Europe/Berlin")->offset_ms(at("2026-03-29T00:59:59.999Z")), kHour);
}

// ---- TimeZone::from_local ---------------------------------------------------------------------

TEST(TimeZoneFromLocal, OneInstantOnAnOrdinaryDay) {
  auto tokyo = TimeZone::named("Asia/Tokyo");
  auto l = tokyo->from_local(at("2026-06-01T09:00:00Z"));
  EXPECT_EQ(l.first, at("2026-06-01T00:00:00Z"));
  EXPECT_EQ(l.last, l.first);
}

TEST(TimeZoneFromLocal, ASkippedTimeIsTheInstantOfTheJump) {
  auto berlin = TimeZone::named("Europe/Berlin");
  // 2026-03-29: 02:00 CET becomes 03:00 CEST at 01:00 UTC.
  for (const char* local : {"2026-03-29T02:00:00Z", "2026-03-29T02:30:00Z", "2026-03-29T02:59:59.999Z"}) {
    auto l = berlin->from_local(at(local));
    EXPECT_EQ(l.first, at("2026-03-29T01:00:00Z")) << local;
    EXPECT_EQ(l.last, l.first);
  }
  EXPECT_EQ(berlin->from_local(at("2026-03-29T03:00:00Z")).first, at("2026-03-29T01:00:00Z"));
  EXPECT_EQ(berlin->from_local(at("2026-03-29T01:59:59.999Z")).first, at("2026-03-29T00:59:59.999Z"));
}

TEST(TimeZoneFromLocal, ARepeatedTimeHasTwoInstants) {
  auto berlin = TimeZone::named("Europe/Berlin");
  // 2026-10-25: 03:00 CEST becomes 02:00 CET at 01:00 UTC, so 02:00–03:00 is shown twice.
  auto l = berlin->from_local(at("2026-10-25T02:30:00Z"));
  EXPECT_EQ(l.first, at("2026-10-25T00:30:00Z"));
  EXPECT_EQ(l.last, at("2026-10-25T01:30:00Z"));
  auto three = berlin->from_local(at("2026-10-25T03:00:00Z"));
  EXPECT_EQ(three.first, at("2026-10-25T02:00:00Z"));
  EXPECT_EQ(three.last, three.first);
  auto ny = TimeZone::named("America/New_York");  // 2026-11-01 01:00–02:00 twice
  auto n = ny->from_local(at("2026-11-01T01:15:00Z"));
  EXPECT_EQ(n.first, at("2026-11-01T05:15:00Z"));
  EXPECT_EQ(n.last, at("2026-11-01T06:15:00Z"));
}

// ---- arithmetic -------------------------------------------------------------------------------

TEST(BusinessCalendar, CountsOnlyTheServiceHoursOfEachDay) {
  auto c = calendar("Asia/Tokyo", kOfficeHours);
  const EpochMs mon = at("2026-06-01T00:00:00+09:00");
  EXPECT_EQ(c.between(mon, mon + kDay), 8 * kHour);
  EXPECT_EQ(c.between(at("2026-06-01T11:30:00+09:00"), at("2026-06-01T13:30:00+09:00")), kHour);
  EXPECT_EQ(*c.add(at("2026-06-01T11:30:00+09:00"), kHour), at("2026-06-01T13:30:00+09:00"));
  // A duration that ends exactly at a closing time ends there, not at the next opening.
  EXPECT_EQ(*c.add(at("2026-06-01T09:00:00+09:00"), 3 * kHour), at("2026-06-01T12:00:00+09:00"));
  EXPECT_EQ(c.segments(mon, mon + kDay),
            (std::vector<Span>{{at("2026-06-01T09:00:00+09:00"), at("2026-06-01T12:00:00+09:00")},
                               {at("2026-06-01T13:00:00+09:00"), at("2026-06-01T18:00:00+09:00")}}));
  EXPECT_TRUE(c.is_open(at("2026-06-01T09:00:00+09:00")));
  EXPECT_FALSE(c.is_open(at("2026-06-01T12:00:00+09:00")));
  EXPECT_TRUE(c.is_open(at("2026-06-01T11:59:59.999+09:00")));
}

TEST(BusinessCalendar, StartingOutsideServiceHoursCountsFromTheNextOpening) {
  auto c = calendar("Asia/Tokyo", kOfficeHours);
  EXPECT_EQ(*c.add(at("2026-06-01T07:00:00+09:00"), 30 * kMinute), at("2026-06-01T09:30:00+09:00"));
  EXPECT_EQ(*c.add(at("2026-06-01T12:10:00+09:00"), 1), at("2026-06-01T13:00:00.001+09:00"));
  // Zero business time is already over at the start, open or not.
  EXPECT_EQ(*c.add(at("2026-06-01T07:00:00+09:00"), 0), at("2026-06-01T07:00:00+09:00"));
  EXPECT_FALSE(c.add(at("2026-06-01T07:00:00+09:00"), -1).has_value());
}

TEST(BusinessCalendar, PausesOverTheWeekend) {
  auto c = calendar("Asia/Tokyo", kOfficeHours);
  const EpochMs fri = at("2026-06-05T17:00:00+09:00");  // a Friday
  EXPECT_EQ(*c.add(fri, 2 * kHour), at("2026-06-08T10:00:00+09:00"));
  EXPECT_EQ(c.between(fri, at("2026-06-08T10:00:00+09:00")), 2 * kHour);
  EXPECT_EQ(c.between(at("2026-06-06T00:00:00+09:00"), at("2026-06-08T00:00:00+09:00")), 0);
  EXPECT_EQ(*c.add(fri, 8 * 5 * kHour), at("2026-06-12T17:00:00+09:00"));  // one working week later
}

TEST(BusinessCalendar, TwentyFourSevenInUtcIsPlainTime) {
  auto c = calendar("UTC", every_day("00:00", "24:00"));
  const EpochMs s = at("2026-02-27T13:14:15.678Z");
  EXPECT_EQ(*c.add(s, 400 * kDay + 7), s + 400 * kDay + 7);
  EXPECT_EQ(c.between(s, s + 3 * kDay), 3 * kDay);
  EXPECT_EQ(c.segments(s, s + 3 * kDay), (std::vector<Span>{{s, s + 3 * kDay}}));
}

TEST(BusinessCalendar, BerlinSpringForwardSkipsTheHourThatDoesNotExist) {
  // 2026-03-29 (a Sunday): the clocks go from 02:00 to 03:00.
  auto whole = calendar("Europe/Berlin", every_day("00:00", "24:00"));
  EXPECT_EQ(whole.between(at("2026-03-29T00:00:00+01:00"), at("2026-03-30T00:00:00+02:00")), 23 * kHour);
  auto night = calendar("Europe/Berlin", {{"sun", iv({{"01:00", "04:00"}})}});
  EXPECT_EQ(night.between(at("2026-03-28T00:00:00Z"), at("2026-03-30T00:00:00Z")), 2 * kHour);
  EXPECT_EQ(*night.add(at("2026-03-29T01:30:00+01:00"), kHour), at("2026-03-29T03:30:00+02:00"));
  auto gap = calendar("Europe/Berlin", {{"sun", iv({{"02:00", "03:00"}})}});
  EXPECT_EQ(gap.between(at("2026-03-28T00:00:00Z"), at("2026-03-30T00:00:00Z")), 0);
  // The next Sunday has the hour again.
  EXPECT_EQ(*gap.add(at("2026-03-29T00:00:00Z"), kMinute), at("2026-04-05T02:01:00+02:00"));
  auto into = calendar("Europe/Berlin", {{"sun", iv({{"02:30", "04:00"}})}});
  EXPECT_EQ(into.segments(at("2026-03-28T00:00:00Z"), at("2026-03-30T00:00:00Z")),
            (std::vector<Span>{{at("2026-03-29T03:00:00+02:00"), at("2026-03-29T04:00:00+02:00")}}));
}

TEST(BusinessCalendar, BerlinFallBackCountsTheRepeatedHourOnce) {
  // 2026-10-25 (a Sunday): the clocks go from 03:00 back to 02:00, so 02:00–03:00 happens twice.
  auto whole = calendar("Europe/Berlin", every_day("00:00", "24:00"));
  EXPECT_EQ(whole.between(at("2026-10-25T00:00:00+02:00"), at("2026-10-26T00:00:00+01:00")), 25 * kHour);
  auto night = calendar("Europe/Berlin", {{"sun", iv({{"02:00", "03:00"}})}});
  EXPECT_EQ(night.segments(at("2026-10-24T00:00:00Z"), at("2026-10-26T00:00:00Z")),
            (std::vector<Span>{{at("2026-10-25T02:00:00+02:00"), at("2026-10-25T03:00:00+01:00")}}));
  EXPECT_EQ(*night.add(at("2026-10-25T02:30:00+02:00"), kHour), at("2026-10-25T02:30:00+01:00"));
  // An interval that ends in the repeated hour runs until its second showing.
  auto to_half = calendar("Europe/Berlin", {{"sun", iv({{"01:00", "02:30"}})}});
  EXPECT_EQ(to_half.between(at("2026-10-24T00:00:00Z"), at("2026-10-26T00:00:00Z")), 150 * kMinute);
  // On an ordinary Sunday the same calendars count their plain length.
  EXPECT_EQ(night.between(at("2026-11-01T00:00:00Z"), at("2026-11-02T00:00:00Z")), kHour);
}

TEST(BusinessCalendar, JapaneseYearEndWithItsClosureAndNewYearsDay) {
  const json closures = {{{"from", "12-29"}, {"to", "01-03"}, {"name", "年末年始"}}};
  auto c = calendar("Asia/Tokyo", kNineToSix, "japan", nullptr, closures);
  // 12-31 is closed; counting begins on Monday 2027-01-04.
  EXPECT_EQ(*c.add(at("2026-12-31T10:00:00+09:00"), 10 * kHour), at("2027-01-05T10:00:00+09:00"));
  EXPECT_EQ(*c.add(at("2026-12-28T17:00:00+09:00"), 3 * kHour), at("2027-01-04T11:00:00+09:00"));
  EXPECT_EQ(c.between(at("2026-12-28T00:00:00+09:00"), at("2027-01-05T00:00:00+09:00")), 18 * kHour);
  // Without the closure only New Year's Day is off.
  auto national = calendar("Asia/Tokyo", kNineToSix, "japan");
  EXPECT_EQ(*national.add(at("2026-12-31T10:00:00+09:00"), 10 * kHour), at("2027-01-04T11:00:00+09:00"));
  EXPECT_TRUE(national.is_closed_day(date_to_days("2027-01-01")));
  EXPECT_FALSE(national.is_closed_day(date_to_days("2026-12-31")));
  EXPECT_TRUE(c.is_closed_day(date_to_days("2026-12-31")));
  // 成人の日 2027 is Monday 01-11.
  EXPECT_EQ(*c.add(at("2027-01-08T17:00:00+09:00"), 2 * kHour), at("2027-01-12T10:00:00+09:00"));
}

TEST(BusinessCalendar, TheWorkedExampleOfTheGuide) {
  auto c = calendar("Asia/Tokyo", kOfficeHours, "japan", nullptr, {{{"from", "12-29"}, {"to", "01-03"}}});
  const EpochMs recorded = at("2026-12-28T16:30:00+09:00");
  EXPECT_EQ(*c.add(recorded, 4 * kHour), at("2027-01-04T02:30:00Z"));
  EXPECT_EQ(*c.add(recorded, 12 * kHour), at("2027-01-05T11:30:00+09:00"));
}

TEST(BusinessCalendar, SubstituteHolidayAfterGoldenWeek) {
  auto c = calendar("Asia/Tokyo", kNineToSix, "japan");
  // 05-03 (Sunday), 05-04, 05-05 are holidays, 05-06 their substitute: Friday → Thursday.
  EXPECT_EQ(*c.add(at("2026-05-01T17:00:00+09:00"), 2 * kHour), at("2026-05-07T10:00:00+09:00"));
  EXPECT_EQ(c.between(at("2026-05-06T00:00:00+09:00"), at("2026-05-07T00:00:00+09:00")), 0);
  auto without = calendar("Asia/Tokyo", kNineToSix);
  EXPECT_EQ(without.between(at("2026-05-06T00:00:00+09:00"), at("2026-05-07T00:00:00+09:00")), 9 * kHour);
}

TEST(BusinessCalendar, OwnHolidaysDatesAndMaintenanceWindowsAreClosed) {
  const json holidays = {"2026-08-13", {{"date", "2026-08-14"}, {"name", "夏季休業"}}};
  const json closures = {{{"from", "2026-08-17"}, {"to", "2026-08-18"}},
                         {{"from", "2026-08-19T10:00:00+09:00"}, {"to", "2026-08-19T11:30:00+09:00"}}};
  auto c = calendar("Asia/Tokyo", kNineToSix, "japan", holidays, closures);
  // 08-11 is 山の日, 08-13 and 08-14 the organization's, 08-17 and 08-18 closed, 08-19 has a window.
  EXPECT_EQ(c.between(at("2026-08-10T00:00:00+09:00"), at("2026-08-20T00:00:00+09:00")),
            9 * kHour /* 08-10 */ + 9 * kHour /* 08-12 */ + (9 * kHour - 90 * kMinute) /* 08-19 */);
  EXPECT_EQ(c.segments(at("2026-08-19T00:00:00+09:00"), at("2026-08-20T00:00:00+09:00")),
            (std::vector<Span>{{at("2026-08-19T09:00:00+09:00"), at("2026-08-19T10:00:00+09:00")},
                               {at("2026-08-19T11:30:00+09:00"), at("2026-08-19T18:00:00+09:00")}}));
}

TEST(BusinessCalendar, NoServiceHoursOrYearsClosedIsNoAnswerNotALoop) {
  CalendarDefinition none;
  auto c = BusinessCalendar::make(none);
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->add(at("2026-01-01T00:00:00Z"), 1).has_value());
  EXPECT_EQ(c->between(at("2026-01-01T00:00:00Z"), at("2027-01-01T00:00:00Z")), 0);
  auto shut = calendar("UTC", kNineToSix, "none", nullptr, {{{"from", "2026-01-01"}, {"to", "2030-12-31"}}});
  EXPECT_FALSE(shut.add(at("2026-01-01T00:00:00Z"), 1).has_value());
  EXPECT_EQ(*shut.add(at("2025-12-31T17:00:00Z"), kHour), at("2025-12-31T18:00:00Z"));
  CalendarDefinition mars;
  mars.time_zone = "Mars/Olympus";
  EXPECT_FALSE(BusinessCalendar::make(mars).has_value());
}

TEST(BusinessCalendar, TenYearsOfBusinessTimeAreExact) {
  auto c = calendar("Europe/Berlin", kOfficeHours, "japan");
  const EpochMs s = at("2026-01-05T09:00:00+01:00");
  const std::int64_t ten_years = 10 * 250 * 8 * kHour;
  auto end = c.add(s, ten_years);
  ASSERT_TRUE(end);
  EXPECT_EQ(c.between(s, *end), ten_years);
  EXPECT_GT(*end, at("2036-01-01T00:00:00Z"));
}

// ---- reading a calendar -------------------------------------------------------------------------

std::vector<std::string> errors_of(const char* zone, const json& hours, const char* national = "none",
                                   const json& holidays = nullptr, const json& closures = nullptr) {
  auto d = parse_calendar(zone, hours, national, holidays, closures);
  std::vector<std::string> out;
  if (!d.ok())
    for (auto& f : d.error().fields) out.push_back(f.field + " " + f.code);
  return out;
}

TEST(CalendarDefinitionReading, OneErrorPerMistakeOnItsField) {
  EXPECT_EQ(errors_of("Asia/Tokio", kNineToSix), (std::vector<std::string>{"time_zone calendar.time_zone"}));
  EXPECT_EQ(errors_of("UTC", json::array()), (std::vector<std::string>{"hours calendar.hours_object"}));
  EXPECT_EQ(errors_of("UTC", json::object()), (std::vector<std::string>{"hours calendar.hours_none"}));
  EXPECT_EQ(errors_of("UTC", {{"monday", iv({{"09:00", "18:00"}})}, {"tue", iv({{"18:00", "09:00"}, {"9:00", "10:00"}})}}),
            (std::vector<std::string>{"hours calendar.hours_day", "hours calendar.hours_interval",
                                      "hours calendar.hours_interval"}));
  EXPECT_EQ(errors_of("UTC", {{"mon", iv({{"09:00", "12:00"}, {"11:00", "13:00"}})}}),
            (std::vector<std::string>{"hours calendar.hours_overlap"}));
  EXPECT_EQ(errors_of("UTC", {{"mon", iv({{"00:00", "24:00"}})}, {"tue", iv({{"23:00", "24:01"}})}}),
            (std::vector<std::string>{"hours calendar.hours_interval"}));
  EXPECT_EQ(errors_of("UTC", kNineToSix, "france"), (std::vector<std::string>{"national_holidays calendar.national_holidays"}));
  EXPECT_EQ(errors_of("UTC", kNineToSix, "none", {"2026-02-30", "2026-08-13"}),
            (std::vector<std::string>{"extra_holidays calendar.holiday"}));
  EXPECT_EQ(errors_of("UTC", kNineToSix, "none", nullptr,
                      {{{"from", "2026-12-29"}, {"to", "2026-12-01"}},
                       {{"from", "12-29"}, {"to", "2027-01-03"}},
                       {{"from", "2026-05-10T22:00:00Z"}, {"to", "2026-05-10T22:00:00Z"}},
                       {{"from", "13-01"}, {"to", "01-03"}}}),
            (std::vector<std::string>{"closures calendar.closure_order", "closures calendar.closure",
                                      "closures calendar.closure_order", "closures calendar.closure"}));
  EXPECT_EQ(errors_of("UTC", kNineToSix, "none", json::object(), "12-29"),
            (std::vector<std::string>{"extra_holidays calendar.holidays_list", "closures calendar.closures_list"}));
}

TEST(CalendarDefinitionReading, ReadsEveryForm) {
  auto d = parse_calendar("Asia/Tokyo", {{"sat", iv({{"13:00", "24:00"}, {"00:00", "06:00"}})}}, "japan",
                          {"2026-08-13", {{"date", "2026-08-14"}, {"name", "夏季休業"}}},
                          {{{"from", "12-29"}, {"to", "01-03"}},
                           {{"from", "2026-05-01"}, {"to", "2026-05-02"}},
                           {{"from", "2026-05-10T22:00:00+09:00"}, {"to", "2026-05-11T02:00:00+09:00"}}});
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->japanese_holidays);
  ASSERT_EQ(d->week[5].size(), 2u);
  EXPECT_EQ(d->week[5][0].start_ms, 0);
  EXPECT_EQ(d->week[5][1].end_ms, kDay);
  EXPECT_EQ(d->holidays, (std::vector<std::int64_t>{date_to_days("2026-08-13"), date_to_days("2026-08-14")}));
  ASSERT_EQ(d->closed_every_year.size(), 1u);
  EXPECT_EQ(d->closed_every_year[0].from, 1229);
  EXPECT_EQ(d->closed_every_year[0].to, 103);
  ASSERT_EQ(d->closed_dates.size(), 1u);
  ASSERT_EQ(d->closed_spans.size(), 1u);
  EXPECT_EQ(d->closed_spans[0].to - d->closed_spans[0].from, 4 * kHour);
}

#ifdef KANRI_HAVE_RAPIDCHECK

// ---- properties over random calendars -----------------------------------------------------------

const EpochMs kFrom = *parse_timestamp("2020-01-01T00:00:00Z"), kTo = *parse_timestamp("2030-01-01T00:00:00Z");

// Where a random case is: any time in 2020–2030, or within days of a change of daylight saving
// time in Berlin or New York, where most calendars go wrong.
EpochMs random_anchor() {
  static const std::vector<EpochMs> changes{
      *parse_timestamp("2026-03-29T01:00:00Z"), *parse_timestamp("2026-10-25T01:00:00Z"),
      *parse_timestamp("2026-03-08T07:00:00Z"), *parse_timestamp("2026-11-01T06:00:00Z"),
      *parse_timestamp("2021-03-28T01:00:00Z"), *parse_timestamp("2021-11-07T06:00:00Z")};
  if (*rc::gen::arbitrary<bool>()) return *rc::gen::inRange(kFrom, kTo);
  return *rc::gen::elementOf(changes) + *rc::gen::inRange<std::int64_t>(-3 * kDay, 3 * kDay);
}

// A random calendar near `anchor`: a zone with or without daylight saving, up to three
// intervals a day on any minute (24:00 included), maybe Japan's holidays, some own holidays,
// closed dates and closed spans around the anchor, maybe the year-end closure.
CalendarDefinition random_definition(EpochMs anchor) {
  static const std::vector<std::string> zones{"Asia/Tokyo", "Europe/Berlin", "America/New_York", "UTC"};
  CalendarDefinition d;
  d.time_zone = *rc::gen::elementOf(zones);
  for (auto& day : d.week) {
    const int n = *rc::gen::inRange(0, 4);
    std::vector<int> points = *rc::gen::unique<std::vector<int>>(2 * n, rc::gen::inRange(0, 24 * 60 + 1));
    std::sort(points.begin(), points.end());
    for (size_t i = 0; i + 1 < points.size(); i += 2) day.push_back({points[i] * kMinute, points[i + 1] * kMinute});
  }
  d.japanese_holidays = *rc::gen::arbitrary<bool>();
  const std::int64_t first_day = anchor / kDay - 30, last_day = anchor / kDay + 60;
  for (int i = *rc::gen::inRange(0, 8); i > 0; --i) d.holidays.push_back(*rc::gen::inRange(first_day, last_day));
  for (int i = *rc::gen::inRange(0, 3); i > 0; --i) {
    const std::int64_t a = *rc::gen::inRange(first_day, last_day);
    d.closed_dates.push_back({a, a + *rc::gen::inRange(0, 5)});
  }
  if (*rc::gen::arbitrary<bool>()) d.closed_every_year.push_back({1229, 103});
  for (int i = *rc::gen::inRange(0, 6); i > 0; --i) {
    const EpochMs a = anchor + *rc::gen::inRange<std::int64_t>(-20 * kDay, 40 * kDay);
    d.closed_spans.push_back({a, a + *rc::gen::inRange<std::int64_t>(1, 2 * kDay)});
  }
  return d;
}

EpochMs random_instant(EpochMs anchor) { return anchor + *rc::gen::inRange<std::int64_t>(-10 * kDay, 10 * kDay); }

std::int64_t random_duration() {
  return *rc::gen::oneOf(rc::gen::inRange<std::int64_t>(0, kHour), rc::gen::inRange<std::int64_t>(0, 60 * kDay));
}

bool has_hours(const CalendarDefinition& d) {
  return std::any_of(d.week.begin(), d.week.end(), [](auto& w) { return !w.empty(); });
}

// Whether the rule of docs/service-levels.md opens the instant, decided for that instant alone:
// some interval of the local date before, of, or after it holds it (from the first showing of
// its start to the last showing of its end), the date is no holiday or closed date, and no
// closed span holds it.
bool open_by_rule(const CalendarDefinition& d, const TimeZone& zone, EpochMs t) {
  for (const Span& s : d.closed_spans)
    if (t >= s.from && t < s.to) return false;
  const std::int64_t local_day = floor_div(t + zone.offset_ms(t), kDay);
  for (std::int64_t day = local_day - 1; day <= local_day + 1; ++day) {
    bool closed = (d.japanese_holidays && is_japanese_holiday(day)) ||
                  std::find(d.holidays.begin(), d.holidays.end(), day) != d.holidays.end();
    for (auto& r : d.closed_dates) closed = closed || (day >= r.first && day <= r.last);
    std::int64_t y;
    unsigned m, dd;
    civil_from_days(day, y, m, dd);
    const int md = static_cast<int>(m * 100 + dd);
    for (auto& a : d.closed_every_year)
      closed = closed || (a.from <= a.to ? md >= a.from && md <= a.to : md >= a.from || md <= a.to);
    if (closed) continue;
    for (const DayInterval& i : d.week[weekday(day)])
      if (t >= zone.from_local(day * kDay + i.start_ms).first && t < zone.from_local(day * kDay + i.end_ms).last)
        return true;
  }
  return false;
}

RC_GTEST_PROP(CalendarProperties, AddThenMeasureGivesTheDuration, ()) {
  const EpochMs anchor = random_anchor();
  const CalendarDefinition d = random_definition(anchor);
  const auto c = BusinessCalendar::make(d);
  RC_ASSERT(c.has_value());
  const EpochMs s = random_instant(anchor);
  const std::int64_t duration = random_duration();
  const auto end = c->add(s, duration);
  if (!end) {
    RC_ASSERT(!has_hours(d));
    return;
  }
  RC_ASSERT(*end >= s);
  RC_ASSERT(c->between(s, *end) == duration);
  // The earliest such instant: a millisecond sooner is not enough.
  if (duration > 0) RC_ASSERT(c->between(s, *end - 1) == duration - 1);
}

RC_GTEST_PROP(CalendarProperties, AddIsMonotonicInDurationAndStart, ()) {
  const EpochMs anchor = random_anchor();
  const auto c = BusinessCalendar::make(random_definition(anchor));
  const EpochMs s = random_instant(anchor), later = s + *rc::gen::inRange<std::int64_t>(0, 10 * kDay);
  const std::int64_t d1 = random_duration(), d2 = d1 + random_duration();
  const auto a = c->add(s, d1), b = c->add(s, d2), e = c->add(later, d1);
  if (!a) return;
  RC_ASSERT(b && *a <= *b);
  RC_ASSERT(e && *a <= *e);
}

RC_GTEST_PROP(CalendarProperties, BetweenIsAdditive, ()) {
  const EpochMs anchor = random_anchor();
  const auto c = BusinessCalendar::make(random_definition(anchor));
  EpochMs p[3] = {random_instant(anchor), random_instant(anchor), random_instant(anchor)};
  std::sort(std::begin(p), std::end(p));
  RC_ASSERT(c->between(p[0], p[1]) + c->between(p[1], p[2]) == c->between(p[0], p[2]));
  RC_ASSERT(c->between(p[2], p[0]) == 0);
}

RC_GTEST_PROP(CalendarProperties, SegmentsHoldExactlyTheOpenTime, ()) {
  const EpochMs anchor = random_anchor();
  const CalendarDefinition d = random_definition(anchor);
  const auto c = BusinessCalendar::make(d);
  const auto zone = TimeZone::named(d.time_zone);
  const EpochMs a = random_instant(anchor), b = a + *rc::gen::inRange<std::int64_t>(1, 20 * kDay);
  const auto segments = c->segments(a, b);
  std::int64_t sum = 0;
  EpochMs previous = a;
  for (const Span& s : segments) {
    RC_ASSERT(s.from >= previous);
    RC_ASSERT(s.from < s.to);
    RC_ASSERT(s.to <= b);
    sum += s.to - s.from;
    // Every instant counted is open by the rule: its ends, its middle, and some at random.
    for (EpochMs t : {s.from, s.to - 1, s.from + (s.to - s.from) / 2, *rc::gen::inRange(s.from, s.to)})
      RC_ASSERT(open_by_rule(d, *zone, t));
    // Between two segments nothing is open.
    if (s.from > previous) RC_ASSERT(!open_by_rule(d, *zone, *rc::gen::inRange(previous, s.from)));
    previous = s.to;
  }
  RC_ASSERT(sum == c->between(a, b));
  // An instant outside every segment is closed.
  const EpochMs t = *rc::gen::inRange(a, b);
  const bool inside = std::any_of(segments.begin(), segments.end(), [&](auto& s) { return t >= s.from && t < s.to; });
  RC_ASSERT(inside == open_by_rule(d, *zone, t));
}

#endif  // KANRI_HAVE_RAPIDCHECK

}  // namespace
}  // namespace kanri::processes::service_level
