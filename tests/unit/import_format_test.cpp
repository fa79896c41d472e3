// The two readers an import stands on: CSV rows with their line numbers, and local date-times
// in a pattern and a time zone.
#include <gtest/gtest.h>

#include <sstream>

#include "core/csv.h"
#include "core/date_pattern.h"

namespace kanri {
namespace {

std::vector<std::pair<std::size_t, std::vector<std::string>>> read_all(const std::string& text) {
  std::istringstream in(text);
  CsvReader csv(in);
  std::vector<std::pair<std::size_t, std::vector<std::string>>> out;
  std::vector<std::string> cells;
  while (csv.next(cells)) out.emplace_back(csv.line(), cells);
  return out;
}

TEST(CsvReader, CellsQuotesAndLines) {
  auto rows = read_all("\xEF\xBB\xBFnumber,title\r\nINC1,\"a, b\"\r\nINC2,\"say \"\"hi\"\"\"\nINC3,\"two\r\nlines\"\nINC4,\n");
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0].second, (std::vector<std::string>{"number", "title"}));  // the BOM is skipped
  EXPECT_EQ(rows[1].second, (std::vector<std::string>{"INC1", "a, b"}));
  EXPECT_EQ(rows[2].second, (std::vector<std::string>{"INC2", "say \"hi\""}));
  EXPECT_EQ(rows[3].second, (std::vector<std::string>{"INC3", "two\nlines"}));
  EXPECT_EQ(rows[4].second, (std::vector<std::string>{"INC4", ""}));
  // A row is named by the line it starts on; the quoted line break moved the next one down.
  EXPECT_EQ(rows[3].first, 4u);
  EXPECT_EQ(rows[4].first, 6u);
}

TEST(CsvReader, UnterminatedQuoteIsFlagged) {
  std::istringstream in("a,b\n1,\"open\n");
  CsvReader csv(in);
  std::vector<std::string> cells;
  ASSERT_TRUE(csv.next(cells));
  EXPECT_FALSE(csv.unterminated());
  ASSERT_TRUE(csv.next(cells));
  EXPECT_TRUE(csv.unterminated());
  EXPECT_FALSE(csv.next(cells));
}

TEST(DatePattern, ReadsDayMonthYear) {
  auto p = DatePattern::parse("d/m/yyyy HH:MM");
  ASSERT_TRUE(p);
  auto utc = TimeZone::named("UTC");
  EXPECT_EQ(format_timestamp(*p->read("29/2/2016 01:16", *utc)), "2016-02-29T01:16:00.000Z");
  EXPECT_EQ(format_timestamp(*p->read("05/03/2016 12:00", *utc)), "2016-03-05T12:00:00.000Z");
  EXPECT_FALSE(p->read("29/2/2017 01:16", *utc));  // not a leap year
  EXPECT_FALSE(p->read("31/4/2016 01:16", *utc));
  EXPECT_FALSE(p->read("1/13/2016 01:16", *utc));
  EXPECT_FALSE(p->read("1/1/2016 24:00", *utc));
  EXPECT_FALSE(p->read("1/1/2016", *utc));
  EXPECT_FALSE(p->read("1/1/2016 01:16x", *utc));
  EXPECT_FALSE(p->read("yesterday", *utc));
}

TEST(DatePattern, AppliesTheTimeZone) {
  auto p = DatePattern::parse("yyyy-mm-dd HH:MM:SS");
  ASSERT_TRUE(p);
  auto tokyo = TimeZone::named("Asia/Tokyo");
  EXPECT_EQ(format_timestamp(*p->read("2026-04-01 09:00:00", *tokyo)), "2026-04-01T00:00:00.000Z");
  auto lisbon = TimeZone::named("Europe/Lisbon");  // summer time: UTC+1
  EXPECT_EQ(format_timestamp(*p->read("2016-07-01 12:30:00", *lisbon)), "2016-07-01T11:30:00.000Z");
  EXPECT_EQ(format_timestamp(*p->read("2016-01-01 12:30:00", *lisbon)), "2016-01-01T12:30:00.000Z");
}

TEST(DatePattern, RefusesPatternsWithoutADate) {
  EXPECT_FALSE(DatePattern::parse("HH:MM"));
  EXPECT_FALSE(DatePattern::parse("d/m/yyyy d"));
  EXPECT_FALSE(DatePattern::parse("d/m/yy"));
  EXPECT_FALSE(DatePattern::parse("d/m/yyyy hh:mm"));
}

}  // namespace
}  // namespace kanri
