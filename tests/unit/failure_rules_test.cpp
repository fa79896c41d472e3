// Failure management's pure rules: severity schemes (IPA/SEC §2.3, §4.3 items 1–2), yearly cap
// derivation (§4.3 item 3, fixture T6) and roll-out coverage (item 10, T11). The API scenario
// tests/api/93_failure_management.scenario covers the same through the server.
#include "processes/resolution/failure.h"

#include <gtest/gtest.h>

#include "processes/resolution/failure_severity.h"
#include "support.h"

namespace kanri::processes::resolution {
namespace {

using nlohmann::json;

// The failure fields the schemes below look at.
const char* kFailureModel = R"toml(
[failure]
label = { en = "Failure", ja = "障害" }
plural = { en = "Failures", ja = "障害" }
collection = "failures"
number_prefix = "FLR"
display = "title"

[failure.fields.title]
type = "text"
label = { en = "Title", ja = "件名" }

[failure.fields.attribution]
type = "enum"
label = { en = "Attribution", ja = "責任区分" }
values = [{ name = "own", en = "Own", ja = "自責" }, { name = "other", en = "Other", ja = "他責" }]

[failure.fields.online_impact]
type = "int"
label = { en = "Online impact", ja = "オンライン影響度" }
min = 1
max = 2

[failure.fields.customers_affected]
type = "int"
label = { en = "Customers", ja = "顧客数" }

[failure.fields.impact_duration]
type = "duration"
label = { en = "Duration", ja = "時間" }

[failure.fields.impact_amount]
type = "decimal"
label = { en = "Amount", ja = "金額" }
)toml";

class SeveritySchemes : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { catalogue_ = load_catalogue({{"failure.toml", kFailureModel}}).release(); }
  static void TearDownTestSuite() { delete catalogue_; }
  const model::TypeDef& failure() const { return *catalogue_->type("failure"); }
  std::vector<std::string> codes(const std::string& kind, const json& d) const {
    std::vector<std::string> out;
    for (auto& e : check_scheme_definition(kind, d, failure())) out.push_back(e.code);
    return out;
  }
  static inline model::Catalogue* catalogue_ = nullptr;
};

const json kMatrix = {{"levels", {"high", "low"}},
                      {"matrix", {{"own", {{"1", "low"}, {"2", "high"}}}, {"other", {{"1", "low"}, {"2", "low"}}}}}};

TEST_F(SeveritySchemes, AMatrixNeedsEveryCombinationOfItsEnumAndSmallIntegerValues) {
  EXPECT_TRUE(codes("matrix", kMatrix).empty());
  json missing = kMatrix;
  missing["matrix"]["other"].erase("2");
  EXPECT_EQ(codes("matrix", missing), std::vector<std::string>{"failure.scheme_matrix_missing"});
  json unknown = kMatrix;
  unknown["matrix"]["own"]["1"] = "medium";
  EXPECT_EQ(codes("matrix", unknown), std::vector<std::string>{"failure.scheme_level_unknown"});
}

TEST_F(SeveritySchemes, UnknownKeysAndFieldsAreRefused) {
  json d = kMatrix;
  d["colour"] = "red";
  d["rows"] = "mood";
  auto c = codes("matrix", d);
  EXPECT_NE(std::find(c.begin(), c.end(), "failure.scheme_key_unknown"), c.end());
  EXPECT_NE(std::find(c.begin(), c.end(), "failure.scheme_field_unknown"), c.end());
  EXPECT_EQ(codes("binary", json::array()), std::vector<std::string>{"failure.scheme_not_object"});
}

TEST_F(SeveritySchemes, BandsFallAndTheLastHasNoMinimum) {
  json good = {{"levels", {"1", "2"}}, {"bands", {{{"min", 10}, {"level", "1"}}, {{"level", "2"}}}}};
  EXPECT_TRUE(codes("banded", good).empty());
  json rising = {{"levels", {"1", "2"}}, {"bands", {{{"min", 10}, {"level", "1"}}, {{"min", 20}, {"level", "2"}}, {{"level", "2"}}}}};
  EXPECT_EQ(codes("banded", rising), std::vector<std::string>{"failure.scheme_bands"});
  json floorless = {{"levels", {"1", "2"}}, {"bands", {{{"min", 10}, {"level", "1"}}, {{"min", 1}, {"level", "2"}}}}};
  EXPECT_EQ(codes("banded", floorless), std::vector<std::string>{"failure.scheme_bands"});
}

TEST_F(SeveritySchemes, TheMatrixGradesFromTheServiceRatingsWhenNoOnlineImpactIsGiven) {
  json d = kMatrix;
  d["online_impact"] = {{"ratings", {"availability", "integrity"}}, {"bands", {{{"min", 8}, {"value", 2}}, {{"value", 1}}}}};
  ASSERT_TRUE(codes("matrix", d).empty());
  json facts = {{"attribution", "own"}, {"online_impact", nullptr},
                {"service_attributes", {{"availability", 4}, {"integrity", 2}}}};
  Grade g = grade_failure("matrix", d, facts);
  EXPECT_EQ(g.level, "high");
  EXPECT_EQ(g.inputs["online_impact"], 2);
  EXPECT_EQ(g.inputs["online_impact_from"]["product"], 8.0);
  facts["service_attributes"]["integrity"] = 1;
  EXPECT_EQ(grade_failure("matrix", d, facts).level, "low");
  facts["service_attributes"] = nullptr;
  EXPECT_EQ(grade_failure("matrix", d, facts).level, std::nullopt);
}

TEST_F(SeveritySchemes, CategoriesTakeTheFirstRuleThatHoldsAndDurationsCompareAsWritten) {
  json d = {{"levels", {"serious", "heavy", "other"}},
            {"rules", {{{"level", "serious"}, {"when", {{"field", "impact_amount"}, {"op", "gt"}, {"value", 0}}}},
                       {{"level", "heavy"}, {"when", {{"field", "impact_duration"}, {"op", "gte"}, {"value", "PT1H"}}}}}},
            {"otherwise", "other"}};
  ASSERT_TRUE(codes("categorical", d).empty());
  EXPECT_EQ(grade_failure("categorical", d, {{"impact_amount", 5}, {"impact_duration", 3600000}}).level, "serious");
  EXPECT_EQ(grade_failure("categorical", d, {{"impact_amount", nullptr}, {"impact_duration", 3600000}}).level, "heavy");
  Grade g = grade_failure("categorical", d, {{"impact_amount", 0}, {"impact_duration", 3599999}});
  EXPECT_EQ(g.level, "other");
  EXPECT_EQ(g.inputs["rule"], "otherwise");
}

TEST_F(SeveritySchemes, TheImpactIndexIsTheProductOfItsFactorsInTheirUnits) {
  json facts = {{"customers_affected", 12000}, {"impact_duration", 7200000}, {"impact_amount", 2.5}};
  json d = {{"impact_index", {{"factors", {"impact_duration", "impact_amount"}}, {"duration_unit", "minute"}}}};
  EXPECT_EQ(impact_index(d, facts, failure()).value, 300.0);
  EXPECT_EQ(impact_index(nullptr, facts, failure()).value, std::nullopt);  // duration × users: no users
}

TEST(FailureCap, TheDerivationOfFixtureT6KeepsEveryTerm) {
  CapDerivation d = derive_cap("cap", 20, 10, json::array({{{"reason", "Major release"}, {"adjustment", 2}}}),
                               json::array({{{"measure", "Checklist"}, {"effect", 3}}}));
  EXPECT_EQ(d.cap, 17);
  EXPECT_EQ(d.terms["after_improvement"], 18.0);
  EXPECT_EQ(d.terms["special_total"], 2.0);
  EXPECT_EQ(d.terms["expected_total"], 3.0);
}

TEST(FailureCap, RoundsDownNeverBelowZeroAndKnowsTheRuleTypes) {
  EXPECT_EQ(derive_cap("cap", 15, 10, nullptr, nullptr).cap, 13);  // 13.5
  EXPECT_EQ(derive_cap("cap", 2, 0, nullptr, json::array({{{"measure", "M"}, {"effect", 5}}})).cap, 0);
  EXPECT_EQ(derive_cap("zero", 4, 0, nullptr, nullptr).cap, 0);
  EXPECT_EQ(derive_cap("below_prior_year", 9, 0, nullptr, nullptr).cap, 8);
}

TEST(RolloutCoverage, DoneByTheirDueDateOverAllTasks) {
  EXPECT_EQ(rollout_coverage(9, 12), 75.0);
  EXPECT_EQ(rollout_coverage(9, 11), 81.8);
  EXPECT_EQ(rollout_coverage(0, 0), std::nullopt);
}

}  // namespace
}  // namespace kanri::processes::resolution
