#include "processes/service_level/service_rules.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "model/loader.h"
#include "processes/registry.h"

namespace kanri::processes::service_level {
namespace {

constexpr std::int64_t kDay = 86400000;

TEST(NextReviewDate, TodayBeforeTheFirstDueDate) {
  EXPECT_EQ(next_review_date("2026-01-10", 180 * kDay, "2026-01-10"), "2026-07-09");  // go-live day itself
  EXPECT_EQ(next_review_date("2026-01-10", 180 * kDay, "2026-04-11"), "2026-07-09");
  EXPECT_EQ(next_review_date("2026-01-10", 180 * kDay, "2026-07-08"), "2026-07-09");
  EXPECT_EQ(next_review_date("2026-01-10", 365 * kDay, "2026-06-01"), "2027-01-10");
}

TEST(NextReviewDate, ExactlyOnADueDateGivesTheNextOne) {
  // "The first such date after today": a review due today is the one being done now.
  EXPECT_EQ(next_review_date("2026-01-10", 180 * kDay, "2026-07-09"), "2027-01-05");
  EXPECT_EQ(next_review_date("2026-01-01", 1 * kDay, "2026-01-02"), "2026-01-03");
  EXPECT_EQ(next_review_date("2026-01-01", 7 * kDay, "2026-01-15"), "2026-01-22");
}

TEST(NextReviewDate, LongGapCountsWholeIntervalsFromGoLive) {
  // Reviews stay on the go-live cadence, however many were missed.
  EXPECT_EQ(next_review_date("2020-01-01", 30 * kDay, "2026-04-01"), "2026-04-29");
  EXPECT_EQ(next_review_date("2000-02-29", 365 * kDay, "2026-04-01"), "2027-02-22");
  EXPECT_EQ(next_review_date("2026-01-10", 180 * kDay, "2030-01-01"), "2030-06-18");
  // One day past a due date: the next one is almost a whole interval away.
  EXPECT_EQ(next_review_date("2026-01-10", 180 * kDay, "2026-07-10"), "2027-01-05");
}

TEST(NextReviewDate, CrossesLeapDaysAndYearEnds) {
  EXPECT_EQ(next_review_date("2024-02-28", 1 * kDay, "2024-02-28"), "2024-02-29");
  EXPECT_EQ(next_review_date("2023-12-31", 1 * kDay, "2023-12-31"), "2024-01-01");
  EXPECT_EQ(next_review_date("2027-12-01", 90 * kDay, "2028-01-01"), "2028-02-29");
}

TEST(NextReviewDate, IntervalShorterThanADayGivesNothing) {
  EXPECT_EQ(next_review_date("2026-01-10", 0, "2026-04-01"), std::nullopt);
  EXPECT_EQ(next_review_date("2026-01-10", kDay - 1, "2026-04-01"), std::nullopt);
  EXPECT_EQ(next_review_date("2026-01-10", 12 * 3600000, "2026-04-01"), std::nullopt);
  EXPECT_EQ(next_review_date("2026-01-10", -30 * kDay, "2026-04-01"), std::nullopt);
  EXPECT_EQ(next_review_date("2026-01-10", kDay, "2026-04-01"), "2026-04-02");
}

TEST(NextReviewDate, MissingOrInvalidDatesGiveNothing) {
  EXPECT_EQ(next_review_date("", 30 * kDay, "2026-04-01"), std::nullopt);
  EXPECT_EQ(next_review_date("2026-01-10", 30 * kDay, ""), std::nullopt);
  EXPECT_EQ(next_review_date("2026-02-30", 30 * kDay, "2026-04-01"), std::nullopt);
  EXPECT_EQ(next_review_date("2026-01-10", 30 * kDay, "not a date"), std::nullopt);
}

TEST(NextReviewDate, GoLiveInTheFuture) {
  // Not live yet on `today`: the first review is one interval after go-live.
  EXPECT_EQ(next_review_date("2026-06-01", 30 * kDay, "2026-04-01"), "2026-07-01");
}

// The registered computed rule, applied to a record of the real model.
TEST(ServiceNextReviewRule, ComputesOnlyForLiveAndRetiringServices) {
  engine::RuleRegistry rules;
  register_all(rules);
  ASSERT_NE(rules.computed("service_next_review"), nullptr);
  const std::string model_dir = KANRI_SOURCE_DIR "/model";
  auto loaded = model::load_model(model_dir, "", rules.names());
  ASSERT_TRUE(loaded.errors.empty());
  const model::TypeDef& t = *loaded.catalogue->type("service");
  const model::FieldDef& next = *t.field("next_review_on");

  store::Record r;
  r.type = &t;
  r.fields.resize(t.fields.size());
  r.fields[t.field("live_since")->position] = std::string("2026-01-10");
  r.fields[t.field("review_interval")->position] = std::int64_t{180 * kDay};
  r.updated_at = 1775865600000;  // 2026-04-11T00:00:00Z
  const auto& rule = *rules.computed("service_next_review");
  r.state = "live";
  EXPECT_EQ(rule(r, next), Value(std::string("2026-07-09")));
  r.state = "retiring";
  EXPECT_EQ(rule(r, next), Value(std::string("2026-07-09")));
  r.state = "proposed";
  EXPECT_TRUE(is_null(rule(r, next)));
  r.state = "retired";
  EXPECT_TRUE(is_null(rule(r, next)));
  r.state = "live";
  r.fields[t.field("review_interval")->position] = Value();
  EXPECT_TRUE(is_null(rule(r, next)));
}

}  // namespace
}  // namespace kanri::processes::service_level
