// Authorization in the engine: how permissions resolve, and that every read and write path of
// the record service keeps a principal inside its scope — lists, search, cursors, counts of
// pages, references, links, history, "as of" reads and exports never show a record outside
// it, such a record is not found (not forbidden), and writes outside it change nothing.
#include <gtest/gtest.h>

#include <set>

#include "core/messages.h"
#include "engine/access.h"
#include "engine/record_service.h"
#include "store/accounts.h"
#include "store/journal.h"
#include "support.h"

namespace kanri {
namespace {

using engine::AccessPolicy;
using engine::Permission;
using engine::Principal;
using engine::Scope;
using nlohmann::json;

// ---- resolving permissions -------------------------------------------------------------------

TEST(AccessPolicy, TheWidestMatchingPermissionWins) {
  AccessPolicy p({{"service", "read", Scope::own}, {"*", "read", Scope::organization}, {"service", "update", Scope::own}});
  EXPECT_EQ(p.scope("service", "read"), Scope::organization);
  EXPECT_EQ(p.scope("organization", "read"), Scope::organization);
  EXPECT_EQ(p.scope("service", "update"), Scope::own);
  EXPECT_EQ(p.scope("service", "delete"), Scope::none);
}

TEST(AccessPolicy, EveryRecordTypeNeverIncludesThePlatformsOwnResources) {
  AccessPolicy p({{"*", "*", Scope::all}});
  EXPECT_EQ(p.scope("service", "delete"), Scope::all);
  for (auto& r : engine::platform_resources()) EXPECT_EQ(p.scope(r, "read"), Scope::none) << r;
  AccessPolicy admin({{"user", "*", Scope::all}});
  EXPECT_EQ(admin.scope("user", "update"), Scope::all);
  EXPECT_EQ(admin.scope("role", "update"), Scope::none);
}

TEST(AccessPolicy, TransitionWildcardCoversTransitionsOnly) {
  AccessPolicy p({{"service", "transition:*", Scope::all}, {"service", "transition:retire", Scope::own}});
  EXPECT_EQ(p.scope("service", "transition:go_live"), Scope::all);
  EXPECT_EQ(p.scope("service", "transition:retire"), Scope::all);
  EXPECT_EQ(p.scope("service", "update"), Scope::none);
  AccessPolicy narrow({{"service", "transition:retire", Scope::own}});
  EXPECT_EQ(narrow.scope("service", "transition:retire"), Scope::own);
  EXPECT_EQ(narrow.scope("service", "transition:go_live"), Scope::none);
}

TEST(AccessPolicy, ScopesParseAndOrder) {
  EXPECT_EQ(engine::parse_scope("own"), Scope::own);
  EXPECT_EQ(engine::parse_scope("organization"), Scope::organization);
  EXPECT_EQ(engine::parse_scope("all"), Scope::all);
  EXPECT_FALSE(engine::parse_scope("everything"));
  EXPECT_LT(Scope::own, Scope::organization);
  EXPECT_LT(Scope::organization, Scope::all);
}

// ---- the record service under a principal ----------------------------------------------------

class AccessTest : public DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    svc_ = std::make_unique<engine::RecordService>(*catalogue_, tmp_.db(), rules(), clock_);
    org_ = catalogue_->type("organization");
    service_ = catalogue_->type("service");
    a_ = make(*org_, {{"name", "Alpha KK"}});
    b_ = make(*org_, {{"name", "Beta GmbH"}});
    alice_ = add_user("alice", a_.id);
    bob_ = add_user("bob", b_.id);
    for (int i = 0; i < 7; ++i) a_services_.push_back(make(*service_, {{"name", "alpha mail " + std::to_string(i)}, {"provider", a_.id}}));
    for (int i = 0; i < 5; ++i)
      b_services_.push_back(make(*service_, {{"name", "beta mail secret " + std::to_string(i)}, {"provider", b_.id}, {"owner", "bob"}}));
    ASSERT_TRUE(svc_->link(sys_, *service_, b_services_[0].number, {{"relation", "depends_on"}, {"target", b_services_[1].number}}).ok());
    ASSERT_TRUE(svc_->link(sys_, *service_, a_services_[0].number, {{"relation", "depends_on"}, {"target", b_services_[2].number}}).ok());
    ASSERT_TRUE(svc_->link(sys_, *service_, a_services_[0].number, {{"relation", "depends_on"}, {"target", a_services_[1].number}}).ok());
  }

  store::Record make(const model::TypeDef& t, json body) {
    auto r = svc_->create(sys_, t, body);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().code);
    return r.ok() ? r.value() : store::Record{};
  }

  std::int64_t add_user(const std::string& name, std::int64_t org) {
    store::User u;
    u.username = name;
    u.display_name = name;
    u.kind = "agent";
    u.created_at = kStart;
    EXPECT_TRUE(tmp_.db().write([&](store::Connection& c) -> Status {
      store::insert_user(c, u);
      store::set_user_orgs(c, u.id, {{org, true}});
      return ok_status();
    }).ok());
    return u.id;
  }

  Principal member(std::int64_t user, const std::string& name, std::int64_t org, std::vector<Permission> perms) {
    Principal p;
    p.user_id = user;
    p.username = name;
    p.orgs = {org};
    p.primary_org = org;
    p.access = std::make_shared<AccessPolicy>(std::move(perms));
    return p;
  }
  Principal alice_org(std::vector<Permission> extra = {}) {
    std::vector<Permission> perms{{"*", "read", Scope::organization}};
    perms.insert(perms.end(), extra.begin(), extra.end());
    return member(alice_, "alice", a_.id, perms);
  }

  std::set<std::string> numbers(const std::vector<store::Record>& rs) {
    std::set<std::string> out;
    for (auto& r : rs) out.insert(r.number);
    return out;
  }
  std::set<std::string> listed(const Principal& p, engine::ListRequest req) {
    std::set<std::string> out;
    req.limit = "2";
    for (int pages = 0; pages < 100; ++pages) {
      auto page = svc_->list(p, *service_, req);
      EXPECT_TRUE(page.ok()) << (page.ok() ? "" : page.error().code);
      if (!page.ok()) break;
      for (auto& r : page->records) out.insert(r.number);
      if (page->next_cursor.empty()) break;
      req.cursor = page->next_cursor;
    }
    return out;
  }
  std::int64_t journal_count() {
    std::int64_t n = 0;
    tmp_.db().read([&](store::Connection& c) { n = as_int(c.query("SELECT COUNT(*) FROM journal")[0][0]); });
    return n;
  }

  std::unique_ptr<engine::RecordService> svc_;
  const model::TypeDef* org_ = nullptr;
  const model::TypeDef* service_ = nullptr;
  store::Record a_, b_;
  std::int64_t alice_ = 0, bob_ = 0;
  std::vector<store::Record> a_services_, b_services_;
  const Principal sys_ = Principal::system();
};

TEST_F(AccessTest, ARecordTakesItsOrganizationFromTheOrgField) {
  EXPECT_EQ(a_services_[0].org_id, a_.id);
  EXPECT_EQ(b_services_[0].org_id, b_.id);
  auto moved = svc_->update(sys_, *service_, a_services_[3].number, {{"provider", b_.id}}, 1);
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(moved->org_id, b_.id) << "changing the org field moves the record to the other organization";
}

TEST_F(AccessTest, ListsPagesAndSearchesShowOnlyTheScope) {
  std::set<std::string> a_numbers = numbers(a_services_);
  EXPECT_EQ(listed(alice_org(), {}), a_numbers) << "every page, by cursor, holds only Alpha's services";
  EXPECT_TRUE(listed(alice_org(), {{}, "secret", "", "", ""}).empty()) << "a search never finds Beta's services";
  EXPECT_EQ(listed(alice_org(), {{}, "mail", "", "", ""}), a_numbers);
  EXPECT_TRUE(listed(alice_org(), {{{"provider", b_.number}}, "", "", "", ""}).empty()) << "filtering by Beta finds nothing";
  EXPECT_TRUE(listed(alice_org(), {{{"owner", "bob"}}, "", "-name", "", ""}).empty());
  std::set<std::string> everything = a_numbers;
  for (auto& r : b_services_) everything.insert(r.number);
  EXPECT_EQ(listed(sys_, {}), everything);
}

TEST_F(AccessTest, OwnScopeMeansCreatedOrNamedAsOwner) {
  Principal bob_own = member(bob_, "bob", b_.id, {{"service", "read", Scope::own}, {"service", "create", Scope::own}});
  EXPECT_EQ(listed(bob_own, {}), numbers(b_services_)) << "bob is the owner of Beta's services";
  auto made = svc_->create(bob_own, *service_, {{"name", "bob's own"}});
  ASSERT_TRUE(made.ok()) << made.error().code;
  EXPECT_EQ(made->created_by, bob_);
  EXPECT_EQ(made->org_id, b_.id) << "a record without an org field value takes its creator's organization";
  Principal alice_own = member(alice_, "alice", a_.id, {{"service", "read", Scope::own}});
  EXPECT_TRUE(listed(alice_own, {}).empty());
  EXPECT_FALSE(svc_->get(alice_own, *service_, made->number).ok());
}

TEST_F(AccessTest, ARecordOutsideTheScopeIsNotFoundOnEveryPath) {
  Principal p = alice_org({{"*", "update", Scope::all}, {"*", "delete", Scope::all}, {"*", "transition:*", Scope::all}});
  const std::string key = b_services_[0].number;
  const std::int64_t before = journal_count();
  auto expect_404 = [&](const Error& e, const char* what) { EXPECT_EQ(e.kind, ErrorKind::not_found) << what << ": " << e.code; };
  expect_404(svc_->get(p, *service_, key).error(), "get");
  expect_404(svc_->get(p, *service_, std::to_string(b_services_[0].id)).error(), "get by id");
  expect_404(svc_->history(p, *service_, key).error(), "history");
  expect_404(svc_->links(p, *service_, key).error(), "links");
  expect_404(svc_->as_of(p, *service_, key, kStart + 1).error(), "as_of");
  expect_404(svc_->update(p, *service_, key, {{"name", "stolen"}}, 1).error(), "update");
  expect_404(svc_->remove(p, *service_, key, std::nullopt).error(), "delete");
  expect_404(svc_->transition(p, *service_, key, "go_live", {{"owner", "alice"}, {"live_since", "2026-04-01"}}, std::nullopt).error(),
             "transition");
  expect_404(svc_->link(p, *service_, key, {{"relation", "depends_on"}, {"target", a_services_[0].number}}).error(), "link");
  expect_404(svc_->unlink(p, *service_, key, 1).error(), "unlink");
  EXPECT_EQ(journal_count(), before) << "nothing was written";
  auto fresh = svc_->get(sys_, *service_, key);
  EXPECT_EQ(fresh->version, b_services_[0].version);
}

TEST_F(AccessTest, AVisibleRecordWithoutThePermissionIsForbidden) {
  Principal reader = alice_org();
  const std::string key = a_services_[0].number;
  EXPECT_EQ(svc_->update(reader, *service_, key, {{"name", "x"}}, 1).error().kind, ErrorKind::forbidden);
  EXPECT_EQ(svc_->remove(reader, *service_, key, std::nullopt).error().kind, ErrorKind::forbidden);
  EXPECT_EQ(svc_->transition(reader, *service_, key, "go_live", json::object(), std::nullopt).error().kind, ErrorKind::forbidden);
  EXPECT_EQ(svc_->create(reader, *service_, {{"name", "x"}}).error().kind, ErrorKind::forbidden);
  EXPECT_EQ(svc_->export_records(reader, *service_, {}, 1000).error().kind, ErrorKind::forbidden);
  Principal nobody = member(alice_, "alice", a_.id, {});
  EXPECT_EQ(svc_->list(nobody, *service_, {}).error().kind, ErrorKind::forbidden);
  EXPECT_EQ(svc_->get(nobody, *service_, key).error().kind, ErrorKind::not_found);
}

TEST_F(AccessTest, WritesCannotPlaceARecordOutsideTheScope) {
  Principal p = alice_org({{"service", "create", Scope::organization}, {"service", "update", Scope::organization}});
  auto foreign = svc_->create(p, *service_, {{"name", "planted"}, {"provider", a_.id + 0}});
  ASSERT_TRUE(foreign.ok()) << "inside its organization it may create";
  auto planted = svc_->create(p, *service_, {{"name", "planted"}, {"provider", b_.number}});
  ASSERT_FALSE(planted.ok());
  EXPECT_EQ(planted.error().kind, ErrorKind::invalid);
  EXPECT_EQ(planted.error().fields.at(0).field, "provider");
  // Beta is not readable to Alice, so naming it is like naming something that does not exist.
  EXPECT_EQ(planted.error().fields.at(0).code, "field.ref_not_found");
  auto moved = svc_->update(p, *service_, a_services_[1].number, {{"provider", b_.id}}, 1);
  ASSERT_FALSE(moved.ok());
  EXPECT_EQ(svc_->get(sys_, *service_, a_services_[1].number)->org_id, a_.id);
  auto defaulted = svc_->create(p, *service_, {{"name", "defaults to alpha"}});
  ASSERT_TRUE(defaulted.ok());
  EXPECT_EQ(defaulted->org_id, a_.id) << "an empty org field takes the creator's primary organization";
}

TEST_F(AccessTest, ReferencesAndLinksToInvisibleRecordsShowNothingOfThem) {
  Principal p = alice_org();
  auto links = svc_->links(p, *service_, a_services_[0].number);
  ASSERT_TRUE(links.ok());
  ASSERT_EQ(links->size(), 1u) << "the link to Beta's service is left out";
  EXPECT_EQ(links->front().other.number, a_services_[1].number);
  auto all = svc_->links(sys_, *service_, a_services_[0].number);
  EXPECT_EQ(all->size(), 2u);
  // A service of Alpha's referencing Beta as its provider: the reference keeps its id only.
  auto odd = svc_->create(sys_, *service_, {{"name", "cross"}, {"provider", b_.id}, {"owner", "alice"}});
  ASSERT_TRUE(odd.ok());
  Principal owner = member(alice_, "alice", a_.id, {{"service", "read", Scope::own}, {"organization", "read", Scope::organization}});
  auto mine = svc_->get(owner, *service_, odd->number);
  ASSERT_TRUE(mine.ok()) << "alice owns it";
  json j = svc_->to_json(owner, *mine);
  EXPECT_EQ(j["provider"]["id"], b_.id);
  EXPECT_TRUE(j["provider"]["number"].is_null());
  EXPECT_TRUE(j["provider"]["display"].is_null());
  EXPECT_EQ(svc_->to_json(sys_, *mine)["provider"]["display"], "Beta GmbH");
}

TEST_F(AccessTest, ALinkIsRemovedOnlyByWhoMayUpdateItsSource) {
  // Alice may update Alpha's organization record but not its services.
  Principal p = member(alice_, "alice", a_.id,
                       {{"*", "read", Scope::all}, {"organization", "update", Scope::organization}});
  auto made = svc_->link(sys_, *service_, a_services_[4].number, {{"relation", "serves"}, {"target", a_.number}});
  ASSERT_TRUE(made.ok());
  auto from_target = svc_->unlink(p, *org_, a_.number, made->link.id);
  ASSERT_FALSE(from_target.ok()) << "updating the organization does not make the service's link hers";
  EXPECT_EQ(from_target.error().kind, ErrorKind::forbidden);
  EXPECT_EQ(svc_->links(sys_, *service_, a_services_[4].number)->size(), 1u);
  Principal editor = member(alice_, "alice", a_.id, {{"*", "read", Scope::all}, {"*", "update", Scope::organization}});
  EXPECT_TRUE(svc_->unlink(editor, *org_, a_.number, made->link.id).ok()) << "from the other end, with update on both";
}

TEST_F(AccessTest, FilteringByAUserOneMayNotSeeMatchesNothing) {
  Principal p = member(alice_, "alice", a_.id, {{"*", "read", Scope::all}});
  EXPECT_TRUE(listed(p, {{{"owner", "bob"}}, "", "", "", ""}).empty()) << "bob's name must not be probed by a filter";
  EXPECT_TRUE(listed(p, {{{"owner", std::to_string(bob_)}}, "", "", "", ""}).empty());
  Principal colleague = member(alice_, "alice", a_.id, {{"*", "read", Scope::all}, {"user", "read", Scope::all}});
  EXPECT_EQ(listed(colleague, {{{"owner", "bob"}}, "", "", "", ""}), numbers(b_services_));
}

TEST_F(AccessTest, ExportsListTheNarrowerOfReadAndExport) {
  Principal p = member(alice_, "alice", a_.id, {{"*", "read", Scope::all}, {"service", "export", Scope::organization}});
  auto rows = svc_->export_records(p, *service_, {}, 1000);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(numbers(*rows), numbers(a_services_));
  std::string csv = svc_->to_csv(p, *rows);
  EXPECT_EQ(csv.find("beta"), std::string::npos);
  EXPECT_NE(csv.find("alpha mail 3"), std::string::npos);
  auto capped = svc_->export_records(p, *service_, {}, 3);
  ASSERT_FALSE(capped.ok());
  EXPECT_EQ(capped.error().code, "export.too_many");
}

TEST_F(AccessTest, CsvCellsThatASpreadsheetWouldRunAreDefused) {
  auto r = svc_->create(sys_, *service_, {{"name", "=HYPERLINK(\"http://x\")"}, {"description", "a, \"quoted\"\nline"}});
  ASSERT_TRUE(r.ok());
  std::string csv = svc_->to_csv(sys_, {*r});
  EXPECT_EQ(csv.rfind("\xEF\xBB\xBF", 0), 0u) << "a BOM so spreadsheets read UTF-8";
  EXPECT_NE(csv.find("\"'=HYPERLINK(\"\"http://x\"\")\""), std::string::npos) << csv;
  EXPECT_NE(csv.find("\"a, \"\"quoted\"\"\nline\""), std::string::npos) << csv;
}

TEST_F(AccessTest, ExportCellsAreTypedAndHideReferencesOutOfScope) {
  auto r = svc_->create(sys_, *service_,
                        {{"name", "=1+2"}, {"provider", b_.id}, {"owner", "bob"}, {"criticality", "high"},
                         {"users_count", 12}, {"availability_target", 99.5}, {"live_since", "2026-04-01"},
                         {"last_incident_at", "2026-11-20T15:30:00Z"}});
  ASSERT_TRUE(r.ok());
  auto columns = engine::RecordService::export_columns(*service_);
  auto at = [&](std::string_view name) {
    for (size_t i = 0; i < columns.size(); ++i)
      if (columns[i].name == name) return i;
    ADD_FAILURE() << "no column " << name;
    return size_t{0};
  };
  using Kind = engine::ExportCell::Kind;
  std::vector<engine::ExportCell> got;
  svc_->export_cells(sys_, *service_, {*r}, [&](const std::vector<engine::ExportCell>& cells) { got = cells; });
  ASSERT_EQ(got.size(), columns.size());
  EXPECT_EQ(got[at("name")].kind, Kind::text);
  EXPECT_EQ(got[at("name")].text, "=1+2");
  EXPECT_EQ(got[at("provider")].text, b_.number);
  EXPECT_EQ(got[at("criticality")].kind, Kind::choice);
  ASSERT_NE(got[at("criticality")].label, nullptr);
  EXPECT_EQ(got[at("criticality")].label->in("ja"), "高");
  EXPECT_EQ(got[at("criticality")].text, "high") << "the CSV keeps the name";
  EXPECT_EQ(got[at("state")].kind, Kind::choice);
  EXPECT_EQ(got[at("users_count")].kind, Kind::number);
  EXPECT_EQ(got[at("users_count")].number, 12);
  EXPECT_EQ(got[at("availability_target")].number, 99.5);
  EXPECT_EQ(got[at("live_since")].kind, Kind::date);
  EXPECT_EQ(got[at("live_since")].number, static_cast<double>(days_from_civil(2026, 4, 1)));
  EXPECT_EQ(got[at("last_incident_at")].kind, Kind::datetime);
  EXPECT_EQ(got[at("last_incident_at")].text, "2026-11-20T15:30:00.000Z");
  EXPECT_EQ(got[at("description")].kind, Kind::empty);

  // Alice may read services everywhere but organizations only in her own, and no users.
  Principal p = member(alice_, "alice", a_.id, {{"service", "read", Scope::all}, {"organization", "read", Scope::organization}});
  svc_->export_cells(p, *service_, {*r}, [&](const std::vector<engine::ExportCell>& cells) { got = cells; });
  EXPECT_EQ(got[at("provider")].kind, Kind::number) << "a reference she may not read is its id";
  EXPECT_EQ(got[at("provider")].text, std::to_string(b_.id));
  EXPECT_EQ(svc_->to_csv(p, {*r}).find(b_.number), std::string::npos);
}

TEST_F(AccessTest, XlsxIsAWorkbookAndAnUnknownTimeZoneIsInvalid) {
  const MessageCatalogue messages = MessageCatalogue::load(std::string(KANRI_SOURCE_DIR) + "/i18n");
  auto book = svc_->to_xlsx(sys_, *service_, a_services_, "ja", messages, "Asia/Tokyo");
  ASSERT_TRUE(book.ok());
  EXPECT_EQ(book->rfind("PK", 0), 0u) << "a zip container";
  auto empty = svc_->to_xlsx(sys_, *service_, {}, "en", messages);
  EXPECT_TRUE(empty.ok()) << "a header-only sheet";
  auto bad = svc_->to_xlsx(sys_, *service_, a_services_, "en", messages, "Mars/Olympus");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::invalid);
}

TEST_F(AccessTest, OrganizationsAreTheirOwnTenant) {
  Principal p = alice_org();
  auto page = svc_->list(p, *org_, {});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->records.size(), 1u);
  EXPECT_EQ(page->records[0].id, a_.id);
  EXPECT_EQ(svc_->get(p, *org_, b_.number).error().kind, ErrorKind::not_found);
  Principal creator = alice_org({{"organization", "create", Scope::organization}});
  const std::int64_t before = journal_count();
  auto made = svc_->create(creator, *org_, {{"name", "Gamma"}});
  ASSERT_FALSE(made.ok()) << "a new organization is outside every member's organizations";
  EXPECT_EQ(journal_count(), before);
}

TEST_F(AccessTest, UserReferencesStayWithinTheUserReadScope) {
  Principal p = alice_org({{"service", "update", Scope::organization}});
  auto to_bob = svc_->update(p, *service_, a_services_[2].number, {{"owner", "bob"}}, 1);
  ASSERT_FALSE(to_bob.ok()) << "bob is in another organization and alice may not read users";
  EXPECT_EQ(to_bob.error().fields.at(0).code, "field.user_not_found");
  auto to_self = svc_->update(p, *service_, a_services_[2].number, {{"owner", "alice"}}, 1);
  EXPECT_TRUE(to_self.ok()) << "naming oneself is always allowed";
  Principal colleague = alice_org({{"service", "update", Scope::organization}, {"user", "read", Scope::organization}});
  auto still = svc_->update(colleague, *service_, a_services_[3].number, {{"owner", "bob"}}, 1);
  EXPECT_FALSE(still.ok()) << "organization scope on users covers Alpha's users only";
}

}  // namespace
}  // namespace kanri
