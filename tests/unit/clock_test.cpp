#include "processes/service_level/clock.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#ifdef KANRI_HAVE_RAPIDCHECK
#include <rapidcheck/gtest.h>
#endif

namespace kanri::processes::service_level {
namespace {

constexpr std::int64_t kMinute = 60'000, kHour = 60 * kMinute, kDay = 24 * kHour;

EpochMs at(const char* text) {
  auto t = parse_timestamp(text);
  EXPECT_TRUE(t.has_value()) << text;
  return t.value_or(0);
}

// Monday to Friday 09:00–18:00 in `zone`, optionally with Japan's holidays.
BusinessCalendar office(const char* zone = "Asia/Tokyo", bool japan = true) {
  CalendarDefinition d;
  d.time_zone = zone;
  for (int day = 0; day < 5; ++day) d.week[day] = {{9 * kHour, 18 * kHour}};
  d.japanese_holidays = japan;
  return *BusinessCalendar::make(d);
}

BusinessCalendar around_the_clock(const char* zone) {
  CalendarDefinition d;
  d.time_zone = zone;
  for (auto& day : d.week) day = {{0, 24 * kHour}};
  return *BusinessCalendar::make(d);
}

ClockEvent ev(const char* when, const char* state, std::int64_t target = 8 * kHour, const char* ref = "p2") {
  return {at(when), state, target, ref};
}

const ClockPolicy kResolution = ClockPolicy::incident_resolution();

TEST(SlaClock, CountsOnlyServiceHoursAndPausesOverTheWeekendWhilePending) {
  const auto cal = office();
  // Friday 2026-06-05 17:00 JST: an hour of service time left that day.
  std::vector<ClockEvent> events = {ev("2026-06-05T17:00:00+09:00", "new"),
                                    ev("2026-06-05T17:30:00+09:00", "pending_requester"),
                                    ev("2026-06-08T10:00:00+09:00", "in_progress"),
                                    ev("2026-06-08T12:00:00+09:00", "resolved")};
  ClockState c = replay(events, cal, kResolution);
  EXPECT_EQ(c.mode, ClockMode::stopped);
  EXPECT_EQ(c.elapsed_ms, 30 * kMinute + 2 * kHour);
  EXPECT_EQ(*c.stopped_at, at("2026-06-08T12:00:00+09:00"));
  EXPECT_FALSE(c.breached_at);
  // Running again on Monday, it is due when the 8 h are used: the 7 h 30 min left after 10:00.
  ClockState monday = replay({events[0], events[1], events[2]}, cal, kResolution);
  EXPECT_EQ(*due_at(monday, cal), at("2026-06-08T17:30:00+09:00"));
  EXPECT_EQ(*threshold_at(monday, 0.5, cal), at("2026-06-08T13:30:00+09:00"));
  // Paused, it has no due time; its elapsed time does not grow.
  ClockState friday = replay({events[0], events[1]}, cal, kResolution);
  EXPECT_FALSE(due_at(friday, cal));
  EXPECT_EQ(elapsed_at(friday, at("2026-06-08T09:30:00+09:00"), cal), 30 * kMinute);

  // Raised at 12:00 to a priority with a 2 h target instead: 2 h 30 min used, breached then.
  ClockState raised = replay({events[0], events[1], events[2], ev("2026-06-08T12:00:00+09:00", "in_progress", 2 * kHour, "p1")},
                             cal, kResolution);
  EXPECT_EQ(*raised.breached_at, at("2026-06-08T12:00:00+09:00"));

  auto t = timeline(events, at("2026-06-09T00:00:00+09:00"), cal, kResolution);
  ASSERT_EQ(t.size(), 4u);
  EXPECT_EQ(t[0].mode, ClockMode::running);
  EXPECT_EQ(t[0].business_ms, 30 * kMinute);
  EXPECT_EQ(t[1].mode, ClockMode::paused);
  EXPECT_EQ(t[1].state, "pending_requester");
  EXPECT_EQ(t[1].business_ms, 0);
  EXPECT_EQ(t[2].business_ms, 2 * kHour);
  EXPECT_EQ(t[3].mode, ClockMode::stopped);
  EXPECT_EQ(t[3].to, at("2026-06-09T00:00:00+09:00"));
}

TEST(SlaClock, AHigherPriorityMeasuresItsTargetFromTheStartAndIsBreachedAtTheChangeWhenUsedUp) {
  const auto cal = around_the_clock("UTC");
  // p3 (24 h) for 5 h, then p1 (4 h): already used up, breached at the change.
  ClockState c = replay({ev("2026-03-02T00:00:00Z", "in_progress", 24 * kHour, "p3"),
                         ev("2026-03-02T05:00:00Z", "in_progress", 4 * kHour, "p1")},
                        cal, kResolution);
  EXPECT_EQ(c.target_ms, 4 * kHour);
  EXPECT_EQ(c.target_ref, "p1");
  EXPECT_EQ(*c.breached_at, at("2026-03-02T05:00:00Z"));
  EXPECT_EQ(*due_at(c, cal), at("2026-03-02T05:00:00Z"));
  // p3 for 1 h, then p2 (8 h): 7 h left from the change.
  ClockState d = replay({ev("2026-03-02T00:00:00Z", "in_progress", 24 * kHour, "p3"),
                         ev("2026-03-02T01:00:00Z", "in_progress", 8 * kHour, "p2")},
                        cal, kResolution);
  EXPECT_FALSE(d.breached_at);
  EXPECT_EQ(*due_at(d, cal), at("2026-03-02T08:00:00Z"));
  // A breach stays recorded when a lower priority with a longer target follows.
  ClockState e = replay({ev("2026-03-02T00:00:00Z", "in_progress", 4 * kHour, "p1"),
                         ev("2026-03-02T06:00:00Z", "in_progress", 24 * kHour, "p3")},
                        cal, kResolution);
  EXPECT_EQ(*e.breached_at, at("2026-03-02T04:00:00Z"));
  EXPECT_TRUE(breached(e, at("2026-03-02T07:00:00Z"), cal));
}

TEST(SlaClock, AReopenResumesWithTheTimeUsedAndTheResolvedTimeIsNotCounted) {
  const auto cal = around_the_clock("UTC");
  ClockState c = replay({ev("2026-03-02T00:00:00Z", "new"), ev("2026-03-02T03:00:00Z", "resolved"),
                         ev("2026-03-04T00:00:00Z", "in_progress"), ev("2026-03-04T02:00:00Z", "resolved")},
                        cal, kResolution);
  EXPECT_EQ(c.elapsed_ms, 5 * kHour);
  EXPECT_EQ(*c.stopped_at, at("2026-03-04T02:00:00Z"));
  ClockState reopened = replay({ev("2026-03-02T00:00:00Z", "new"), ev("2026-03-02T03:00:00Z", "resolved"),
                                ev("2026-03-04T00:00:00Z", "in_progress")},
                               cal, kResolution);
  EXPECT_FALSE(reopened.stopped_at);
  EXPECT_EQ(*due_at(reopened, cal), at("2026-03-04T05:00:00Z"));
}

TEST(SlaClock, AResponseClockStopsOnceWhateverFollows) {
  const auto cal = around_the_clock("UTC");
  const ClockPolicy response = ClockPolicy::incident_response();
  ClockState c = replay({ev("2026-03-02T00:00:00Z", "new", kHour), ev("2026-03-02T00:20:00Z", "assigned", kHour),
                         ev("2026-03-02T01:00:00Z", "new", kHour), ev("2026-03-02T05:00:00Z", "in_progress", kHour)},
                        cal, response);
  EXPECT_EQ(c.elapsed_ms, 20 * kMinute);
  EXPECT_TRUE(c.ended);
  EXPECT_EQ(*c.stopped_at, at("2026-03-02T00:20:00Z"));
  EXPECT_FALSE(c.breached_at);
}

TEST(SlaClock, ADaylightSavingNightCountsTheHoursThatPass) {
  // Europe/Berlin, 2026-03-29: 02:00 CET is 03:00 CEST. Around the clock, midnight to 06:00 local is 5 h.
  const auto cal = around_the_clock("Europe/Berlin");
  ClockState c = replay({ev("2026-03-29T00:00:00+01:00", "in_progress", 5 * kHour),
                         ev("2026-03-29T06:00:00+02:00", "resolved", 5 * kHour)},
                        cal, kResolution);
  EXPECT_EQ(c.elapsed_ms, 5 * kHour);
  EXPECT_FALSE(c.breached_at);
  auto due = due_at(replay({ev("2026-03-29T00:00:00+01:00", "in_progress", 5 * kHour)}, cal, kResolution), cal);
  EXPECT_EQ(*due, at("2026-03-29T06:00:00+02:00"));
}

TEST(SlaClock, JapaneseHolidaysAcrossTheYearEndAreNotCounted) {
  // Office hours with Japan's holidays: 2026-12-31 (Thursday) is a working day, 2027-01-01 a
  // holiday, 01-02 and 01-03 a weekend. Two hours left on 12-31 at 16:00, six more from 01-04.
  const auto cal = office();
  ClockState c = replay({ev("2026-12-31T16:00:00+09:00", "in_progress")}, cal, kResolution);
  EXPECT_EQ(*due_at(c, cal), at("2027-01-04T15:00:00+09:00"));
  // Substitute holiday: 2026-05-03 is a Sunday, so 05-06 (Wednesday) is closed too.
  ClockState g = replay({ev("2026-05-01T17:00:00+09:00", "in_progress", 2 * kHour)}, cal, kResolution);
  EXPECT_EQ(*due_at(g, cal), at("2026-05-07T10:00:00+09:00"));
}

TEST(SlaClock, AnEventBeforeTheLastCountsAsHappeningAtIt) {
  const auto cal = around_the_clock("UTC");
  ClockState c = replay({ev("2026-03-02T02:00:00Z", "new"), ev("2026-03-02T01:00:00Z", "pending_requester"),
                         ev("2026-03-02T03:00:00Z", "in_progress")},
                        cal, kResolution);
  EXPECT_EQ(c.elapsed_ms, 0);
  EXPECT_EQ(c.since, at("2026-03-02T03:00:00Z"));
}

#ifdef KANRI_HAVE_RAPIDCHECK

// Random tickets: states and targets changing at random times over a few weeks.
std::vector<ClockEvent> random_events(EpochMs start) {
  static const std::vector<std::string> states = {"new",         "assigned",         "in_progress",
                                                  "pending_requester", "pending_supplier", "resolved",
                                                  "closed"};
  static const std::vector<std::int64_t> targets = {kHour, 4 * kHour, 8 * kHour, 3 * kDay};
  std::vector<ClockEvent> out;
  EpochMs t = start;
  const int n = *rc::gen::inRange(1, 40);
  for (int i = 0; i < n; ++i) {
    t += *rc::gen::inRange<std::int64_t>(0, 2 * kDay);
    const std::int64_t target = *rc::gen::elementOf(targets);
    out.push_back({t, *rc::gen::elementOf(states), target, "t" + std::to_string(target)});
  }
  return out;
}

RC_GTEST_PROP(SlaClockProperties, TheTimelineAddsUpToTheClockAndPausesCountNothing, ()) {
  const char* zone = *rc::gen::element("Asia/Tokyo", "Europe/Berlin", "UTC");
  const auto cal = *rc::gen::arbitrary<bool>() ? office(zone) : around_the_clock(zone);
  const ClockPolicy policy = *rc::gen::arbitrary<bool>() ? ClockPolicy::incident_resolution()
                                                         : ClockPolicy::incident_response();
  auto events = random_events(at("2026-03-20T00:00:00Z") + *rc::gen::inRange<std::int64_t>(0, 30 * kDay));
  const EpochMs until = events.back().at + *rc::gen::inRange<std::int64_t>(0, 3 * kDay);
  ClockState c = replay(events, cal, policy);
  std::int64_t running = 0;
  for (auto& s : timeline(events, until, cal, policy)) {
    if (s.mode == ClockMode::running) running += s.business_ms;
    else RC_ASSERT(s.business_ms == 0);
    RC_ASSERT(s.from < s.to);
  }
  RC_ASSERT(running == elapsed_at(c, until, cal));
  RC_ASSERT(elapsed_at(c, until, cal) <= cal.between(events.front().at, until));
}

RC_GTEST_PROP(SlaClockProperties, ContinuingAStoredClockEqualsReplayingEverything, ()) {
  const auto cal = office(*rc::gen::element("Asia/Tokyo", "Europe/Berlin"));
  const ClockPolicy policy = ClockPolicy::incident_resolution();
  auto events = random_events(at("2026-10-01T00:00:00Z"));
  const size_t cut = *rc::gen::inRange<size_t>(0, events.size() + 1);
  ClockState stored = replay({events.begin(), events.begin() + static_cast<std::ptrdiff_t>(cut)}, cal, policy);
  for (size_t i = cut; i < events.size(); ++i) stored = advance(stored, events[i], cal, policy);
  RC_ASSERT(stored == replay(events, cal, policy));
}

RC_GTEST_PROP(SlaClockProperties, ARunningClockReachesItsTargetExactlyAtItsDueTime, ()) {
  const auto cal = office(*rc::gen::element("Asia/Tokyo", "Europe/Berlin"));
  auto events = random_events(at("2026-03-01T00:00:00Z"));
  events.back().state = "in_progress";
  ClockState c = replay(events, cal, ClockPolicy::incident_resolution());
  auto due = due_at(c, cal);
  RC_ASSERT(due.has_value());
  if (c.breached_at) {
    RC_ASSERT(*due == *c.breached_at);
  } else {
    RC_ASSERT(elapsed_at(c, *due, cal) == c.target_ms);
    RC_ASSERT(!breached(c, *due, cal));
  }
  // Elapsed time never goes down.
  RC_ASSERT(elapsed_at(c, c.since + kDay, cal) >= elapsed_at(c, c.since + kHour, cal));
}

#endif

}  // namespace
}  // namespace kanri::processes::service_level
