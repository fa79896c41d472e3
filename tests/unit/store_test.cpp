// The SQLite store through the record service: CRUD with versions, lifecycle rules, keyset
// pagination, full-text search, the journal and schema planning. Each test gets its own
// temporary database file.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "core/crypto.h"
#include "engine/record_service.h"
#include "model/loader.h"
#include "processes/registry.h"
#include "store/accounts.h"
#include "store/journal.h"
#include "store/records.h"
#include "store/schema.h"
#include "support.h"

namespace kanri {
namespace {

using engine::ListRequest;
using engine::Principal;
using engine::RecordService;
using nlohmann::json;
using store::Record;

// Removes the TOML table starting at `header` up to the next blank line.
std::string remove_block(std::string text, const std::string& header) {
  auto start = text.find(header);
  EXPECT_NE(start, std::string::npos) << header;
  if (start == std::string::npos) return text;
  auto end = text.find("\n\n", start);
  text.erase(start, end == std::string::npos ? std::string::npos : end + 2 - start);
  return text;
}

class StoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { catalogue_ = load_catalogue(real_model_files()).release(); }
  static void TearDownTestSuite() {
    delete catalogue_;
    catalogue_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(catalogue_, nullptr);
    std::vector<std::string> applied;
    Status s = store::apply_schema(tmp_.db(), *catalogue_, &applied);
    ASSERT_TRUE(s.ok()) << s.error().code;
    EXPECT_FALSE(applied.empty());
    svc_ = std::make_unique<RecordService>(*catalogue_, tmp_.db(), rules(), clock_);
    service_ = catalogue_->type("service");
    organization_ = catalogue_->type("organization");
    ASSERT_NE(service_, nullptr);
    ASSERT_NE(organization_, nullptr);
  }

  std::int64_t add_user(const std::string& username, bool active = true) {
    store::User u;
    u.username = username;
    u.display_name = username + " san";
    u.kind = "agent";
    u.active = active;
    u.created_at = clock_.now;
    Status s = tmp_.db().write([&](store::Connection& c) -> Status {
      store::insert_user(c, u);
      return ok_status();
    });
    EXPECT_TRUE(s.ok());
    return u.id;
  }

  Record create(const json& body) {
    auto r = svc_->create(sys_, *service_, body);
    EXPECT_TRUE(r.ok()) << body.dump() << " -> " << (r.ok() ? "" : describe(r.error()));
    return r.ok() ? r.value() : Record{};
  }

  static std::string describe(const Error& e) {
    std::string out = e.code;
    for (auto& f : e.fields) out += " [" + f.field + ": " + f.code + "]";
    return out;
  }

  static bool has_field_error(const Error& e, const std::string& field, const std::string& code) {
    return std::any_of(e.fields.begin(), e.fields.end(), [&](auto& f) { return f.field == field && f.code == code; });
  }

  const Value& value(const Record& r, const std::string& field) { return r.get(*service_->field(field)); }

  std::vector<Record> list_all(const ListRequest& base) {
    ListRequest req = base;
    req.limit = "500";
    auto page = svc_->list(sys_, *service_, req);
    EXPECT_TRUE(page.ok()) << (page.ok() ? "" : describe(page.error()));
    if (!page.ok()) return {};
    EXPECT_TRUE(page->next_cursor.empty());
    return page->records;
  }

  // Every id, page by page, following next_cursor.
  std::vector<std::int64_t> page_through(ListRequest req, int limit, int* pages = nullptr) {
    std::vector<std::int64_t> ids;
    req.limit = std::to_string(limit);
    int n = 0;
    for (;;) {
      auto page = svc_->list(sys_, *service_, req);
      EXPECT_TRUE(page.ok()) << (page.ok() ? "" : describe(page.error()));
      if (!page.ok()) break;
      EXPECT_LE(page->records.size(), static_cast<size_t>(limit));
      for (auto& r : page->records) ids.push_back(r.id);
      ++n;
      if (page->next_cursor.empty()) break;
      EXPECT_EQ(page->records.size(), static_cast<size_t>(limit)) << "a page before the last must be full";
      req.cursor = page->next_cursor;
      if (n > 1000) {
        ADD_FAILURE() << "pagination does not end";
        break;
      }
    }
    if (pages) *pages = n;
    return ids;
  }

  std::int64_t journal_count() {
    std::int64_t n = 0;
    tmp_.db().read([&](store::Connection& c) { n = as_int(c.query("SELECT COUNT(*) FROM journal")[0][0]); });
    return n;
  }

  store::JournalVerdict verify() {
    store::JournalVerdict v;
    tmp_.db().read([&](store::Connection& c) { v = store::verify_journal(c); });
    return v;
  }

  void raw_write(const std::string& sql) {
    Status s = tmp_.db().write([&](store::Connection& c) -> Status {
      c.run(sql);
      return ok_status();
    });
    ASSERT_TRUE(s.ok());
  }

  static model::Catalogue* catalogue_;
  FakeClock clock_;
  TempDatabase tmp_;
  std::unique_ptr<RecordService> svc_;
  const model::TypeDef* service_ = nullptr;
  const model::TypeDef* organization_ = nullptr;
  const Principal sys_ = Principal::system();
};

model::Catalogue* StoreTest::catalogue_ = nullptr;

// ---- create / get / update ---------------------------------------------------------------------

TEST_F(StoreTest, CreateAssignsNumberStateVersionAndDefaults) {
  Record r = create({{"name", "メール"}, {"users_count", 120}, {"availability_target", 99.9}});
  EXPECT_GT(r.id, 0);
  EXPECT_EQ(r.number, "SVC-000001");
  EXPECT_EQ(r.state, "proposed");
  EXPECT_EQ(r.version, 1);
  EXPECT_EQ(r.created_at, kStart);
  EXPECT_EQ(r.updated_at, kStart);
  EXPECT_FALSE(r.created_by);  // the system principal has no user id
  EXPECT_EQ(value(r, "criticality"), Value(std::string("medium")));        // model default
  EXPECT_EQ(value(r, "review_interval"), Value(std::int64_t{365 * kDay}));  // model default
  EXPECT_TRUE(is_null(value(r, "next_review_on")));                         // not live yet

  Record second = create({{"name", "Web"}});
  EXPECT_EQ(second.number, "SVC-000002");

  for (std::string key : {std::to_string(r.id), std::string("SVC-000001")}) {
    auto got = svc_->get(sys_, *service_, key);
    ASSERT_TRUE(got.ok()) << key;
    EXPECT_EQ(got->id, r.id);
    EXPECT_EQ(got->number, "SVC-000001");
    EXPECT_EQ(value(*got, "name"), Value(std::string("メール")));
    EXPECT_EQ(value(*got, "users_count"), Value(std::int64_t{120}));
    EXPECT_EQ(value(*got, "availability_target"), Value(99.9));
    EXPECT_EQ(got->fields, r.fields);
  }
  for (std::string key : {"999", "SVC-000999", "0", "-1", "", "ORG-000001"}) {
    auto missing = svc_->get(sys_, *service_, key);
    ASSERT_FALSE(missing.ok()) << key;
    EXPECT_EQ(missing.error().kind, ErrorKind::not_found) << key;
  }
  // Numbers are per type.
  auto org = svc_->create(sys_, *organization_, {{"name", "ACME"}});
  ASSERT_TRUE(org.ok());
  EXPECT_EQ(org->number, "ORG-000001");
  EXPECT_EQ(org->state, "");
}

TEST_F(StoreTest, CreateReportsEveryInvalidFieldAndWritesNothing) {
  auto r = svc_->create(sys_, *service_,
                        {{"nmae", "typo"}, {"criticality", "urgent"}, {"users_count", -1}, {"live_since", "2026-02-30"}});
  ASSERT_FALSE(r.ok());
  const Error& e = r.error();
  EXPECT_EQ(e.kind, ErrorKind::invalid);
  EXPECT_TRUE(has_field_error(e, "nmae", "field.unknown")) << describe(e);
  EXPECT_TRUE(has_field_error(e, "criticality", "field.enum")) << describe(e);
  EXPECT_TRUE(has_field_error(e, "users_count", "field.min")) << describe(e);
  EXPECT_TRUE(has_field_error(e, "live_since", "field.type_date")) << describe(e);
  EXPECT_TRUE(has_field_error(e, "name", "field.required")) << describe(e);
  EXPECT_TRUE(list_all({}).empty());
  EXPECT_EQ(journal_count(), 0);
}

TEST_F(StoreTest, SystemStateAndComputedFieldsCannotBeSet) {
  auto r = svc_->create(sys_, *service_,
                        {{"name", "x"}, {"state", "live"}, {"id", 5}, {"version", 9}, {"next_review_on", "2030-01-01"}});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(has_field_error(r.error(), "state", "field.state_via_transition")) << describe(r.error());
  EXPECT_TRUE(has_field_error(r.error(), "id", "field.system")) << describe(r.error());
  EXPECT_TRUE(has_field_error(r.error(), "version", "field.system")) << describe(r.error());
  EXPECT_TRUE(has_field_error(r.error(), "next_review_on", "field.read_only")) << describe(r.error());
}

TEST_F(StoreTest, ReferencesResolveByIdOrNumber) {
  auto org = svc_->create(sys_, *organization_, {{"name", "ACME"}, {"kind", "provider"}});
  ASSERT_TRUE(org.ok());
  std::int64_t yamada = add_user("yamada");
  std::int64_t retired = add_user("gone", false);
  Record a = create({{"name", "A"}, {"provider", "ORG-000001"}, {"owner", "yamada"}});
  EXPECT_EQ(value(a, "provider"), Value(org->id));
  EXPECT_EQ(value(a, "owner"), Value(yamada));
  Record b = create({{"name", "B"}, {"provider", org->id}, {"owner", yamada}});
  EXPECT_EQ(value(b, "provider"), Value(org->id));

  auto bad = svc_->create(sys_, *service_,
                          {{"name", "C"}, {"provider", "ORG-000404"}, {"owner", retired}});
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(has_field_error(bad.error(), "provider", "field.ref_not_found")) << describe(bad.error());
  EXPECT_TRUE(has_field_error(bad.error(), "owner", "field.user_not_found")) << describe(bad.error());
  auto bad2 = svc_->create(sys_, *service_, {{"name", "D"}, {"provider", 404}, {"owner", "nobody"}});
  ASSERT_FALSE(bad2.ok());
  EXPECT_TRUE(has_field_error(bad2.error(), "provider", "field.ref_not_found")) << describe(bad2.error());
  EXPECT_TRUE(has_field_error(bad2.error(), "owner", "field.user_not_found")) << describe(bad2.error());

  json j = svc_->to_json(sys_, a);
  EXPECT_EQ(j["provider"]["number"], "ORG-000001");
  EXPECT_EQ(j["provider"]["display"], "ACME");
  EXPECT_EQ(j["owner"]["display"], "yamada san");
}

TEST_F(StoreTest, UpdateChecksTheVersion) {
  Record r = create({{"name", "Mail"}, {"users_count", 10}});
  clock_.now += 60000;
  auto u = svc_->update(sys_, *service_, r.number, {{"users_count", 20}, {"support_hours", "9-17"}}, 1);
  ASSERT_TRUE(u.ok()) << describe(u.error());
  EXPECT_EQ(u->version, 2);
  EXPECT_EQ(u->updated_at, kStart + 60000);
  EXPECT_EQ(u->created_at, kStart);
  EXPECT_EQ(value(*u, "users_count"), Value(std::int64_t{20}));
  EXPECT_EQ(value(*u, "name"), Value(std::string("Mail")));  // fields not sent are kept

  auto stale = svc_->update(sys_, *service_, r.number, {{"users_count", 30}}, 1);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().kind, ErrorKind::precondition_failed);
  EXPECT_EQ(stale.error().code, "record.stale");
  auto future = svc_->update(sys_, *service_, r.number, {{"users_count", 30}}, 3);
  ASSERT_FALSE(future.ok());
  EXPECT_EQ(future.error().kind, ErrorKind::precondition_failed);

  auto now = svc_->get(sys_, *service_, r.number);
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->version, 2);
  EXPECT_EQ(value(*now, "users_count"), Value(std::int64_t{20}));

  // Sending the same values again changes nothing: no new version, no journal entry.
  std::int64_t entries = journal_count();
  auto same = svc_->update(sys_, *service_, r.number, {{"users_count", 20}}, 2);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->version, 2);
  EXPECT_EQ(journal_count(), entries);

  // Clearing a required field is refused; clearing an optional one works.
  auto clear = svc_->update(sys_, *service_, r.number, {{"name", nullptr}}, 2);
  ASSERT_FALSE(clear.ok());
  EXPECT_TRUE(has_field_error(clear.error(), "name", "field.required"));
  auto clear2 = svc_->update(sys_, *service_, r.number, {{"users_count", nullptr}}, 2);
  ASSERT_TRUE(clear2.ok());
  EXPECT_TRUE(is_null(value(*clear2, "users_count")));
}

TEST_F(StoreTest, UpdateRejectsUnknownFields) {
  Record r = create({{"name", "Mail"}});
  auto u = svc_->update(sys_, *service_, r.number, {{"name", "Mail 2"}, {"colour", "red"}}, 1);
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.error().kind, ErrorKind::invalid);
  EXPECT_TRUE(has_field_error(u.error(), "colour", "field.unknown")) << describe(u.error());
  auto now = svc_->get(sys_, *service_, r.number);
  EXPECT_EQ(value(*now, "name"), Value(std::string("Mail")));  // the valid part was not applied either
  EXPECT_EQ(now->version, 1);
}

TEST_F(StoreTest, RemovedRecordsAreGone) {
  Record r = create({{"name", "Temp"}});
  auto stale = svc_->remove(sys_, *service_, r.number, 5);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().kind, ErrorKind::precondition_failed);
  auto removed = svc_->remove(sys_, *service_, r.number, 1);
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(svc_->get(sys_, *service_, r.number).error().kind, ErrorKind::not_found);
  EXPECT_EQ(svc_->update(sys_, *service_, r.number, {{"name", "x"}}, 2).error().kind, ErrorKind::not_found);
  EXPECT_TRUE(list_all({}).empty());
  EXPECT_TRUE(verify().ok);
}

// ---- lifecycle ---------------------------------------------------------------------------------

TEST_F(StoreTest, TransitionRequiresItsFields) {
  Record r = create({{"name", "Mail"}});
  auto t = svc_->transition(sys_, *service_, r.number, "go_live", json::object(), 1);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().kind, ErrorKind::invalid);
  EXPECT_TRUE(has_field_error(t.error(), "owner", "field.required_for_transition")) << describe(t.error());
  EXPECT_TRUE(has_field_error(t.error(), "live_since", "field.required_for_transition")) << describe(t.error());
  for (auto& f : t.error().fields) {
    if (f.code == "field.required_for_transition") {
      EXPECT_EQ(f.args.at("transition"), "go_live");
    }
  }
  EXPECT_EQ(svc_->get(sys_, *service_, r.number)->state, "proposed");

  // A field the transition does not take is refused.
  add_user("sato");
  auto extra = svc_->transition(sys_, *service_, r.number, "go_live",
                                {{"owner", "sato"}, {"live_since", "2026-01-10"}, {"name", "Renamed"}}, 1);
  ASSERT_FALSE(extra.ok());
  EXPECT_TRUE(has_field_error(extra.error(), "name", "field.not_in_transition")) << describe(extra.error());
}

TEST_F(StoreTest, TransitionRunsAndComputesTheReviewDate) {
  std::int64_t sato = add_user("sato");
  Record r = create({{"name", "Mail"}, {"review_interval", "P180D"}});
  clock_.now = kStart + 10 * kDay;  // 2026-04-11
  auto live = svc_->transition(sys_, *service_, r.number, "go_live", {{"owner", "sato"}, {"live_since", "2026-01-10"}}, 1);
  ASSERT_TRUE(live.ok()) << describe(live.error());
  EXPECT_EQ(live->state, "live");
  EXPECT_EQ(live->version, 2);
  EXPECT_EQ(value(*live, "owner"), Value(sato));
  // 2026-01-10 + 180 days = 2026-07-09, the first review after 2026-04-11.
  EXPECT_EQ(value(*live, "next_review_on"), Value(std::string("2026-07-09")));
  auto stored = svc_->get(sys_, *service_, r.number);
  EXPECT_EQ(stored->state, "live");
  EXPECT_EQ(value(*stored, "next_review_on"), Value(std::string("2026-07-09")));

  auto history = svc_->history(sys_, *service_, r.number);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].action, "create");
  EXPECT_EQ((*history)[1].action, "transition:go_live");
  json changes = json::parse((*history)[1].changes);
  EXPECT_EQ(changes["state"], json::array({"proposed", "live"}));
}

TEST_F(StoreTest, TransitionNotAllowedFromState) {
  Record r = create({{"name", "Mail"}});
  auto t = svc_->transition(sys_, *service_, r.number, "retire", json::object(), std::nullopt);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().kind, ErrorKind::conflict);
  EXPECT_EQ(t.error().code, "transition.not_allowed");
  EXPECT_EQ(t.error().args.at("state"), "proposed");
  auto unknown = svc_->transition(sys_, *service_, r.number, "explode", json::object(), std::nullopt);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, "transition.unknown");
  auto stale = svc_->transition(sys_, *service_, r.number, "go_live", json::object(), 7);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().kind, ErrorKind::precondition_failed);
  EXPECT_EQ(svc_->get(sys_, *service_, r.number)->version, 1);
}

TEST_F(StoreTest, FrozenStateBlocksEdits) {
  add_user("sato");
  Record r = create({{"name", "Legacy"}});
  ASSERT_TRUE(svc_->transition(sys_, *service_, r.number, "go_live", {{"owner", "sato"}, {"live_since", "2020-01-01"}}, 1).ok());
  auto retiring = svc_->transition(sys_, *service_, r.number, "start_retirement", json::object(), 2);
  ASSERT_FALSE(retiring.ok());
  EXPECT_TRUE(has_field_error(retiring.error(), "retirement_reason", "field.required_for_transition"));
  ASSERT_TRUE(svc_->transition(sys_, *service_, r.number, "start_retirement", {{"retirement_reason", "Replaced"}}, 2).ok());
  auto retired = svc_->transition(sys_, *service_, r.number, "retire", json::object(), 3);
  ASSERT_TRUE(retired.ok());
  EXPECT_EQ(retired->state, "retired");
  EXPECT_TRUE(is_null(value(*retired, "next_review_on")));  // nothing to review once retired

  auto u = svc_->update(sys_, *service_, r.number, {{"name", "Legacy 2"}}, 4);
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.error().kind, ErrorKind::conflict);
  EXPECT_EQ(u.error().code, "record.frozen");
  auto d = svc_->remove(sys_, *service_, r.number, 4);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().kind, ErrorKind::conflict);
  auto back = svc_->transition(sys_, *service_, r.number, "cancel_retirement", json::object(), 4);
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.error().kind, ErrorKind::conflict);
  auto now = svc_->get(sys_, *service_, r.number);
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->version, 4);
  EXPECT_EQ(value(*now, "name"), Value(std::string("Legacy")));
}

// ---- create_many -------------------------------------------------------------------------------

TEST_F(StoreTest, CreateManyIsAllOrNothing) {
  std::vector<json> bodies = {{{"name", "One"}}, {{"name", "Two"}, {"criticality", "urgent"}}, {{"name", "Three"}}};
  auto r = svc_->create_many(sys_, *service_, bodies);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::invalid);
  EXPECT_TRUE(has_field_error(r.error(), "items[1].criticality", "field.enum")) << describe(r.error());
  EXPECT_TRUE(list_all({}).empty());
  EXPECT_EQ(journal_count(), 0);
  EXPECT_TRUE(verify().ok);

  // The failed batch did not use up numbers either.
  bodies[1] = {{"name", "Two"}, {"criticality", "high"}};
  auto ok = svc_->create_many(sys_, *service_, bodies);
  ASSERT_TRUE(ok.ok()) << describe(ok.error());
  ASSERT_EQ(ok->size(), 3u);
  EXPECT_EQ((*ok)[0].number, "SVC-000001");
  EXPECT_EQ((*ok)[2].number, "SVC-000003");
  EXPECT_EQ(list_all({}).size(), 3u);
  EXPECT_EQ(journal_count(), 3);

  auto not_object = svc_->create_many(sys_, *service_, {json{{"name", "x"}}, json::array()});
  ASSERT_FALSE(not_object.ok());
  EXPECT_EQ(not_object.error().kind, ErrorKind::bad_request);
  EXPECT_EQ(list_all({}).size(), 3u);
}

// ---- lists -------------------------------------------------------------------------------------

class StoreListTest : public StoreTest {
 protected:
  static constexpr int kCount = 120;

  void SetUp() override {
    StoreTest::SetUp();
    if (HasFatalFailure()) return;
    static const char* levels[] = {"critical", "high", "medium", "low"};
    std::vector<json> bodies;
    for (int i = 0; i < kCount; ++i) {
      json b = {{"name", "svc-" + std::to_string(1000 + (i * 37) % 50)},  // repeated names
                {"criticality", levels[(i * 7) % 4]}};
      if (i % 5 != 0) b["users_count"] = (i * 13) % 40;  // NULL for every fifth, many ties
      if (i % 3 != 0) b["availability_target"] = 90.0 + (i % 10) * 0.5;
      if (i % 4 != 0) b["live_since"] = "2025-0" + std::to_string(1 + i % 9) + "-1" + std::to_string(i % 10);
      clock_.now = kStart + (i % 11) * 1000;  // created_at / updated_at with ties
      Record r = create(b);
      ASSERT_GT(r.id, 0);
    }
    all_ = list_all({{}, "", "id", "", ""});
    ASSERT_EQ(all_.size(), static_cast<size_t>(kCount));
  }

  // The order a sort spec must give, computed here: NULLs first ascending, last descending,
  // id as the final tie-breaker in the direction of the last key.
  std::vector<std::int64_t> expected(const std::string& spec, const std::function<bool(const Record&)>& keep = nullptr) {
    std::vector<store::SortKey> keys;
    std::stringstream ss(spec);
    std::string item;
    while (std::getline(ss, item, ',')) keys.push_back({item[0] == '-' ? item.substr(1) : item, item[0] == '-'});
    keys.push_back({"id", keys.back().descending});
    std::vector<Record> rows;
    for (auto& r : all_)
      if (!keep || keep(r)) rows.push_back(r);
    auto asc_less = [](const Value& a, const Value& b) {
      if (is_null(a) || is_null(b)) return is_null(a) && !is_null(b);
      return a < b;  // same alternative within one column
    };
    std::sort(rows.begin(), rows.end(), [&](const Record& a, const Record& b) {
      for (auto& k : keys) {
        Value va = store::RecordStore::column_value(a, k.column), vb = store::RecordStore::column_value(b, k.column);
        if (k.descending) std::swap(va, vb);
        if (asc_less(va, vb)) return true;
        if (asc_less(vb, va)) return false;
      }
      return false;
    });
    std::vector<std::int64_t> ids;
    for (auto& r : rows) ids.push_back(r.id);
    return ids;
  }

  std::vector<Record> all_;
};

TEST_F(StoreListTest, KeysetPaginationVisitsEveryRecordOnceInOrder) {
  const std::vector<std::string> specs = {"id",
                                          "-id",
                                          "users_count",
                                          "-users_count",
                                          "name",
                                          "-name",
                                          "criticality,-users_count",
                                          "-criticality,users_count,name",
                                          "availability_target",
                                          "-availability_target,name",
                                          "live_since",
                                          "-live_since",
                                          "users_count,-live_since",
                                          "-updated_at",
                                          "created_at,-availability_target"};
  for (auto& spec : specs) {
    SCOPED_TRACE("sort=" + spec);
    int pages = 0;
    std::vector<std::int64_t> got = page_through({{}, "", spec, "", ""}, 7, &pages);
    std::vector<std::int64_t> want = expected(spec);
    EXPECT_EQ(got, want);
    EXPECT_EQ(std::set<std::int64_t>(got.begin(), got.end()).size(), got.size()) << "duplicates";
    EXPECT_EQ(pages, (kCount + 6) / 7);
  }
}

TEST_F(StoreListTest, DefaultSortIsTheTypesDefault) {
  // service: default_sort = "-updated_at"
  EXPECT_EQ(page_through({}, 7), expected("-updated_at"));
}

TEST_F(StoreListTest, FiltersCombineWithPagination) {
  auto crit = [](const Record& r, const char* v) {
    return r.get(*r.type->field("criticality")) == Value(std::string(v));
  };
  auto users = [](const Record& r) { return r.get(*r.type->field("users_count")); };
  {
    SCOPED_TRACE("criticality=high");
    auto want = expected("users_count", [&](const Record& r) { return crit(r, "high"); });
    EXPECT_FALSE(want.empty());
    EXPECT_EQ(page_through({{{"criticality", "high"}}, "", "users_count", "", ""}, 7), want);
  }
  {
    SCOPED_TRACE("users_count[gte]=20 & users_count[lte]=30");
    auto want = expected("-users_count", [&](const Record& r) {
      Value v = users(r);
      return !is_null(v) && as_int(v) >= 20 && as_int(v) <= 30;
    });
    EXPECT_FALSE(want.empty());
    EXPECT_EQ(page_through({{{"users_count[gte]", "20"}, {"users_count[lte]", "30"}}, "", "-users_count", "", ""}, 7), want);
  }
  {
    SCOPED_TRACE("criticality[in]=high,low");
    auto want = expected("name", [&](const Record& r) { return crit(r, "high") || crit(r, "low"); });
    EXPECT_EQ(page_through({{{"criticality[in]", "high,low"}}, "", "name", "", ""}, 7), want);
  }
  {
    SCOPED_TRACE("state=proposed & number");
    EXPECT_EQ(page_through({{{"state", "proposed"}}, "", "id", "", ""}, 7).size(), static_cast<size_t>(kCount));
    auto one = page_through({{{"number", "SVC-000042"}}, "", "", "", ""}, 7);
    ASSERT_EQ(one.size(), 1u);
    EXPECT_EQ(svc_->get(sys_, *service_, "SVC-000042")->id, one[0]);
  }
  {
    SCOPED_TRACE("live_since range");
    auto want = expected("live_since", [&](const Record& r) {
      Value v = r.get(*r.type->field("live_since"));
      return !is_null(v) && as_text(v) >= "2025-03-01" && as_text(v) <= "2025-06-30";
    });
    EXPECT_FALSE(want.empty());
    EXPECT_EQ(page_through({{{"live_since[gte]", "2025-03-01"}, {"live_since[lte]", "2025-06-30"}}, "", "live_since", "", ""}, 7),
              want);
  }
}

TEST_F(StoreListTest, BadListRequestsAreRejected) {
  auto expect_bad = [&](const ListRequest& req, const std::string& param) {
    auto r = svc_->list(sys_, *service_, req);
    ASSERT_FALSE(r.ok()) << param;
    EXPECT_EQ(r.error().kind, ErrorKind::bad_request) << param;
    ASSERT_FALSE(r.error().fields.empty()) << param;
    EXPECT_EQ(r.error().fields[0].field, param);
  };
  expect_bad({{{"colour", "red"}}, "", "", "", ""}, "colour");
  expect_bad({{{"attributes", "{}"}}, "", "", "", ""}, "attributes");  // json fields are not listable
  expect_bad({{{"users_count[gt]", "3"}}, "", "", "", ""}, "users_count[gt]");
  expect_bad({{{"users_count", "many"}}, "", "", "", ""}, "users_count");
  expect_bad({{{"criticality", "urgent"}}, "", "", "", ""}, "criticality");
  expect_bad({{{"state", "dead"}}, "", "", "", ""}, "state");
  expect_bad({{}, "", "colour", "", ""}, "sort");
  expect_bad({{}, "", "a,b,c,d", "", ""}, "sort");
  expect_bad({{}, "", "name,users_count,live_since,criticality", "", ""}, "sort");
  expect_bad({{}, "", "", "", "0"}, "limit");
  expect_bad({{}, "", "", "", "501"}, "limit");
  expect_bad({{}, "", "", "", "ten"}, "limit");
  expect_bad({{}, "", "", "not-a-cursor!", ""}, "cursor");

  // A cursor from one sort order cannot continue another.
  auto first = svc_->list(sys_, *service_, {{}, "", "name", "", "7"});
  ASSERT_TRUE(first.ok());
  ASSERT_FALSE(first->next_cursor.empty());
  expect_bad({{}, "", "-name", first->next_cursor, "7"}, "cursor");
}

// ---- full-text search --------------------------------------------------------------------------

TEST_F(StoreTest, FullTextSearchFindsJapaneseAndFoldsWidthAndCase) {
  Record outage = create({{"name", "メール障害対応窓口"}});
  Record pc = create({{"name", "端末管理"}, {"description", "ＰＣの入れ替えとキッティング"}});
  Record other = create({{"name", "Web サイト"}, {"description", "Public website"}});
  auto search = [&](const std::string& q, const std::string& sort = "") {
    std::vector<std::int64_t> ids;
    for (auto& r : list_all({{}, q, sort, "", ""})) ids.push_back(r.id);
    return ids;
  };
  using Ids = std::vector<std::int64_t>;
  EXPECT_EQ(search("障害"), Ids{outage.id});
  EXPECT_EQ(search("障"), Ids{outage.id});  // a lone CJK character is a prefix
  EXPECT_EQ(search("pc"), Ids{pc.id});
  EXPECT_EQ(search("PC"), Ids{pc.id});
  EXPECT_EQ(search("ＰＣ"), Ids{pc.id});
  EXPECT_EQ(search("website"), Ids{other.id});
  EXPECT_TRUE(search("障害 pc").empty());      // every term must match
  EXPECT_TRUE(search("network").empty());
  EXPECT_EQ(search("障害", "name"), Ids{outage.id});  // another sort takes the other query path
  EXPECT_EQ(search("ＰＣ", "-users_count"), Ids{pc.id});

  // Search follows updates and deletes.
  ASSERT_TRUE(svc_->update(sys_, *service_, outage.number, {{"name", "メール窓口"}}, 1).ok());
  EXPECT_TRUE(search("障害").empty());
  EXPECT_EQ(search("窓口"), Ids{outage.id});
  ASSERT_TRUE(svc_->remove(sys_, *service_, pc.number, 1).ok());
  EXPECT_TRUE(search("pc").empty());
}

TEST_F(StoreTest, FullTextSearchFindsTheRecordNumber) {
  // BUG: src/engine/record_service.cpp RecordService::create_many() (line 232) computes
  // search_text(r) -- which starts with r.number -- *before* RecordStore::insert() assigns the
  // number, so a new record's number is not in its search text. It becomes searchable only
  // after the record is first updated, e.g. q=SVC-000002 finds nothing for a fresh record.
  create({{"name", "A"}});
  Record b = create({{"name", "B"}});
  std::vector<std::int64_t> ids;
  for (auto& r : list_all({{}, "SVC-000002", "", "", ""})) ids.push_back(r.id);
  EXPECT_EQ(ids, std::vector<std::int64_t>{b.id});
}

TEST_F(StoreTest, FullTextSearchPaginates) {
  for (int i = 0; i < 20; ++i) create({{"name", "障害" + std::to_string(i)}});
  for (int i = 0; i < 5; ++i) create({{"name", "other " + std::to_string(i)}});
  std::vector<std::int64_t> got = page_through({{}, "障害", "", "", ""}, 3);
  ASSERT_EQ(got.size(), 20u);
  EXPECT_TRUE(std::is_sorted(got.rbegin(), got.rend())) << "search results default to newest first";
  std::vector<std::int64_t> by_name = page_through({{}, "障害", "name", "", ""}, 3);
  EXPECT_EQ(std::set<std::int64_t>(by_name.begin(), by_name.end()), std::set<std::int64_t>(got.begin(), got.end()));
  EXPECT_EQ(by_name.size(), 20u);
}

// Every search-index change of a write batch is applied once, before its commit: whatever a
// batch did to a record (inserted, changed twice, deleted), the index ends as the table is.
TEST_F(StoreTest, SearchIndexFollowsEveryChangeOfABatchAndStaysExact) {
  Record a = create({{"name", "alpha"}});
  Record b = create({{"name", "beta"}});
  auto matches = [&](const std::string& term) {
    std::vector<std::int64_t> ids;
    tmp_.db().read([&](store::Connection& c) {
      for (auto& r : c.query("SELECT rowid FROM fts_service WHERE fts_service MATCH ? ORDER BY rowid", {term}).rows)
        ids.push_back(as_int(r[0]));
    });
    return ids;
  };
  using Ids = std::vector<std::int64_t>;
  ASSERT_EQ(matches("alpha"), Ids{a.id});
  Status s = tmp_.db().write([&](store::Connection& c) -> Status {
    c.run("UPDATE rec_service SET search_text = 'gamma' WHERE id = ?", {a.id});
    c.run("UPDATE rec_service SET search_text = 'delta' WHERE id = ?", {a.id});
    c.run("DELETE FROM rec_service WHERE id = ?", {b.id});
    return ok_status();
  });
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(matches("delta"), Ids{a.id});
  EXPECT_TRUE(matches("alpha").empty());
  EXPECT_TRUE(matches("gamma").empty());
  EXPECT_TRUE(matches("beta").empty());

  // Concurrent writers share batches: each write's changes count, a refused write's do not.
  std::vector<std::thread> writers;
  std::atomic<int> refused{0};
  for (int w = 0; w < 4; ++w)
    writers.emplace_back([&, w] {
      for (int i = 0; i < 25; ++i) {
        auto r = svc_->create(sys_, *service_, {{"name", "batch" + std::to_string(w) + " epsilon"}});
        if (!r.ok()) continue;
        if (!svc_->update(sys_, *service_, r->number, {{"name", "batch" + std::to_string(w) + " zeta"}}, 1).ok())
          ADD_FAILURE() << "update failed";
        if (!svc_->create(sys_, *service_, {{"name", "eta"}, {"criticality", "urgent"}}).ok()) ++refused;
      }
    });
  for (auto& t : writers) t.join();
  EXPECT_EQ(refused, 100);
  EXPECT_TRUE(matches("epsilon").empty());
  EXPECT_EQ(matches("zeta").size(), 100u);
  EXPECT_TRUE(matches("eta").empty());
  // FTS5's own check of an external-content index against its table, and nothing left queued.
  Status check = tmp_.db().write([&](store::Connection& c) -> Status {
    c.run("INSERT INTO fts_service(fts_service, rank) VALUES ('integrity-check', 1)");
    EXPECT_EQ(as_int(c.query("SELECT COUNT(*) FROM fts_pending")[0][0]), 0);
    return ok_status();
  });
  EXPECT_TRUE(check.ok());
}

// ---- journal -----------------------------------------------------------------------------------

TEST_F(StoreTest, JournalVerifiesAndDetectsTampering) {
  Record a = create({{"name", "A"}});
  create({{"name", "B"}});
  ASSERT_TRUE(svc_->update(sys_, *service_, a.number, {{"users_count", 5}}, 1).ok());
  store::JournalVerdict ok = verify();
  EXPECT_TRUE(ok.ok) << ok.reason;
  EXPECT_EQ(ok.entries, 3);
  EXPECT_EQ(ok.first_bad_seq, 0);

  raw_write("UPDATE journal SET changes = '{}' WHERE seq = 2");
  store::JournalVerdict bad = verify();
  EXPECT_FALSE(bad.ok);
  EXPECT_EQ(bad.first_bad_seq, 2);
  EXPECT_FALSE(bad.reason.empty());
}

TEST_F(StoreTest, JournalDetectsADeletedEntry) {
  for (auto name : {"A", "B", "C", "D"}) create({{"name", name}});
  ASSERT_TRUE(verify().ok);
  raw_write("DELETE FROM journal WHERE seq = 3");
  store::JournalVerdict bad = verify();
  EXPECT_FALSE(bad.ok);
  EXPECT_TRUE(bad.first_bad_seq == 3 || bad.first_bad_seq == 4) << bad.first_bad_seq;
  EXPECT_NE(bad.reason.find("3"), std::string::npos) << bad.reason;
}

TEST_F(StoreTest, JournalDetectsRemovedNewestEntryAndAlteredHead) {
  for (auto name : {"A", "B", "C"}) create({{"name", name}});
  raw_write("DELETE FROM journal WHERE seq = 3");
  store::JournalVerdict bad = verify();
  EXPECT_FALSE(bad.ok);
  EXPECT_EQ(bad.first_bad_seq, 3);
}

TEST_F(StoreTest, JournalDetectsRewrittenChain) {
  // Changing an entry and recomputing its own hash still breaks the link to the next entry.
  for (auto name : {"A", "B", "C"}) create({{"name", name}});
  store::JournalEntry e2;
  tmp_.db().read([&](store::Connection& c) { e2 = store::record_history(c, "service", 2).at(0); });
  e2.changes = R"({"name":[null,"Forged"]})";
  std::string forged_hash = sha256_hex(store::journal_hash_input(e2));
  Status s = tmp_.db().write([&](store::Connection& c) -> Status {
    c.run("UPDATE journal SET changes = ?, hash = ? WHERE seq = 2", {e2.changes, forged_hash});
    return ok_status();
  });
  ASSERT_TRUE(s.ok());
  store::JournalVerdict bad = verify();
  EXPECT_FALSE(bad.ok);
  EXPECT_EQ(bad.first_bad_seq, 3);
}

// ---- schema ------------------------------------------------------------------------------------

store::SchemaPlan plan(store::Database& db, const model::Catalogue& cat) {
  store::SchemaPlan p;
  db.read([&](store::Connection& c) { p = store::plan_schema(c, cat); });
  return p;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (auto& s : v) out += "  " + s + "\n";
  return out;
}

TEST_F(StoreTest, SecondPlanAfterApplyIsUpToDate) {
  store::SchemaPlan p = plan(tmp_.db(), *catalogue_);
  EXPECT_TRUE(p.up_to_date()) << join(p.statements) << join(p.refused);
  std::vector<std::string> applied = {"sentinel"};
  ASSERT_TRUE(store::apply_schema(tmp_.db(), *catalogue_, &applied).ok());
  EXPECT_TRUE(applied.empty());
}

TEST_F(StoreTest, ADatabaseWhoseTriggersWroteTheSearchIndexDirectlyIsMigratedToTheQueue) {
  Record a = create({{"name", "alpha"}});
  // As databases made before the queue were: a trigger inserting into fts_service itself.
  raw_write("DROP TRIGGER trg_service_search_ai");
  raw_write("CREATE TRIGGER trg_service_ai AFTER INSERT ON rec_service BEGIN INSERT INTO fts_service(rowid, "
            "search_text) VALUES (new.id, new.search_text); END");
  store::SchemaPlan p = plan(tmp_.db(), *catalogue_);
  EXPECT_EQ(p.changes, std::vector<std::string>{"search index of service updated once per write batch"});
  ASSERT_TRUE(store::apply_schema(tmp_.db(), *catalogue_, nullptr).ok());
  EXPECT_TRUE(plan(tmp_.db(), *catalogue_).up_to_date());
  Record b = create({{"name", "alpha two"}});
  ListRequest q{{}, "alpha", "", "", ""};
  EXPECT_EQ(list_all(q).size(), 2u) << a.number << " " << b.number;
}

TEST_F(StoreTest, ExtraFieldPlansAnAddColumn) {
  auto files = real_model_files();
  files.emplace_back("extra.toml", R"([service.fields.cost_center]
type = "text"
label = { en = "Cost center", ja = "原価センター" }
indexed = true
)");
  auto extended = load_catalogue(files);
  ASSERT_NE(extended, nullptr);
  store::SchemaPlan p = plan(tmp_.db(), *extended);
  EXPECT_TRUE(p.refused.empty()) << join(p.refused);
  ASSERT_FALSE(p.statements.empty());
  bool add = false;
  for (auto& s : p.statements)
    add = add || (s.find("ALTER TABLE rec_service ADD COLUMN") != std::string::npos && s.find("cost_center") != std::string::npos);
  EXPECT_TRUE(add) << join(p.statements);

  ASSERT_TRUE(store::apply_schema(tmp_.db(), *extended, nullptr).ok());
  EXPECT_TRUE(plan(tmp_.db(), *extended).up_to_date());
  RecordService extended_service(*extended, tmp_.db(), rules(), clock_);
  auto r = extended_service.create(sys_, *extended->type("service"), {{"name", "Mail"}, {"cost_center", "CC-12"}});
  ASSERT_TRUE(r.ok()) << describe(r.error());
  auto back = extended_service.get(sys_, *extended->type("service"), r->number);
  EXPECT_EQ(back->get(*extended->type("service")->field("cost_center")), Value(std::string("CC-12")));
}

TEST_F(StoreTest, DeclaredIndexIsPlannedForAnExistingTable) {
  auto files = real_model_files();
  const std::string sort = "default_sort = \"-updated_at\"\n";
  auto at = files[1].second.find(sort);
  ASSERT_NE(at, std::string::npos);
  files[1].second.insert(at + sort.size(), "indexes = [[\"provider\", \"state\", \"updated_at\"]]\n");
  auto indexed = load_catalogue(files);
  ASSERT_NE(indexed, nullptr);
  store::SchemaPlan p = plan(tmp_.db(), *indexed);
  ASSERT_EQ(p.statements.size(), 1u) << join(p.statements);
  EXPECT_NE(p.statements[0].find("ix_service__on_provider_state_updated_at ON rec_service (\"provider\", state, updated_at, id)"),
            std::string::npos) << p.statements[0];
  ASSERT_EQ(p.changes.size(), 1u);
  EXPECT_EQ(p.changes[0], "index provider, state, updated_at of service");
  ASSERT_TRUE(store::apply_schema(tmp_.db(), *indexed, nullptr).ok());
  EXPECT_TRUE(plan(tmp_.db(), *indexed).up_to_date());
}

TEST_F(StoreTest, AnIndexNoLongerDeclaredIsDroppedAndAHandMadeOneKept) {
  auto files = real_model_files();
  const std::string crit = "[service.fields.criticality]";
  auto at = files[1].second.find(crit);
  ASSERT_NE(at, std::string::npos);
  auto flag = files[1].second.find("indexed = true\n", at);
  ASSERT_NE(flag, std::string::npos);
  files[1].second.erase(flag, std::string("indexed = true\n").size());
  auto unindexed = load_catalogue(files);
  ASSERT_NE(unindexed, nullptr);
  ASSERT_FALSE(unindexed->type("service")->field("criticality")->indexed);
  ASSERT_TRUE(tmp_.db().write([](store::Connection& c) -> Status {
    c.execute("CREATE INDEX by_hand_service_name ON rec_service (\"name\")");
    return ok_status();
  }).ok());

  store::SchemaPlan p = plan(tmp_.db(), *unindexed);
  EXPECT_TRUE(p.refused.empty()) << join(p.refused);
  ASSERT_EQ(p.statements.size(), 1u) << join(p.statements);
  EXPECT_EQ(p.statements[0], "DROP INDEX IF EXISTS ix_service_criticality_by_updated_at");
  ASSERT_EQ(p.changes.size(), 1u);
  EXPECT_EQ(p.changes[0], "drop index ix_service_criticality_by_updated_at of service (no longer in the model)");
  ASSERT_TRUE(store::apply_schema(tmp_.db(), *unindexed, nullptr).ok());
  EXPECT_TRUE(plan(tmp_.db(), *unindexed).up_to_date());
  // Filters on the field still work, without the index.
  RecordService unindexed_service(*unindexed, tmp_.db(), rules(), clock_);
  ListRequest q;
  q.filters.push_back({"criticality", "high"});
  EXPECT_TRUE(unindexed_service.list(sys_, *unindexed->type("service"), q).ok());
  // Declared again, it comes back.
  store::SchemaPlan back = plan(tmp_.db(), *catalogue_);
  ASSERT_EQ(back.changes.size(), 1u) << join(back.changes);
  EXPECT_EQ(back.changes[0], "index field service.criticality");
  std::size_t by_hand = 0;
  tmp_.db().read([&](store::Connection& c) {
    by_hand = c.query("SELECT 1 FROM sqlite_master WHERE name = 'by_hand_service_name'").size();
  });
  EXPECT_EQ(by_hand, 1u);
}

TEST_F(StoreTest, MissingFieldIsRefused) {
  auto files = real_model_files();
  files[1].second = remove_block(files[1].second, "[service.fields.support_hours]");
  auto reduced = load_catalogue(files);
  ASSERT_NE(reduced, nullptr);
  ASSERT_EQ(reduced->type("service")->field("support_hours"), nullptr);
  store::SchemaPlan p = plan(tmp_.db(), *reduced);
  ASSERT_EQ(p.refused.size(), 1u) << join(p.refused);
  EXPECT_NE(p.refused[0].find("support_hours"), std::string::npos);
  EXPECT_FALSE(p.up_to_date());

  Status s = store::apply_schema(tmp_.db(), *reduced, nullptr);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "schema.destructive");
  EXPECT_NE(s.error().args.at("changes").find("support_hours"), std::string::npos);
  EXPECT_TRUE(plan(tmp_.db(), *catalogue_).up_to_date()) << "a refused plan changes nothing";
}

TEST_F(StoreTest, ChangedFieldTypeAndRemovedTypeAreRefused) {
  auto files = real_model_files();
  {
    std::string& svc = files[1].second;
    auto at = svc.find("[service.fields.live_since]");
    ASSERT_NE(at, std::string::npos);
    auto type_at = svc.find("type = \"date\"", at);
    ASSERT_NE(type_at, std::string::npos);
    svc.replace(type_at, 13, "type = \"datetime\"");  // TEXT -> INTEGER
  }
  auto changed = load_catalogue(files);
  ASSERT_NE(changed, nullptr);
  ASSERT_EQ(changed->type("service")->field("live_since")->type, model::FieldType::datetime);
  store::SchemaPlan p = plan(tmp_.db(), *changed);
  ASSERT_EQ(p.refused.size(), 1u) << join(p.refused);
  EXPECT_NE(p.refused[0].find("live_since"), std::string::npos);

  // Without the service type (and the organization fields pointing nowhere), its table is
  // orphaned, and so are those of the calendar and importance scheme it refers to.
  auto only_org = load_catalogue({real_model_files()[0]});
  ASSERT_NE(only_org, nullptr);
  store::SchemaPlan p2 = plan(tmp_.db(), *only_org);
  ASSERT_EQ(p2.refused.size(), 3u) << join(p2.refused);
  const std::string refused = join(p2.refused);
  for (auto table : {"rec_service ", "rec_business_calendar ", "rec_importance_scheme "})
    EXPECT_NE(refused.find(table), std::string::npos) << table;
}

TEST(SchemaFresh, PlanOnAnEmptyDatabaseCreatesEverything) {
  TempDatabase tmp;
  auto cat = load_catalogue(real_model_files());
  store::SchemaPlan p = plan(tmp.db(), *cat);
  EXPECT_TRUE(p.refused.empty());
  std::string all = join(p.statements);
  for (auto needle : {"CREATE TABLE IF NOT EXISTS journal", "CREATE TABLE rec_service", "CREATE TABLE rec_organization",
                      "fts_service", "ix_service_name"})
    EXPECT_NE(all.find(needle), std::string::npos) << needle;
  ASSERT_TRUE(store::apply_schema(tmp.db(), *cat, nullptr).ok());
  EXPECT_TRUE(plan(tmp.db(), *cat).up_to_date());
}

}  // namespace
}  // namespace kanri

namespace kanri {
namespace {

// Reading a record as it was: what an auditor asks ("what did the register say that day").
TEST_F(StoreTest, AsOfRebuildsEachPastVersionFromTheJournal) {
  clock_.now = kStart;
  Record r = create({{"name", "As of"}, {"users_count", 10}, {"last_incident_at", "2026-01-05T09:30:00+09:00"}});
  clock_.now = kStart + kDay;
  ASSERT_TRUE(svc_->update(sys_, *service_, r.number, {{"users_count", 20}, {"name", "As of, renamed"}}, 1).ok());
  std::int64_t owner = add_user("owner_as_of");
  clock_.now = kStart + 2 * kDay;
  ASSERT_TRUE(svc_->transition(sys_, *service_, r.number, "go_live", {{"owner", owner}, {"live_since", "2026-04-03"}},
                               std::nullopt).ok());
  clock_.now = kStart + 3 * kDay;
  ASSERT_TRUE(svc_->remove(sys_, *service_, r.number, std::nullopt).ok());

  auto before = svc_->as_of(sys_, *service_, r.number, kStart - 1);
  ASSERT_FALSE(before.ok());
  EXPECT_EQ(before.error().kind, ErrorKind::not_found);

  auto first = svc_->as_of(sys_, *service_, r.number, kStart + kDay / 2);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(as_text(first->get(*service_->field("name"))), "As of");
  EXPECT_EQ(as_int(first->get(*service_->field("users_count"))), 10);
  EXPECT_EQ(as_int(first->get(*service_->field("last_incident_at"))), 1767573000000);
  EXPECT_EQ(first->state, "proposed");
  EXPECT_EQ(first->version, 1);

  auto second = svc_->as_of(sys_, *service_, std::to_string(r.id), kStart + kDay);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(as_text(second->get(*service_->field("name"))), "As of, renamed");
  EXPECT_EQ(as_int(second->get(*service_->field("users_count"))), 20);
  EXPECT_EQ(second->version, 2);

  auto live = svc_->as_of(sys_, *service_, r.number, kStart + 2 * kDay);
  ASSERT_TRUE(live.ok());
  EXPECT_EQ(live->state, "live");
  EXPECT_EQ(as_int(live->get(*service_->field("owner"))), owner);
  EXPECT_EQ(live->version, 3);

  // Deleted now, but readable as it was before the deletion; not after it.
  EXPECT_FALSE(svc_->get(sys_, *service_, r.number).ok());
  EXPECT_TRUE(svc_->as_of(sys_, *service_, r.number, kStart + 3 * kDay - 1).ok());
  EXPECT_FALSE(svc_->as_of(sys_, *service_, r.number, kStart + 3 * kDay).ok());
}

}  // namespace
}  // namespace kanri
