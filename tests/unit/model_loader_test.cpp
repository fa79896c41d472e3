#include "model/loader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "engine/rules.h"
#include "processes/registry.h"

namespace kanri::model {
namespace {

using Files = std::vector<std::pair<std::string, std::string>>;

const std::set<std::string> kRules = {"known_rule", "known_hook"};

// 1-based number of the first line of `text` containing `marker`; fails the test if absent.
int line_of(const std::string& text, std::string_view marker) {
  auto pos = text.find(marker);
  EXPECT_NE(pos, std::string::npos) << "marker not in text: " << marker;
  if (pos == std::string::npos) return -1;
  int line = 1;
  for (size_t i = 0; i < pos; ++i) line += text[i] == '\n';
  return line;
}

std::string all_errors(const LoadResult& r) {
  std::string out;
  for (auto& e : r.errors) out += "  " + e.to_string() + "\n";
  return out;
}

LoadResult load(const std::string& text, const std::set<std::string>& rules = kRules) {
  return load_model_text({{"test.toml", text}}, rules);
}

// Asserts that loading failed as a whole and that one error is at `line` of `file` and
// mentions every one of `parts`.
constexpr int kAnyLine = -1;

void expect_error(const LoadResult& r, int line, const std::vector<std::string>& parts,
                  const std::string& file = "test.toml") {
  EXPECT_EQ(r.catalogue, nullptr) << "a model with errors must not load at all";
  for (auto& e : r.errors) {
    if (e.file != file || (line != kAnyLine && e.line != line)) continue;
    bool all = true;
    for (auto p : parts) all = all && e.message.find(p) != std::string::npos;
    if (all) return;
  }
  std::string want;
  for (auto p : parts) want += " '" + std::string(p) + "'";
  ADD_FAILURE() << "no error at " << file << ":" << (line == kAnyLine ? std::string("*") : std::to_string(line))
                << " mentioning" << want << "; got:\n" << all_errors(r);
}

// A small valid type; tests append to it or replace pieces of it.
const std::string kWidget = R"([widget]
label = { en = "Widget", ja = "ウィジェット" }
collection = "widgets"
number_prefix = "WID"

[widget.fields.name]
type = "text"
label = { en = "Name", ja = "名前" }
required = true
)";

const std::string kOrganization = R"([organization]
label = { en = "Organization", ja = "組織" }
collection = "organizations"
number_prefix = "ORG"

[organization.fields.name]
type = "text"
label = { en = "Name", ja = "名称" }
required = true
)";

std::string replace(std::string text, std::string_view from, std::string_view to) {
  auto pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) text.replace(pos, from.size(), to);
  return text;
}

// ---- a complete, valid model ------------------------------------------------------------------

const std::string kGadget = R"([gadget]
label = { en = "Gadget", ja = "ガジェット" }
plural = { en = "Gadgets", ja = "ガジェット一覧" }
description = { en = "A thing.", ja = "もの。" }
collection = "gadgets"
number_prefix = "GAD"
clauses = ["20000-1:8.2.4"]
display = "title"
list_columns = ["number", "title", "level", "state"]
default_sort = "-updated_at"

[gadget.fields.title]
type = "text"
label = { en = "Title", ja = "件名" }
help = { en = "A short title.", ja = "短い件名。" }
required = true
indexed = true
searchable = true
max_length = 80
default = "untitled"

[gadget.fields.notes]
type = "longtext"
label = { en = "Notes", ja = "備考" }
searchable = true

[gadget.fields.count]
type = "int"
label = { en = "Count", ja = "数" }
min = 0
max = 10
default = 3

[gadget.fields.ratio]
type = "decimal"
label = { en = "Ratio", ja = "比率" }
min = 0
max = 1
scale = 2
default = 0.5

[gadget.fields.enabled]
type = "bool"
label = { en = "Enabled", ja = "有効" }
default = true

[gadget.fields.due]
type = "date"
label = { en = "Due", ja = "期限" }
default = "2024-02-29"

[gadget.fields.seen_at]
type = "datetime"
label = { en = "Seen at", ja = "確認日時" }

[gadget.fields.every]
type = "duration"
label = { en = "Every", ja = "間隔" }
default = "P1W"

[gadget.fields.level]
type = "enum"
label = { en = "Level", ja = "レベル" }
default = "low"
values = [
  { name = "high", en = "High", ja = "高" },
  { name = "low", en = "Low", ja = "低" },
]

[gadget.fields.parent]
type = "ref"
target = "gadget"
label = { en = "Parent", ja = "親" }

[gadget.fields.owner]
type = "user"
label = { en = "Owner", ja = "担当者" }

[gadget.fields.customer]
type = "org"
label = { en = "Customer", ja = "顧客" }

[gadget.fields.extra]
type = "json"
label = { en = "Extra", ja = "追加" }

[gadget.fields.score]
type = "int"
label = { en = "Score", ja = "点数" }
read_only = true
computed = "known_rule"

[gadget.lifecycle]
initial = "draft"
states = [
  { name = "draft", en = "Draft", ja = "下書き" },
  { name = "active", en = "Active", ja = "有効" },
  { name = "closed", en = "Closed", ja = "終了", frozen = true, final = true },
]

[[gadget.lifecycle.transitions]]
name = "activate"
label = { en = "Activate", ja = "有効化" }
from = ["draft"]
to = "active"
requires = ["owner"]
fields = ["notes"]
roles = ["agent"]
hooks = ["known_hook"]

[[gadget.lifecycle.transitions]]
name = "close"
label = { en = "Close", ja = "終了" }
to = "closed"

[[gadget.relations]]
name = "uses"
target = "organization"
label = { en = "Uses", ja = "利用先" }
inverse_label = { en = "Used by", ja = "利用元" }
)";

TEST(ModelLoader, LoadsEveryFieldTypeLifecycleAndRelation) {
  LoadResult r = load_model_text({{"org.toml", kOrganization}, {"gadget.toml", kGadget}}, kRules);
  ASSERT_TRUE(r.errors.empty()) << all_errors(r);
  ASSERT_NE(r.catalogue, nullptr);
  const TypeDef* t = r.catalogue->type("gadget");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(r.catalogue->by_collection("gadgets"), t);
  EXPECT_EQ(t->file, "gadget.toml");
  EXPECT_EQ(t->table(), "rec_gadget");
  EXPECT_EQ(t->label.en, "Gadget");
  EXPECT_EQ(t->label.ja, "ガジェット");
  EXPECT_EQ(t->plural.ja, "ガジェット一覧");
  EXPECT_EQ(t->description.en, "A thing.");
  EXPECT_EQ(t->number_prefix, "GAD");
  EXPECT_EQ(t->clauses, std::vector<std::string>{"20000-1:8.2.4"});
  EXPECT_EQ(t->display_field, "title");
  EXPECT_EQ(t->list_columns, (std::vector<std::string>{"number", "title", "level", "state"}));
  EXPECT_EQ(t->default_sort, "-updated_at");

  // Declaration order, not TOML's alphabetical key order.
  std::vector<std::string> names;
  for (auto& f : t->fields) names.push_back(f.name);
  EXPECT_EQ(names, (std::vector<std::string>{"title", "notes", "count", "ratio", "enabled", "due", "seen_at",
                                             "every", "level", "parent", "owner", "customer", "extra", "score"}));
  for (size_t i = 0; i < t->fields.size(); ++i) EXPECT_EQ(t->fields[i].position, i) << t->fields[i].name;

  const FieldDef* title = t->field("title");
  EXPECT_EQ(title->type, FieldType::text);
  EXPECT_TRUE(title->required && title->indexed && title->searchable);
  EXPECT_EQ(title->max_length, 80);
  EXPECT_EQ(title->help.ja, "短い件名。");
  EXPECT_EQ(title->label.in("ja"), "件名");
  EXPECT_EQ(title->label.in("en"), "Title");
  EXPECT_EQ(title->default_value, Value(std::string("untitled")));

  EXPECT_EQ(t->field("notes")->type, FieldType::longtext);
  EXPECT_EQ(t->field("notes")->max_length, 100000);  // longtext default
  EXPECT_FALSE(t->field("notes")->default_value);

  const FieldDef* count = t->field("count");
  EXPECT_EQ(count->type, FieldType::integer);
  EXPECT_EQ(count->min, 0.0);
  EXPECT_EQ(count->max, 10.0);
  EXPECT_EQ(count->default_value, Value(std::int64_t{3}));

  const FieldDef* ratio = t->field("ratio");
  EXPECT_EQ(ratio->type, FieldType::decimal);
  EXPECT_EQ(ratio->scale, 2);
  EXPECT_EQ(ratio->default_value, Value(0.5));

  EXPECT_EQ(t->field("enabled")->type, FieldType::boolean);
  EXPECT_EQ(t->field("enabled")->default_value, Value(std::int64_t{1}));
  EXPECT_EQ(t->field("due")->type, FieldType::date);
  EXPECT_EQ(t->field("due")->default_value, Value(std::string("2024-02-29")));
  EXPECT_EQ(t->field("seen_at")->type, FieldType::datetime);
  EXPECT_EQ(t->field("every")->type, FieldType::duration);
  EXPECT_EQ(t->field("every")->default_value, Value(std::int64_t{7 * 86400000LL}));

  const FieldDef* level = t->field("level");
  EXPECT_EQ(level->type, FieldType::enumeration);
  ASSERT_EQ(level->values.size(), 2u);
  EXPECT_EQ(level->values[0].name, "high");
  EXPECT_EQ(level->values[1].label.ja, "低");
  EXPECT_NE(level->enum_value("low"), nullptr);
  EXPECT_EQ(level->enum_value("medium"), nullptr);
  EXPECT_EQ(level->default_value, Value(std::string("low")));

  EXPECT_EQ(t->field("parent")->type, FieldType::ref);
  EXPECT_EQ(t->field("parent")->target, "gadget");
  EXPECT_TRUE(t->field("parent")->is_reference());
  EXPECT_EQ(t->field("owner")->type, FieldType::user);
  EXPECT_EQ(t->field("customer")->type, FieldType::org);
  EXPECT_EQ(t->field("customer")->target, "organization");  // org fields target organizations
  EXPECT_EQ(t->field("extra")->type, FieldType::json);
  EXPECT_EQ(t->field("score")->computed, "known_rule");
  EXPECT_TRUE(t->field("score")->read_only);

  ASSERT_TRUE(t->lifecycle);
  const Lifecycle& lc = *t->lifecycle;
  EXPECT_EQ(lc.initial, "draft");
  ASSERT_EQ(lc.states.size(), 3u);
  EXPECT_FALSE(lc.state("draft")->frozen);
  EXPECT_TRUE(lc.state("closed")->frozen);
  EXPECT_TRUE(lc.state("closed")->final);
  EXPECT_EQ(lc.state("active")->label.ja, "有効");
  const TransitionDef* activate = lc.transition("activate");
  ASSERT_NE(activate, nullptr);
  EXPECT_EQ(activate->from, std::vector<std::string>{"draft"});
  EXPECT_EQ(activate->to, "active");
  EXPECT_EQ(activate->required_fields, std::vector<std::string>{"owner"});
  // The fields a transition may set include the ones it requires.
  EXPECT_EQ(std::set<std::string>(activate->fields.begin(), activate->fields.end()),
            (std::set<std::string>{"notes", "owner"}));
  EXPECT_EQ(activate->roles, std::vector<std::string>{"agent"});
  EXPECT_EQ(activate->hooks, std::vector<std::string>{"known_hook"});
  EXPECT_TRUE(lc.transition("close")->from.empty());  // from any state
  EXPECT_EQ(lc.transition("nope"), nullptr);

  ASSERT_EQ(t->relations.size(), 1u);
  EXPECT_EQ(t->relations[0].name, "uses");
  EXPECT_EQ(t->relations[0].target, "organization");
  EXPECT_EQ(t->relations[0].inverse_label.ja, "利用元");
  EXPECT_NE(t->relation("uses"), nullptr);
}

TEST(ModelLoader, AppliesDefaultsForOptionalTypeKeys) {
  LoadResult r = load(kWidget);
  ASSERT_TRUE(r.errors.empty()) << all_errors(r);
  const TypeDef* t = r.catalogue->type("widget");
  EXPECT_EQ(t->display_field, "name");
  EXPECT_EQ(t->default_sort, "-id");
  EXPECT_EQ(t->plural.en, "Widget");
  EXPECT_EQ(t->field("name")->max_length, 255);
  EXPECT_FALSE(t->lifecycle);
  ASSERT_FALSE(t->list_columns.empty());
  EXPECT_EQ(t->list_columns.front(), "number");
}

// ---- errors, each with its line ---------------------------------------------------------------

TEST(ModelLoaderErrors, UnknownKeyInType) {
  std::string text = replace(kWidget, "collection = \"widgets\"\n", "collection = \"widgets\"\ncolour = \"red\"\n");
  expect_error(load(text), line_of(text, "colour"), {"unknown key 'colour'", "widget", "allowed"});
}

TEST(ModelLoader, ReadsIndexesOverSeveralColumns) {
  std::string text = replace(kWidget, "number_prefix = \"WID\"\n",
                             "number_prefix = \"WID\"\nindexes = [[\"name\", \"state\", \"updated_at\"]]\n");
  LoadResult r = load(text);
  ASSERT_TRUE(r.errors.empty()) << all_errors(r);
  const TypeDef* t = r.catalogue->type("widget");
  ASSERT_EQ(t->indexes.size(), 1u);
  EXPECT_EQ(t->indexes[0], (std::vector<std::string>{"name", "state", "updated_at"}));
}

TEST(ModelLoaderErrors, IndexesNameOnlyColumnsOfTheType) {
  auto with = [](const std::string& value) {
    return replace(kWidget, "number_prefix = \"WID\"\n", "number_prefix = \"WID\"\nindexes = " + value + "\n");
  };
  std::string unknown = with("[[\"name\", \"colour\"]]");
  expect_error(load(unknown), line_of(unknown, "indexes"), {"index column 'colour'", "widget"});
  std::string single = with("[[\"name\"]]");
  expect_error(load(single), line_of(single, "indexes"), {"two or more columns", "indexed = true"});
  std::string twice = with("[[\"name\", \"name\"]]");
  expect_error(load(twice), line_of(twice, "indexes"), {"named twice"});
  std::string flat = with("[\"name\", \"state\"]");
  expect_error(load(flat), line_of(flat, "indexes"), {"array of arrays"});
}

// Mistakes inside one field's table. The message must name the problem; the line is the line
// of the offending key, or of the field's [header] for a problem with the field as a whole.
struct FieldErrorCase {
  std::string name;
  std::string text;
  std::string line_marker;  // the error's line is the first line containing this
  std::vector<std::string> parts;
  std::set<std::string> rules = kRules;
};

std::vector<FieldErrorCase> field_error_cases() {
  std::vector<FieldErrorCase> cases;
  auto field = [](const std::string& name, const std::string& body) {
    return kWidget + "\n[widget.fields." + name + "]\n" + body;
  };
  cases.push_back({"unknown field key (typo)", replace(kWidget, "required = true", "requird = true"), "requird",
                   {"unknown key 'requird'", "widget.fields.name", "required"}});
  cases.push_back({"unknown field type", replace(kWidget, "type = \"text\"", "type = \"strng\""), "strng",
                   {"unknown field type 'strng'", "text, longtext, int"}});
  cases.push_back({"missing type", replace(kWidget, "type = \"text\"\n", ""), "[widget.fields.name]",
                   {"widget.fields.name", "'type'"}});
  cases.push_back({"enum without values", field("level", "type = \"enum\"\nlabel = { en = \"L\", ja = \"L\" }\n"),
                   "[widget.fields.level]", {"enum", "'values'"}});
  cases.push_back({"enum with empty values",
                   field("level", "type = \"enum\"\nlabel = { en = \"L\", ja = \"L\" }\nvalues = []\n"),
                   "values = []", {"values", "non-empty"}});
  cases.push_back({"duplicate enum value",
                   field("level", "type = \"enum\"\nlabel = { en = \"L\", ja = \"L\" }\nvalues = [\n"
                                  "  { name = \"low\", en = \"Low\", ja = \"低\" },\n"
                                  "  { name = \"high\", en = \"High\", ja = \"高\" },\n"
                                  "  { name = \"low\", en = \"Low again\", ja = \"低2\" },\n]\n"),
                   "Low again", {"'low'", "twice"}});
  cases.push_back({"ref without target", field("parent", "type = \"ref\"\nlabel = { en = \"P\", ja = \"親\" }\n"),
                   "[widget.fields.parent]", {"ref", "'target'"}});
  cases.push_back({"ref to unknown type",
                   field("parent", "type = \"ref\"\ntarget = \"gizmo\"\nlabel = { en = \"P\", ja = \"親\" }\n"),
                   "[widget.fields.parent]", {"widget.parent", "unknown type 'gizmo'"}});
  cases.push_back({"org field without an organization type",
                   field("customer", "type = \"org\"\nlabel = { en = \"C\", ja = \"顧客\" }\n"),
                   "[widget.fields.customer]", {"unknown type 'organization'"}});
  for (std::string name : {"state", "id", "number", "version", "created_at", "deleted_at"})
    cases.push_back({"reserved field name " + name, field(name, "type = \"text\"\nlabel = { en = \"X\", ja = \"X\" }\n"),
                     "[widget.fields." + name + "]", {"'" + name + "'", "reserved"}});
  cases.push_back({"field name not an identifier", field("Name2", "type = \"text\"\nlabel = { en = \"X\", ja = \"X\" }\n"),
                   "[widget.fields.Name2]", {"'Name2'", "[a-z]"}});
  cases.push_back({"unknown computed rule",
                   field("score", "type = \"int\"\nlabel = { en = \"S\", ja = \"S\" }\ncomputed = \"nope\"\n"),
                   "computed = \"nope\"", {"no rule named 'nope'"}});
  cases.push_back({"max_length on an int", field("n", "type = \"int\"\nlabel = { en = \"N\", ja = \"N\" }\nmax_length = 3\n"),
                   "max_length", {"max_length"}});
  cases.push_back({"min on a text", field("t", "type = \"text\"\nlabel = { en = \"T\", ja = \"T\" }\nmin = 3\n"),
                   "min = 3", {"min"}});
  cases.push_back({"searchable int", field("n", "type = \"int\"\nlabel = { en = \"N\", ja = \"N\" }\nsearchable = true\n"),
                   "[widget.fields.n]", {"searchable"}});
  struct Default {
    std::string type, extra, value;
  };
  for (const Default& d : std::vector<Default>{
           {"int", "", "\"3\""},
           {"int", "", "1.5"},
           {"bool", "", "\"yes\""},
           {"date", "", "\"2026-02-30\""},
           {"duration", "", "\"P1M\""},
           {"text", "", "42"},
           {"enum", "values = [{ name = \"a\", en = \"A\", ja = \"A\" }]\n", "\"b\""},
       })
    cases.push_back({d.type + " default " + d.value,
                     field("f", "type = \"" + d.type + "\"\nlabel = { en = \"F\", ja = \"F\" }\n" + d.extra +
                                    "default = " + d.value + "\n"),
                     "default = ", {"default", d.type}});
  return cases;
}

TEST(ModelLoaderFieldErrors, AreReportedWithAHelpfulMessage) {
  for (auto& c : field_error_cases()) {
    SCOPED_TRACE(c.name);
    expect_error(load(c.text, c.rules), kAnyLine, c.parts);
  }
}

TEST(ModelLoaderFieldErrors, CarryTheLineOfTheirDeclaration) {
  // BUG: src/model/loader.cpp read_type(), line 304: `for (auto&& [k, v] : fs ? *fs : toml::table{})`
  // iterates over a *copy* of the fields table (the conditional operator yields a prvalue), and
  // toml++ does not copy source positions. Every error raised on a node inside a field table
  // therefore has line 0 ("model/service.toml: unknown field type 'strng'", no line), and
  // FieldDef::line falls back (via FileReader::line_of) to the first key instead of the
  // [header]. Fix: iterate `*fs` itself, e.g. `if (fs) for (auto&& [k, v] : *fs)`.
  for (auto& c : field_error_cases()) {
    SCOPED_TRACE(c.name);
    expect_error(load(c.text, c.rules), line_of(c.text, c.line_marker), c.parts);
  }
  LoadResult r = load_model_text({{"org.toml", kOrganization}, {"gadget.toml", kGadget}}, kRules);
  ASSERT_NE(r.catalogue, nullptr);
  EXPECT_EQ(r.catalogue->type("gadget")->field("title")->line, line_of(kGadget, "[gadget.fields.title]"));
}

TEST(ModelLoaderErrors, LabelWithoutJapanese) {
  std::string text = replace(kWidget, R"(label = { en = "Name", ja = "名前" })", R"(label = { en = "Name" })");
  expect_error(load(text), line_of(text, R"({ en = "Name" })"), {"'ja'", "widget.fields.name.label"});
  std::string type_label = replace(kWidget, R"(label = { en = "Widget", ja = "ウィジェット" })", R"(label = { en = "Widget" })");
  expect_error(load(type_label), line_of(type_label, "label = { en = \"Widget\" }"), {"'ja'", "widget.label"});
}

TEST(ModelLoaderErrors, TypeWithoutLabel) {
  std::string text = replace(kWidget, "label = { en = \"Widget\", ja = \"ウィジェット\" }\n", "");
  expect_error(load(text), line_of(text, "[widget]"), {"'label'"});
}

const std::string kLifecycle = R"(
[widget.lifecycle]
initial = "new"
states = [
  { name = "new", en = "New", ja = "新規" },
  { name = "done", en = "Done", ja = "完了", final = true },
]

[[widget.lifecycle.transitions]]
name = "finish"
label = { en = "Finish", ja = "完了" }
from = ["new"]
to = "done"
)";

TEST(ModelLoaderErrors, LifecycleFixtureIsValid) {
  LoadResult r = load(kWidget + kLifecycle);
  EXPECT_TRUE(r.errors.empty()) << all_errors(r);
  EXPECT_NE(r.catalogue, nullptr);
}

// Public records: a state and an indexed enum field's value; anything else is the model's error.
TEST(ModelLoader, ReadsWhichRecordsArePublic) {
  const std::string kind = "\n[widget.fields.kind]\ntype = \"enum\"\nlabel = { en = \"Kind\", ja = \"種類\" }\nindexed = true\n"
                           "values = [{ name = \"open\", en = \"Open\", ja = \"公開\" }]\n";
  auto with = [&](const std::string& value) {
    return replace(kWidget, "number_prefix = \"WID\"\n", "number_prefix = \"WID\"\npublic_when = " + value + "\n") + kind + kLifecycle;
  };
  LoadResult r = load(with("{ state = \"done\", kind = \"open\" }"));
  ASSERT_TRUE(r.errors.empty()) << all_errors(r);
  EXPECT_EQ(r.catalogue->type("widget")->public_when,
            (std::vector<std::pair<std::string, std::string>>{{"kind", "open"}, {"state", "done"}}));  // in key order
  for (auto* bad : {"{ state = \"gone\" }", "{ kind = \"closed\" }", "{ name = \"x\" }"}) {
    std::string text = with(bad);
    expect_error(load(text), line_of(text, "public_when"), {"public_when.", "widget"});
  }
}

TEST(ModelLoaderErrors, InitialStateNotAmongStates) {
  std::string text = replace(kWidget + kLifecycle, "initial = \"new\"", "initial = \"open\"");
  expect_error(load(text), line_of(text, "initial = \"open\""), {"initial state 'open'"});
}

TEST(ModelLoaderErrors, TransitionFromUnknownState) {
  std::string text = replace(kWidget + kLifecycle, "from = [\"new\"]", "from = [\"nowhere\"]");
  expect_error(load(text), line_of(text, "[[widget.lifecycle.transitions]]"),
               {"'finish'", "unknown state 'nowhere'"});
}

TEST(ModelLoaderErrors, TransitionToUnknownState) {
  std::string text = replace(kWidget + kLifecycle, "to = \"done\"", "to = \"gone\"");
  expect_error(load(text), line_of(text, "[[widget.lifecycle.transitions]]"), {"'finish'", "unknown state 'gone'"});
}

TEST(ModelLoaderErrors, TransitionRequiresUnknownField) {
  std::string text = replace(kWidget + kLifecycle, "to = \"done\"", "to = \"done\"\nrequires = [\"ghost\"]");
  expect_error(load(text), line_of(text, "[[widget.lifecycle.transitions]]"), {"'finish'", "unknown field 'ghost'"});
}

TEST(ModelLoaderErrors, TransitionUnknownHook) {
  std::string text = replace(kWidget + kLifecycle, "to = \"done\"", "to = \"done\"\nhooks = [\"no_such_hook\"]");
  expect_error(load(text), line_of(text, "[[widget.lifecycle.transitions]]"), {"'no_such_hook'"});
}

TEST(ModelLoaderErrors, ComputedRuleMustBeRegistered) {
  std::string text = kWidget + "\n[widget.fields.score]\ntype = \"int\"\nlabel = { en = \"S\", ja = \"S\" }\ncomputed = \"nope\"\n";
  expect_error(load(text), kAnyLine, {"no rule named 'nope'"});
  LoadResult ok = load(text, {"nope"});
  EXPECT_TRUE(ok.errors.empty()) << all_errors(ok);
  ASSERT_NE(ok.catalogue, nullptr);
  EXPECT_EQ(ok.catalogue->type("widget")->field("score")->computed, "nope");
}

TEST(ModelLoaderErrors, DuplicateCollectionAcrossFiles) {
  std::string other = replace(replace(replace(kWidget, "[widget]", "[gizmo]"), "[widget.fields.name]", "[gizmo.fields.name]"),
                              "\"WID\"", "\"GIZ\"");
  LoadResult r = load_model_text({{"a.toml", kWidget}, {"b.toml", other}}, kRules);
  EXPECT_EQ(r.catalogue, nullptr);
  bool found = false;
  for (auto& e : r.errors)
    found = found || (e.file == "b.toml" && e.message.find("collection 'widgets'") != std::string::npos &&
                      e.message.find("widget") != std::string::npos);
  EXPECT_TRUE(found) << all_errors(r);
}

TEST(ModelLoaderErrors, DuplicateNumberPrefixAcrossFiles) {
  std::string other = replace(replace(replace(kWidget, "[widget]", "[gizmo]"), "[widget.fields.name]", "[gizmo.fields.name]"),
                              "\"widgets\"", "\"gizmos\"");
  LoadResult r = load_model_text({{"a.toml", kWidget}, {"b.toml", other}}, kRules);
  EXPECT_EQ(r.catalogue, nullptr);
  bool found = false;
  for (auto& e : r.errors) found = found || (e.file == "b.toml" && e.message.find("number_prefix 'WID'") != std::string::npos);
  EXPECT_TRUE(found) << all_errors(r);
}

TEST(ModelLoaderErrors, BadNumberPrefix) {
  for (std::string prefix : {"wd", "W", "WIDGETS", "W1", "WI-D"}) {
    SCOPED_TRACE(prefix);
    std::string text = replace(kWidget, "number_prefix = \"WID\"", "number_prefix = \"" + prefix + "\"");
    expect_error(load(text), line_of(text, "number_prefix"), {"number_prefix", "capital letters"});
  }
  for (std::string prefix : {"WD", "WIDGET"}) {
    LoadResult r = load(replace(kWidget, "number_prefix = \"WID\"", "number_prefix = \"" + prefix + "\""));
    EXPECT_TRUE(r.errors.empty()) << prefix << "\n" << all_errors(r);
  }
  std::string missing = replace(kWidget, "number_prefix = \"WID\"\n", "");
  expect_error(load(missing), line_of(missing, "[widget]"), {"number_prefix"});
}

TEST(ModelLoaderErrors, EmptyNumberPrefixAndCollectionAreRefused) {
  // BUG: src/model/loader.cpp read_type() (the collection and number_prefix checks, lines 295-299)
  // only checks these keys when they are non-empty, and string(..., required=true) only reports
  // a *missing* key, so `number_prefix = ""` and `collection = ""` load: records are numbered
  // "-000001" and the type is served at /api/v1/ itself.
  std::string prefix = replace(kWidget, "number_prefix = \"WID\"", "number_prefix = \"\"");
  expect_error(load(prefix), line_of(prefix, "number_prefix"), {"number_prefix"});
  std::string collection = replace(kWidget, "collection = \"widgets\"", "collection = \"\"");
  expect_error(load(collection), line_of(collection, "collection"), {"collection"});
}

TEST(ModelLoaderErrors, TomlSyntaxErrorReportsItsLine) {
  std::string text = replace(kWidget, "required = true", "required = tru");
  LoadResult r = load(text);
  ASSERT_EQ(r.catalogue, nullptr);
  ASSERT_FALSE(r.errors.empty());
  EXPECT_EQ(r.errors[0].file, "test.toml");
  EXPECT_EQ(r.errors[0].line, line_of(text, "required = tru"));
  EXPECT_FALSE(r.errors[0].message.empty());

  std::string unterminated = replace(kWidget, "collection = \"widgets\"", "collection = \"widgets");
  LoadResult r2 = load(unterminated);
  ASSERT_FALSE(r2.errors.empty());
  EXPECT_EQ(r2.errors[0].line, line_of(unterminated, "collection = "));
  EXPECT_EQ(r2.errors[0].to_string().rfind("test.toml:" + std::to_string(r2.errors[0].line) + ": ", 0), 0u)
      << r2.errors[0].to_string();
}

TEST(ModelLoaderErrors, AllErrorsAreReportedTogether) {
  std::string text = kWidget + R"(
[widget.fields.a]
type = "strng"
label = { en = "A", ja = "A" }

[widget.fields.b]
type = "int"
label = { en = "B", ja = "B" }
requird = true

[widget.fields.c]
type = "enum"
label = { en = "C", ja = "C" }
)";
  std::string second = replace(replace(kWidget, "[widget]", "[gizmo]"), "[widget.fields.name]", "[gizmo.fields.name]");
  second = replace(replace(second, "\"WID\"", "\"g1\""), "\"widgets\"", "\"gizmos\"");
  LoadResult r = load_model_text({{"test.toml", text}, {"second.toml", second}}, kRules);
  EXPECT_EQ(r.catalogue, nullptr);
  EXPECT_GE(r.errors.size(), 4u) << all_errors(r);
  // (Lines of field-level errors: see ModelLoaderFieldErrors.CarryTheLineOfTheirDeclaration.)
  expect_error(r, kAnyLine, {"strng"});
  expect_error(r, kAnyLine, {"requird"});
  expect_error(r, kAnyLine, {"enum", "'values'"});
  expect_error(r, line_of(second, "number_prefix"), {"number_prefix"}, "second.toml");
}

TEST(ModelLoaderErrors, OneBadTypeLoadsNothing) {
  // A valid type beside a broken one must not come through on its own.
  std::string broken = replace(replace(kWidget, "[widget]", "[gizmo]"), "[widget.fields.name]", "[gizmo.fields.name]");
  broken = replace(replace(broken, "\"WID\"", "\"GIZ\""), "\"widgets\"", "\"gizmos\"");
  broken = replace(broken, "type = \"text\"", "type = \"txt\"");
  LoadResult r = load_model_text({{"good.toml", kWidget}, {"bad.toml", broken}}, kRules);
  EXPECT_EQ(r.catalogue, nullptr);
  ASSERT_EQ(r.errors.size(), 1u) << all_errors(r);
  EXPECT_EQ(r.errors[0].file, "bad.toml");
}

TEST(ModelLoaderErrors, EmptyModel) {
  LoadResult r = load_model_text({{"empty.toml", "# nothing here\n"}}, kRules);
  EXPECT_EQ(r.catalogue, nullptr);
  EXPECT_FALSE(r.errors.empty());
}

// ---- extensions ---------------------------------------------------------------------------------

TEST(ModelLoaderExtension, LaterFileAddsFields) {
  const std::string extra = R"([widget.fields.cost_center]
type = "text"
label = { en = "Cost center", ja = "コストセンター" }
max_length = 20
)";
  LoadResult r = load_model_text({{"widget.toml", kWidget}, {"extra.toml", extra}}, kRules);
  ASSERT_TRUE(r.errors.empty()) << all_errors(r);
  const TypeDef* t = r.catalogue->type("widget");
  ASSERT_EQ(t->fields.size(), 2u);
  EXPECT_EQ(t->fields[0].name, "name");
  EXPECT_EQ(t->fields[1].name, "cost_center");
  EXPECT_EQ(t->fields[1].position, 1u);
  EXPECT_EQ(t->fields[1].max_length, 20);
  EXPECT_EQ(t->file, "widget.toml");  // still declared by the first file
  EXPECT_EQ(r.catalogue->types().size(), 1u);
}

TEST(ModelLoaderExtension, ExtensionFieldsKeepDeclarationOrder) {
  // BUG: src/model/loader.cpp extend_type() (line 356) appends an extension's fields in
  // toml++'s key order (alphabetical), unlike read_type(), which sorts by declaration line
  // ("declaration order reads better in forms and APIs"). An organization's added fields
  // therefore appear alphabetically in forms, list defaults and GET /api/v1/types.
  const std::string extra = R"([widget.fields.zeta]
type = "text"
label = { en = "Zeta", ja = "ゼータ" }

[widget.fields.alpha]
type = "text"
label = { en = "Alpha", ja = "アルファ" }
)";
  LoadResult r = load_model_text({{"widget.toml", kWidget}, {"extra.toml", extra}}, kRules);
  ASSERT_TRUE(r.errors.empty()) << all_errors(r);
  const TypeDef* t = r.catalogue->type("widget");
  ASSERT_EQ(t->fields.size(), 3u);
  EXPECT_EQ(t->fields[1].name, "zeta");
  EXPECT_EQ(t->fields[2].name, "alpha");
  for (size_t i = 0; i < t->fields.size(); ++i) EXPECT_EQ(t->fields[i].position, i);
}

TEST(ModelLoaderExtension, MayNotRedeclareAFieldOrChangeTheType) {
  const std::string dup = R"([widget.fields.name]
type = "text"
label = { en = "Other name", ja = "別名" }
)";
  LoadResult r = load_model_text({{"widget.toml", kWidget}, {"extra.toml", dup}}, kRules);
  expect_error(r, line_of(dup, "[widget.fields.name]"), {"'name'", "already exists"}, "extra.toml");

  const std::string relabel = "[widget]\ncollection = \"gadgets\"\n";
  LoadResult r2 = load_model_text({{"widget.toml", kWidget}, {"extra.toml", relabel}}, kRules);
  expect_error(r2, 2, {"unknown key 'collection'"}, "extra.toml");
}

// ---- the real model -----------------------------------------------------------------------------

TEST(RealModel, LoadsWithRegisteredRules) {
  engine::RuleRegistry rules;
  processes::register_all(rules);
  LoadResult r = load_model(std::string(KANRI_SOURCE_DIR) + "/model", "", rules.names());
  ASSERT_TRUE(r.errors.empty()) << all_errors(r);
  ASSERT_NE(r.catalogue, nullptr);
  const TypeDef* service = r.catalogue->type("service");
  const TypeDef* organization = r.catalogue->type("organization");
  ASSERT_NE(service, nullptr);
  ASSERT_NE(organization, nullptr);
  EXPECT_EQ(r.catalogue->by_collection("services"), service);

  std::vector<std::string> names;
  for (auto& f : service->fields) names.push_back(f.name);
  EXPECT_EQ(names, (std::vector<std::string>{"name", "description", "provider", "owner", "criticality",
                                             "availability_target", "users_count", "support_hours", "service_hours",
                                             "importance_scheme", "importance_class", "confidentiality_level",
                                             "integrity_level", "availability_level", "importance", "internal_notes",
                                             "live_since", "review_interval", "next_review_on", "last_incident_at",
                                             "retirement_reason", "attributes"}));
  for (size_t i = 0; i < service->fields.size(); ++i) EXPECT_EQ(service->fields[i].position, i);
  EXPECT_EQ(organization->fields.front().name, "name");
  EXPECT_EQ(service->field("review_interval")->default_value, Value(std::int64_t{365LL * 86400000}));
  EXPECT_EQ(service->field("provider")->target, "organization");
  ASSERT_TRUE(service->lifecycle);
  EXPECT_EQ(service->lifecycle->initial, "proposed");
  EXPECT_TRUE(service->lifecycle->state("retired")->frozen);
}

TEST(RealModel, RefusesUnregisteredRules) {
  LoadResult r = load_model(std::string(KANRI_SOURCE_DIR) + "/model", "", {});
  EXPECT_EQ(r.catalogue, nullptr);
  bool found = false;
  for (auto& e : r.errors) found = found || e.message.find("service_next_review") != std::string::npos;
  EXPECT_TRUE(found) << all_errors(r);
}

TEST(RealModel, ExtraFileExtendsAType) {
  engine::RuleRegistry rules;
  processes::register_all(rules);
  auto path = std::filesystem::temp_directory_path() /
              ("kanri_model_extra_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
               std::to_string(reinterpret_cast<std::uintptr_t>(&rules)) + ".toml");
  {
    std::ofstream out(path);
    out << "[service.fields.cost_center]\ntype = \"text\"\nlabel = { en = \"Cost center\", ja = \"原価センター\" }\n";
  }
  LoadResult r = load_model(std::string(KANRI_SOURCE_DIR) + "/model", path.string(), rules.names());
  std::filesystem::remove(path);
  ASSERT_TRUE(r.errors.empty()) << all_errors(r);
  const TypeDef* service = r.catalogue->type("service");
  ASSERT_NE(service->field("cost_center"), nullptr);
  EXPECT_EQ(service->fields.back().name, "cost_center");
  EXPECT_EQ(service->field("cost_center")->position, service->fields.size() - 1);
}

}  // namespace
}  // namespace kanri::model
