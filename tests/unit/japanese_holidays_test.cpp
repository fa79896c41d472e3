#include "processes/service_level/japanese_holidays.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/time.h"

namespace kanri::processes::service_level {
namespace {

// "MM-DD name" for each holiday of a year, so a failure shows which day differs.
std::vector<std::string> listed(int year) {
  std::vector<std::string> out;
  for (const Holiday& h : japanese_holidays(year)) out.push_back(days_to_date(h.day).substr(5) + " " + std::string(h.ja));
  return out;
}

bool holiday(const char* date) { return is_japanese_holiday(date_to_days(date)); }

std::string name_of(const char* date) {
  for (const Holiday& h : japanese_holidays(std::stoi(std::string(date, 4))))
    if (h.day == date_to_days(date)) return std::string(h.ja);
  return "";
}

TEST(JapaneseHolidays, Year2019WithTheEnthronementAndNoEmperorsBirthday) {
  EXPECT_EQ(listed(2019), (std::vector<std::string>{
                              "01-01 元日", "01-14 成人の日", "02-11 建国記念の日", "03-21 春分の日", "04-29 昭和の日",
                              "04-30 国民の休日", "05-01 天皇の即位の日", "05-02 国民の休日", "05-03 憲法記念日",
                              "05-04 みどりの日", "05-05 こどもの日", "05-06 振替休日", "07-15 海の日", "08-11 山の日",
                              "08-12 振替休日", "09-16 敬老の日", "09-23 秋分の日", "10-14 体育の日",
                              "10-22 即位礼正殿の儀", "11-03 文化の日", "11-04 振替休日", "11-23 勤労感謝の日"}));
}

TEST(JapaneseHolidays, Year2020WithTheOlympicMoves) {
  EXPECT_EQ(listed(2020), (std::vector<std::string>{
                              "01-01 元日", "01-13 成人の日", "02-11 建国記念の日", "02-23 天皇誕生日", "02-24 振替休日",
                              "03-20 春分の日", "04-29 昭和の日", "05-03 憲法記念日", "05-04 みどりの日",
                              "05-05 こどもの日", "05-06 振替休日", "07-23 海の日", "07-24 スポーツの日", "08-10 山の日",
                              "09-21 敬老の日", "09-22 秋分の日", "11-03 文化の日", "11-23 勤労感謝の日"}));
}

TEST(JapaneseHolidays, Year2021WithTheOlympicMovesAndASundayMountainDay) {
  EXPECT_EQ(listed(2021), (std::vector<std::string>{
                              "01-01 元日", "01-11 成人の日", "02-11 建国記念の日", "02-23 天皇誕生日", "03-20 春分の日",
                              "04-29 昭和の日", "05-03 憲法記念日", "05-04 みどりの日", "05-05 こどもの日", "07-22 海の日",
                              "07-23 スポーツの日", "08-08 山の日", "08-09 振替休日", "09-20 敬老の日", "09-23 秋分の日",
                              "11-03 文化の日", "11-23 勤労感謝の日"}));
}

TEST(JapaneseHolidays, Year2024) {
  EXPECT_EQ(listed(2024), (std::vector<std::string>{
                              "01-01 元日", "01-08 成人の日", "02-11 建国記念の日", "02-12 振替休日", "02-23 天皇誕生日",
                              "03-20 春分の日", "04-29 昭和の日", "05-03 憲法記念日", "05-04 みどりの日",
                              "05-05 こどもの日", "05-06 振替休日", "07-15 海の日", "08-11 山の日", "08-12 振替休日",
                              "09-16 敬老の日", "09-22 秋分の日", "09-23 振替休日", "10-14 スポーツの日", "11-03 文化の日",
                              "11-04 振替休日", "11-23 勤労感謝の日"}));
}

TEST(JapaneseHolidays, Year2025WithASubstituteAfterTwoHolidays) {
  EXPECT_EQ(listed(2025), (std::vector<std::string>{
                              "01-01 元日", "01-13 成人の日", "02-11 建国記念の日", "02-23 天皇誕生日", "02-24 振替休日",
                              "03-20 春分の日", "04-29 昭和の日", "05-03 憲法記念日", "05-04 みどりの日",
                              "05-05 こどもの日", "05-06 振替休日", "07-21 海の日", "08-11 山の日", "09-15 敬老の日",
                              "09-23 秋分の日", "10-13 スポーツの日", "11-03 文化の日", "11-23 勤労感謝の日",
                              "11-24 振替休日"}));
}

TEST(JapaneseHolidays, Year2026WithACitizensHolidayInSeptember) {
  EXPECT_EQ(listed(2026), (std::vector<std::string>{
                              "01-01 元日", "01-12 成人の日", "02-11 建国記念の日", "02-23 天皇誕生日", "03-20 春分の日",
                              "04-29 昭和の日", "05-03 憲法記念日", "05-04 みどりの日", "05-05 こどもの日",
                              "05-06 振替休日", "07-20 海の日", "08-11 山の日", "09-21 敬老の日", "09-22 国民の休日",
                              "09-23 秋分の日", "10-12 スポーツの日", "11-03 文化の日", "11-23 勤労感謝の日"}));
}

TEST(JapaneseHolidays, EnglishNamesComeWithEachDay) {
  auto y = japanese_holidays(2026);
  ASSERT_FALSE(y.empty());
  EXPECT_EQ(y.front().en, "New Year's Day");
  EXPECT_EQ(y[9].en, "Substitute holiday");
  EXPECT_EQ(y[13].en, "Citizens' holiday");
  for (const Holiday& h : y) EXPECT_FALSE(h.en.empty() || h.ja.empty());
}

TEST(JapaneseHolidays, HistoricalChangesOfTheFixedDays) {
  EXPECT_EQ(name_of("1988-04-29"), "天皇誕生日");
  EXPECT_EQ(name_of("1989-04-29"), "みどりの日");
  EXPECT_EQ(name_of("1989-12-23"), "天皇誕生日");
  EXPECT_EQ(name_of("2006-04-29"), "みどりの日");
  EXPECT_EQ(name_of("2007-04-29"), "昭和の日");
  EXPECT_EQ(name_of("2007-05-04"), "みどりの日");
  EXPECT_TRUE(holiday("2018-12-24"));   // its substitute: 12-23 was a Sunday
  EXPECT_FALSE(holiday("2019-12-23"));  // no emperor's birthday in 2019
  EXPECT_FALSE(holiday("2019-02-23"));
  EXPECT_TRUE(holiday("2020-02-23"));
  EXPECT_TRUE(holiday("2006-05-04"));  // a citizens' holiday between 05-03 and 05-05
  EXPECT_TRUE(holiday("2007-04-30"));  // 昭和の日 on a Sunday
  EXPECT_FALSE(holiday("2015-08-11"));  // 山の日 from 2016
  EXPECT_TRUE(holiday("2016-08-11"));
  EXPECT_TRUE(holiday("1995-01-15") && holiday("1995-01-16"));  // 成人の日 on Sunday, then its substitute
  EXPECT_TRUE(holiday("2000-01-10"));                            // the second Monday from 2000
  EXPECT_TRUE(holiday("1996-07-20") && !holiday("1995-07-20"));  // 海の日 from 1996
  EXPECT_EQ(name_of("2002-09-15"), "敬老の日");  // 09-15 until 2002, then the third Monday
  EXPECT_EQ(name_of("2003-09-15"), "敬老の日");
  EXPECT_EQ(name_of("2004-09-20"), "敬老の日");
  EXPECT_TRUE(holiday("1966-09-15") && !holiday("1965-09-15"));
  EXPECT_TRUE(holiday("1967-02-11") && !holiday("1966-02-11"));
  EXPECT_EQ(name_of("1998-10-10"), "体育の日");  // 10-10 until 1999, then the second Monday
  EXPECT_EQ(name_of("1999-10-11"), "振替休日");
  EXPECT_EQ(name_of("2000-10-09"), "体育の日");
  EXPECT_EQ(name_of("2019-10-14"), "体育の日");
  EXPECT_EQ(name_of("2022-10-10"), "スポーツの日");
}

TEST(JapaneseHolidays, SubstituteHolidaysFollowTheRuleOfTheirTime) {
  EXPECT_FALSE(holiday("1973-02-12"));  // 02-11 was a Sunday before the rule began (1973-04-12)
  EXPECT_TRUE(holiday("1973-04-30"));   // the first substitute holiday
  EXPECT_TRUE(holiday("2008-05-06"));   // since 2007 the first day after that is no holiday
  EXPECT_TRUE(holiday("1992-05-04"));   // 05-03 on a Sunday: a substitute (not a citizens' holiday)
  EXPECT_EQ(name_of("1992-05-04"), "振替休日");
  EXPECT_EQ(name_of("1988-05-04"), "国民の休日");  // from 1985-12-27 on
  EXPECT_FALSE(holiday("1986-05-04"));  // a Sunday, so not one
  EXPECT_TRUE(holiday("2009-09-22"));
  EXPECT_TRUE(holiday("2015-09-22"));
}

TEST(JapaneseHolidays, OneOffDays) {
  for (const char* d : {"1959-04-10", "1989-02-24", "1990-11-12", "1993-06-09", "2019-05-01", "2019-10-22"})
    EXPECT_TRUE(holiday(d)) << d;
}

TEST(JapaneseHolidays, EquinoxesAcrossTheFormulasPeriods) {
  auto day_of = [](int year, std::string_view name) {
    for (const Holiday& h : japanese_holidays(year))
      if (h.ja == name) return days_to_date(h.day);
    return std::string();
  };
  EXPECT_EQ(day_of(1948, "秋分の日"), "1948-09-23");  // the law's first year: no vernal equinox day
  EXPECT_EQ(day_of(1948, "春分の日"), "");
  EXPECT_EQ(day_of(1979, "春分の日"), "1979-03-21");
  EXPECT_EQ(day_of(2012, "秋分の日"), "2012-09-22");
  EXPECT_EQ(day_of(2023, "春分の日"), "2023-03-21");
  EXPECT_EQ(day_of(2099, "秋分の日"), "2099-09-23");
  EXPECT_EQ(day_of(2150, "春分の日"), "2150-03-21");
  EXPECT_TRUE(japanese_holidays(1947).empty());
  EXPECT_TRUE(japanese_holidays(2151).empty());
  EXPECT_FALSE(japanese_holidays(2150).empty());
}

TEST(JapaneseHolidays, EveryYearIsOrderedWithOneEntryPerDay) {
  for (int y = kFirstHolidayYear; y <= kLastHolidayYear; ++y) {
    auto list = japanese_holidays(y);
    for (size_t i = 1; i < list.size(); ++i) ASSERT_LT(list[i - 1].day, list[i].day) << y;
    for (const Holiday& h : list) ASSERT_EQ(days_to_date(h.day).substr(0, 4), std::to_string(y));
    if (y >= 1949) {
      EXPECT_GE(list.size(), 9u) << y;
      EXPECT_LE(list.size(), 23u) << y;
    }
  }
}

}  // namespace
}  // namespace kanri::processes::service_level
