// kanri import's engine part (engine/record_import.h) on a small model of its own: the last
// version of each key, read-only fields and the state taken, references found or made once,
// every bad row reported by line, and nothing kept unless every row is valid.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "engine/record_import.h"
#include "store/journal.h"
#include "store/schema.h"
#include "support.h"

namespace kanri {
namespace {

const char* kModel = R"(# Tickets for the import test.
[team]
label = { en = "Team", ja = "チーム" }
plural = { en = "Teams", ja = "チーム" }
collection = "teams"
number_prefix = "TEAM"
display = "name"
list_columns = ["number", "name"]
default_sort = "name"

[team.fields.name]
type = "text"
label = { en = "Name", ja = "名称" }
required = true
indexed = true

[team.fields.parent]
type = "ref"
target = "team"
label = { en = "Parent", ja = "上位" }
indexed = true

[ticket]
label = { en = "Ticket", ja = "チケット" }
plural = { en = "Tickets", ja = "チケット" }
collection = "tickets"
number_prefix = "TKT"
display = "title"
list_columns = ["number", "title"]
default_sort = "-updated_at"

[ticket.fields.title]
type = "text"
label = { en = "Title", ja = "件名" }
required = true

[ticket.fields.source]
type = "text"
label = { en = "Source number", ja = "元の番号" }
read_only = true
indexed = true
searchable = true

[ticket.fields.level]
type = "enum"
label = { en = "Level", ja = "レベル" }
read_only = true
values = [{ name = "high", en = "High", ja = "高" }, { name = "low", en = "Low", ja = "低" }]

[ticket.fields.opened_at]
type = "datetime"
label = { en = "Opened", ja = "受付" }

[ticket.fields.count]
type = "int"
label = { en = "Count", ja = "回数" }
min = 0

[ticket.fields.team]
type = "ref"
target = "team"
label = { en = "Team", ja = "チーム" }
indexed = true

[ticket.lifecycle]
initial = "open"
states = [
  { name = "open", en = "Open", ja = "受付" },
  { name = "closed", en = "Closed", ja = "完了", frozen = true, final = true },
]

[[ticket.lifecycle.transitions]]
name = "close"
label = { en = "Close", ja = "完了" }
from = ["open"]
to = "closed"
)";

const char* kMapping = R"([import]
type = "ticket"
key = "id"
version = "mod"
null = "?"
date_format = "d/m/yyyy HH:MM"
time_zone = "Asia/Tokyo"

[state]
column = "state"
map = { "Open" = "open", "Done" = "closed" }

[fields.source]
column = "id"

[fields.title]
template = "{id} {text}"

[fields.level]
column = "lvl"
map = { "1 - High" = "high", "2 - Low" = "low" }

[fields.opened_at]
column = "opened"

[fields.count]
column = "n"

[fields.team]
columns = ["team", "subteam"]
match = "name"
parent = "parent"
create_missing = true
)";

class RecordImportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { catalogue_ = load_catalogue({{"import.toml", kModel}}).release(); }
  static void TearDownTestSuite() {
    delete catalogue_;
    catalogue_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(catalogue_, nullptr);
    ASSERT_TRUE(store::apply_schema(tmp_.db(), *catalogue_, nullptr).ok());
  }

  engine::LoadedMapping mapping(const std::string& text) {
    const std::string path = tmp_.path() + ".mapping.toml";
    std::ofstream(path) << text;
    return engine::load_import_mapping(path, *catalogue_);
  }

  engine::ImportReport run(const std::string& csv_text, bool skip_invalid = false) {
    auto loaded = mapping(kMapping);
    EXPECT_TRUE(loaded.problems.empty());
    std::istringstream in(csv_text);
    CsvReader csv(in);
    engine::ImportOptions options;
    options.skip_invalid = skip_invalid;
    auto report = engine::import_records(service_, engine::Principal::system(), *loaded.mapping, csv, options);
    EXPECT_TRUE(report.ok());
    return report.ok() ? *report : engine::ImportReport{};
  }

  std::vector<store::Record> all(const char* type) {
    auto page = service_.list(engine::Principal::system(), *catalogue_->type(type), {{}, "", "number", "", "500"});
    EXPECT_TRUE(page.ok());
    return page.ok() ? page->records : std::vector<store::Record>{};
  }

  static std::string text(const store::Record& r, const char* field) {
    return as_text(r.get(*r.type->field(field)));
  }

  static inline model::Catalogue* catalogue_ = nullptr;
  FakeClock clock_;
  TempDatabase tmp_;
  engine::RecordService service_{*catalogue_, tmp_.db(), rules(), clock_};
};

const std::string kHeader = "id,mod,state,text,lvl,opened,n,team,subteam\n";

TEST_F(RecordImportTest, TheLastVersionOfEachKeyWithItsStateAndReadOnlyValues) {
  auto report = run(kHeader +
                    "A1,0,Open,first,2 - Low,1/4/2026 09:00,0,Network,?\n"
                    "A2,0,Open,other,1 - High,2/4/2026 10:30,1,Network,LAN\n"
                    "A1,3,Done,final,1 - High,1/4/2026 09:00,2,Network,WAN\n"
                    "A1,1,Open,older,2 - Low,1/4/2026 09:00,1,Network,?\n");
  EXPECT_EQ(report.rows_read, 4u);
  EXPECT_EQ(report.records, 2u);
  EXPECT_EQ(report.imported, 2u);
  EXPECT_EQ(report.rejected, 0u);
  auto tickets = all("ticket");
  ASSERT_EQ(tickets.size(), 2u);
  const store::Record& a1 = tickets[0];  // numbered in the order the keys first appear
  EXPECT_EQ(a1.number, "TKT-000001");
  EXPECT_EQ(text(a1, "source"), "A1");
  EXPECT_EQ(text(a1, "title"), "A1 final");
  EXPECT_EQ(a1.state, "closed");
  EXPECT_EQ(text(a1, "level"), "high");
  // 09:00 in Tokyo is 00:00 UTC.
  EXPECT_EQ(format_timestamp(as_int(a1.get(*a1.type->field("opened_at")))), "2026-04-01T00:00:00.000Z");
  // Teams: Network once, with WAN and LAN as its children.
  auto teams = all("team");
  ASSERT_EQ(teams.size(), 3u);
  EXPECT_EQ(text(teams[0], "name"), "Network");
  for (std::size_t i = 1; i < 3; ++i) EXPECT_EQ(as_int(teams[i].get(*teams[i].type->field("parent"))), teams[0].id);
  EXPECT_EQ(as_int(a1.get(*a1.type->field("team"))), teams[1].id);  // WAN, made first
  // Journaled as an import.
  std::vector<store::JournalEntry> history;
  tmp_.db().read([&](store::Connection& c) { history = store::record_history(c, "ticket", a1.id); });
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0].action, "import");
}

TEST_F(RecordImportTest, EveryBadRowIsReportedByLineAndNothingIsKept) {
  const std::string csv = kHeader +
                          "B1,0,Open,fine,2 - Low,1/4/2026 09:00,0,Ops,?\n"
                          "B2,0,Open,bad date,2 - Low,31/4/2026 09:00,0,Ops,?\n"
                          "B3,0,Gone,bad state,3 - None,1/4/2026 09:00,0,Ops,?\n"
                          "B4,0,Open,negative,2 - Low,1/4/2026 09:00,-1,Ops,?\n"
                          "B5,0,Open,\"comma, inside\",2 - Low,1/4/2026 09:00,0,Ops\n";
  auto report = run(csv);
  EXPECT_EQ(report.imported, 0u);
  EXPECT_EQ(report.rejected, 4u);
  std::vector<std::string> seen;
  for (auto& p : report.problems) seen.push_back(std::to_string(p.line) + " " + p.error.field + " " + p.error.code);
  EXPECT_EQ(seen, (std::vector<std::string>{"3 opened_at import.date", "4 state import.unmapped_state",
                                            "4 level import.unmapped_value", "5 count field.min",
                                            "6  import.row_width"}));
  EXPECT_TRUE(all("ticket").empty());
  EXPECT_TRUE(all("team").empty());  // the valid row's team was rolled back with it

  report = run(csv, true);
  EXPECT_EQ(report.imported, 1u);
  EXPECT_EQ(report.rejected, 4u);
  EXPECT_EQ(all("ticket").size(), 1u);
}

TEST_F(RecordImportTest, AMappingIsCheckedAgainstTheModelWithItsLines) {
  auto loaded = mapping(
      "[import]\ntype = \"ticket\"\nkey = \"id\"\ndate_format = \"d/m/yy\"\n"
      "[fields.level]\ncolumn = \"lvl\"\nmap = { \"x\" = \"medium\" }\n"
      "[fields.nope]\ncolumn = \"a\"\n"
      "[fields.title]\ncolum = \"b\"\n");
  std::vector<std::string> seen;
  for (auto& p : loaded.problems) seen.push_back(std::to_string(p.line) + " " + p.error.code);
  EXPECT_FALSE(loaded.mapping);
  EXPECT_EQ(seen, (std::vector<std::string>{"4 import.mapping_date_format", "7 import.mapping_value",
                                            "8 import.mapping_unknown_field", "11 import.mapping_unknown_key",
                                            "10 import.mapping_no_source"}));
}

}  // namespace
}  // namespace kanri
