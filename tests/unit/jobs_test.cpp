// The job queue (store/jobs.h), the scheduler's synchronous path (run_due) and the calendar
// rules of periodic activities.
#include <gtest/gtest.h>

#include "jobs/scheduler.h"
#include "processes/system/periodic_activities.h"
#include "store/jobs.h"
#include "support.h"

namespace kanri {

using jobs::Outcome;
using processes::system::next_occurrence;
using processes::system::parse_calendar_rule;

class JobQueueTest : public DatabaseTest {
 protected:
  std::int64_t add(const std::string& kind, EpochMs due, const std::string& key = "") {
    std::int64_t id = 0;
    (void)tmp_.db().write([&](store::Connection& c) -> Status {
      id = store::schedule_job(c, {kind, {{"n", 1}}, due, key, std::nullopt, 3}, clock_.now);
      return ok_status();
    });
    return id;
  }
  store::Job job(std::int64_t id) {
    std::optional<store::Job> j;
    tmp_.db().read([&](store::Connection& c) { j = store::get_job(c, id); });
    return *j;
  }
};

TEST_F(JobQueueTest, ClaimsOnlyDueJobsEarliestFirstAndOnce) {
  auto later = add("k", clock_.now + 1000);
  auto first = add("k", clock_.now - 10);
  auto second = add("k", clock_.now);
  std::vector<store::Job> a, b;
  (void)tmp_.db().write([&](store::Connection& c) -> Status {
    a = store::claim_jobs(c, "node-a", clock_.now, 10, 60000);
    b = store::claim_jobs(c, "node-b", clock_.now, 10, 60000);
    return ok_status();
  });
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].id, first);
  EXPECT_EQ(a[1].id, second);
  EXPECT_EQ(a[0].attempts, 1);
  EXPECT_TRUE(b.empty()) << "a claimed job is not claimed again";
  EXPECT_EQ(job(later).state, "pending");
}

TEST_F(JobQueueTest, AKeyedTimerIsMovedNotDuplicatedAndCanBeCancelled) {
  auto id = add("sla", clock_.now + 5000, "incident:1:breach");
  auto again = add("sla", clock_.now + 9000, "incident:1:breach");
  EXPECT_EQ(id, again);
  EXPECT_EQ(job(id).due_at, clock_.now + 9000);
  bool cancelled = false;
  (void)tmp_.db().write([&](store::Connection& c) -> Status {
    cancelled = store::cancel_job(c, "incident:1:breach", clock_.now);
    return ok_status();
  });
  EXPECT_TRUE(cancelled);
  EXPECT_EQ(job(id).state, "cancelled");
  EXPECT_NE(add("sla", clock_.now + 1000, "incident:1:breach"), id) << "a new timer after the cancelled one";
}

TEST_F(JobQueueTest, PendingTimersAreFoundByTheirKeysAndBroughtForwardInPlaceUntilClaimed) {
  const nlohmann::json payload{{"n", 1}};
  auto id = add("sla", clock_.now + 5000, "incident:2:resolution");
  auto other = add("sla", clock_.now + 5000, "incident:4:resolution");
  std::vector<store::Job> found;
  std::vector<std::size_t> left, left_later;
  (void)tmp_.db().write([&](store::Connection& c) -> Status {
    found = store::pending_jobs(c, {"incident:2:resolution", "incident:3:resolution"});
    left = store::move_timers_sooner(c, "sla",
                                     {{"incident:4:resolution", {{"n", 2}}, clock_.now + 2000},
                                      {"incident:2:resolution", payload, clock_.now + 2000},
                                      {"incident:3:resolution", payload, clock_.now + 2000}},
                                     clock_.now + 1);
    left_later = store::move_timers_sooner(c, "sla", {{"incident:2:resolution", payload, clock_.now + 3000}}, clock_.now + 1);
    return ok_status();
  });
  ASSERT_EQ(found.size(), 1u) << "only the key that has a pending job";
  EXPECT_EQ(found[0].id, id);
  EXPECT_EQ(found[0].kind, "sla");
  EXPECT_EQ(found[0].due_at, clock_.now + 5000);
  EXPECT_EQ(found[0].payload, payload);
  EXPECT_EQ(left, (std::vector<std::size_t>{0, 2})) << "another share's timer is not this one; a missing one is not made";
  EXPECT_EQ(left_later, (std::vector<std::size_t>{0})) << "only forward";
  EXPECT_EQ(job(id).due_at, clock_.now + 2000);
  EXPECT_EQ(job(id).updated_at, clock_.now + 1);
  EXPECT_EQ(job(id).payload, payload) << "only its time moves";
  EXPECT_EQ(job(other).due_at, clock_.now + 5000);
  clock_.now += 2000;
  (void)tmp_.db().write([&](store::Connection& c) -> Status {
    EXPECT_EQ(store::claim_jobs(c, "node-a", clock_.now, 1, 60000).size(), 1u);
    left = store::move_timers_sooner(c, "sla", {{"incident:2:resolution", payload, clock_.now - 500}}, clock_.now);
    EXPECT_TRUE(store::pending_jobs(c, {"incident:2:resolution"}).empty()) << "a claimed timer is no longer pending";
    EXPECT_EQ(store::running_job_keys(c, "sla"), (std::vector<std::string>{"incident:2:resolution"})) << "it is running";
    EXPECT_TRUE(store::running_job_keys(c, "other").empty()) << "of its kind only";
    return ok_status();
  });
  EXPECT_EQ(left, (std::vector<std::size_t>{0})) << "a claimed job is not moved";
  EXPECT_EQ(job(id).due_at, clock_.now);
}

TEST_F(JobQueueTest, ALostClaimCannotFinishAndAnExpiredLeaseIsTakenUpAgain) {
  auto id = add("k", clock_.now);
  std::vector<store::Job> first, second;
  (void)tmp_.db().write([&](store::Connection& c) -> Status {
    first = store::claim_jobs(c, "node-a", clock_.now, 1, 1000);
    return ok_status();
  });
  clock_.now += 1001;
  (void)tmp_.db().write([&](store::Connection& c) -> Status {
    EXPECT_EQ(store::release_expired(c, clock_.now), 1);
    second = store::claim_jobs(c, "node-b", clock_.now, 1, 1000);
    return ok_status();
  });
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].attempts, 2);
  (void)tmp_.db().write([&](store::Connection& c) -> Status {
    EXPECT_FALSE(store::finish_job(c, first[0], clock_.now)) << "node-a lost its claim";
    EXPECT_TRUE(store::finish_job(c, second[0], clock_.now));
    return ok_status();
  });
  EXPECT_EQ(job(id).state, "done");
  EXPECT_EQ(job(id).claimed_by, "node-b");
}

TEST_F(JobQueueTest, FailuresBackOffThenTheJobIsDeadWithItsError) {
  jobs::Registry registry;
  int runs = 0;
  registry.add("flaky", {[&](jobs::JobContext&) { ++runs; return Outcome::retry("server said 451"); }, 3, 1000, 60000});
  jobs::Scheduler scheduler(tmp_.db(), registry, clock_, {});
  auto id = add("flaky", clock_.now);
  EXPECT_EQ(scheduler.run_due(), 1);
  store::Job j = job(id);
  EXPECT_EQ(j.state, "pending");
  EXPECT_GE(j.due_at, clock_.now + 900);
  EXPECT_LE(j.due_at, clock_.now + 1100);
  EXPECT_EQ(scheduler.run_due(), 0) << "not before its retry time";
  clock_.now += 5000;
  EXPECT_EQ(scheduler.run_due(), 1);
  clock_.now += 5000;
  EXPECT_EQ(scheduler.run_due(), 1);
  j = job(id);
  EXPECT_EQ(runs, 3);
  EXPECT_EQ(j.state, "dead");
  EXPECT_EQ(j.last_error, "server said 451");
  (void)tmp_.db().write([&](store::Connection& c) -> Status {
    EXPECT_TRUE(store::retry_job(c, id, clock_.now));
    return ok_status();
  });
  EXPECT_EQ(job(id).state, "pending");
  EXPECT_EQ(job(id).attempts, 3) << "attempts keep counting, so a claim is never fenced twice alike";
  EXPECT_EQ(job(id).max_attempts, 6);
}

TEST_F(JobQueueTest, AHandlersWritesCommitWithTheJobsEndOrNotAtAll) {
  jobs::Registry registry;
  registry.add("write", {[&](jobs::JobContext& ctx) {
                           Status s = ctx.finish_with([&](store::Connection& c) -> Status {
                             c.run("INSERT INTO kanri_meta (key, value) VALUES ('job-effect', 'x')");
                             return Error::of(ErrorKind::conflict, "test.refused");
                           });
                           return s ? Outcome::done() : Outcome::dead(s.error().code);
                         },
                         3, 1000, 1000});
  jobs::Scheduler scheduler(tmp_.db(), registry, clock_, {});
  auto id = add("write", clock_.now);
  scheduler.run_due();
  bool effect = true;
  tmp_.db().read([&](store::Connection& c) { effect = !c.query("SELECT 1 FROM kanri_meta WHERE key = 'job-effect'").empty(); });
  EXPECT_FALSE(effect) << "the refused transaction left nothing behind";
  EXPECT_EQ(job(id).state, "dead");
  EXPECT_EQ(job(id).last_error, "test.refused");
}

TEST_F(JobQueueTest, ANodeClaimsOnlyTheKindsItCanRun) {
  jobs::Registry registry;
  registry.add("known", {[](jobs::JobContext&) { return Outcome::done(); }, 3, 1000, 1000});
  jobs::Scheduler scheduler(tmp_.db(), registry, clock_, {});
  auto newer = add("from.a.newer.version", clock_.now);
  auto known = add("known", clock_.now);
  EXPECT_EQ(scheduler.run_due(), 1);
  EXPECT_EQ(job(known).state, "done");
  EXPECT_EQ(job(newer).state, "pending");
  EXPECT_EQ(job(newer).attempts, 0) << "left for a node that knows it, its attempts untouched";
}

TEST_F(JobQueueTest, AFailedTimerWhoseKeyWasRescheduledIsSupersededNotDuplicated) {
  jobs::Registry registry;
  std::int64_t newer = 0;
  registry.add("timer", {[&](jobs::JobContext& ctx) {
                           // While this attempt runs, the record moves its timer: a new pending job.
                           newer = add("timer", clock_.now + 60000, "record:1:breach");
                           return Outcome::retry("failed");
                         },
                         3, 1000, 1000});
  jobs::Scheduler scheduler(tmp_.db(), registry, clock_, {});
  auto first = add("timer", clock_.now, "record:1:breach");
  scheduler.run_due();
  EXPECT_NE(newer, first);
  EXPECT_EQ(job(first).state, "cancelled");
  EXPECT_EQ(job(newer).state, "pending");
}

TEST(CalendarRule, ParsesTheSupportedFormsAndRefusesOthers) {
  EXPECT_TRUE(parse_calendar_rule("FREQ=WEEKLY;BYDAY=MO"));
  EXPECT_TRUE(parse_calendar_rule("FREQ=MONTHLY;BYMONTHDAY=-1"));
  EXPECT_TRUE(parse_calendar_rule("FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=1;INTERVAL=2"));
  EXPECT_FALSE(parse_calendar_rule(""));
  EXPECT_FALSE(parse_calendar_rule("FREQ=DAILY"));
  EXPECT_FALSE(parse_calendar_rule("FREQ=MONTHLY"));
  EXPECT_FALSE(parse_calendar_rule("FREQ=MONTHLY;BYMONTHDAY=0"));
  EXPECT_FALSE(parse_calendar_rule("FREQ=YEARLY;BYMONTH=13;BYMONTHDAY=1"));
  EXPECT_FALSE(parse_calendar_rule("FREQ=WEEKLY;BYDAY=XX"));
  EXPECT_FALSE(parse_calendar_rule("FREQ=WEEKLY;BYDAY=MO;COUNT=3"));
}

TEST(CalendarRule, NextOccurrenceIsStrictlyAfterTheDate) {
  // 2026-12-01 is a Tuesday.
  EXPECT_EQ(next_occurrence(*parse_calendar_rule("FREQ=WEEKLY;BYDAY=MO"), "2026-12-01"), "2026-12-07");
  EXPECT_EQ(next_occurrence(*parse_calendar_rule("FREQ=WEEKLY;BYDAY=TU"), "2026-12-01"), "2026-12-08");
  EXPECT_EQ(next_occurrence(*parse_calendar_rule("FREQ=MONTHLY;BYMONTHDAY=1"), "2026-12-01"), "2027-01-01");
  EXPECT_EQ(next_occurrence(*parse_calendar_rule("FREQ=MONTHLY;BYMONTHDAY=15"), "2026-12-01"), "2026-12-15");
  EXPECT_EQ(next_occurrence(*parse_calendar_rule("FREQ=MONTHLY;BYMONTHDAY=-1"), "2027-01-31"), "2027-02-28");
  EXPECT_EQ(next_occurrence(*parse_calendar_rule("FREQ=MONTHLY;BYMONTHDAY=31"), "2028-01-31"), "2028-02-29");
  EXPECT_EQ(next_occurrence(*parse_calendar_rule("FREQ=MONTHLY;BYMONTHDAY=1;INTERVAL=3"), "2026-12-01"), "2027-03-01");
  EXPECT_EQ(next_occurrence(*parse_calendar_rule("FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=15"), "2026-03-12"), "2026-03-15");
  EXPECT_EQ(next_occurrence(*parse_calendar_rule("FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=15"), "2026-03-15"), "2027-03-15");
}

}  // namespace kanri
