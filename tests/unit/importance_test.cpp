// The levels of importance schemes (重要度区分) and the shared "one of the scheme's levels" check.
#include "processes/service_level/importance.h"

#include <gtest/gtest.h>

#include "processes/scheme_levels.h"

namespace kanri::processes::service_level {
namespace {

using json = nlohmann::json;

json level(const std::string& name) { return {{"name", name}, {"en", "L " + name}, {"ja", "レベル" + name}}; }

std::vector<std::string> codes(const std::vector<FieldError>& errors) {
  std::vector<std::string> out;
  for (auto& e : errors) {
    EXPECT_EQ(e.field, "levels");
    out.push_back(e.code);
  }
  return out;
}

TEST(ImportanceLevels, GradedAndCiaTakeAnyDistinctNames) {
  EXPECT_TRUE(check_importance_levels("graded", json::array({level("AAA"), level("AA"), level("A")})).empty());
  EXPECT_TRUE(check_importance_levels("cia", json::array({level("H"), level("M"), level("L")})).empty());
  json with_meaning = level("AA");
  with_meaning["meaning"] = "The business stops";
  EXPECT_TRUE(check_importance_levels("graded", json::array({with_meaning})).empty());
}

TEST(ImportanceLevels, NumberedClassesAreOneToNInOrder) {
  EXPECT_TRUE(check_importance_levels("numbered", json::array({level("1"), level("2"), level("3")})).empty());
  auto errors = check_importance_levels("numbered", json::array({level("1"), level("3")}));
  ASSERT_EQ(codes(errors), std::vector<std::string>{"importance.numbered_name"});
  EXPECT_EQ(errors[0].args.at("index"), "2");
  EXPECT_EQ(errors[0].args.at("value"), "3");
  EXPECT_EQ(codes(check_importance_levels("numbered", json::array({level("2"), level("1")}))).size(), 2u);
}

TEST(ImportanceLevels, EachMistakeIsNamed) {
  EXPECT_EQ(codes(check_importance_levels("graded", json::array())), std::vector<std::string>{"importance.levels_list"});
  EXPECT_EQ(codes(check_importance_levels("graded", json::object())), std::vector<std::string>{"importance.levels_list"});
  EXPECT_EQ(codes(check_importance_levels("graded", nullptr)), std::vector<std::string>{"importance.levels_list"});
  json no_ja = {{"name", "A"}, {"en", "Standard"}};
  json extra = level("B");
  extra["colour"] = "red";
  json bad_meaning = level("C");
  bad_meaning["meaning"] = 3;
  auto errors = check_importance_levels(
      "graded", json::array({no_ja, level("A"), "AA", {{"name", ""}}, extra, bad_meaning}));
  EXPECT_EQ(codes(errors), (std::vector<std::string>{"importance.level_label", "importance.level_repeated",
                                                     "importance.level_object", "importance.level_name",
                                                     "importance.level_key", "importance.level_meaning"}));
  EXPECT_EQ(errors[0].args.at("language"), "ja");
  EXPECT_EQ(errors[4].args.at("key"), "colour");
  EXPECT_EQ(codes(check_importance_levels("graded", json::array({level(std::string(51, 'x'))}))),
            std::vector<std::string>{"importance.level_name"});
}

TEST(ImportanceLevels, NamesInOrderAndTheFieldsEachKindUses) {
  EXPECT_EQ(importance_level_names(json::array({level("AAA"), level("AA")})), (std::vector<std::string>{"AAA", "AA"}));
  EXPECT_TRUE(importance_level_names(nullptr).empty());
  EXPECT_EQ(importance_fields("cia"),
            (std::vector<std::string>{"confidentiality_level", "integrity_level", "availability_level"}));
  EXPECT_EQ(importance_fields("graded"), std::vector<std::string>{"importance_class"});
  EXPECT_EQ(importance_fields("numbered"), std::vector<std::string>{"importance_class"});
}

TEST(SchemeLevels, AValueOutsideTheLevelsListsThem) {
  const std::vector<std::string> levels{"AAA", "AA", "A"};
  EXPECT_FALSE(level_outside(levels, "AA", "importance_class", "importance.not_in_scheme").has_value());
  auto e = level_outside(levels, "B", "importance_class", "importance.not_in_scheme", {{"scheme", "IMS-000001"}});
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->field, "importance_class");
  EXPECT_EQ(e->code, "importance.not_in_scheme");
  EXPECT_EQ(e->args.at("value"), "B");
  EXPECT_EQ(e->args.at("levels"), "AAA, AA, A");
  EXPECT_EQ(e->args.at("scheme"), "IMS-000001");
  EXPECT_TRUE(level_outside({}, "", "f", "c").has_value());  // nothing is a level of no levels
}

}  // namespace
}  // namespace kanri::processes::service_level
