#include <cstdlib>
#include <iostream>

#include <nlohmann/json.hpp>

#include "auth/default_roles.h"
#include "auth/password.h"
#include "cli/app.h"
#include "engine/record_service.h"
#include "notify/defaults.h"
#include "processes/service_level/ticket_clocks.h"
#include "store/accounts.h"
#include "store/journal.h"
#include "store/schema.h"

namespace kanri::cli {

namespace {

// Applies the additive schema changes and brings the shipped roles up to date; prints what
// was done or why nothing was.
bool migrate_schema(App& app) {
  std::vector<std::string> applied;
  Status s = store::apply_schema(*app.db, *app.catalogue, &applied);
  if (!s) {
    std::cerr << "kanri: " << app.messages.text("en", s.error().code, s.error().args) << "\n";
    return false;
  }
  Status roles = app.db->write([&](store::Connection& c) -> Status {
    for (auto& done : auth::sync_default_roles(c, app.clock.now_ms(), store::Actor{std::nullopt, "system", "local"}))
      applied.push_back(done);
    for (auto& done : notify::sync_default_subscriptions(c, app.clock.now_ms())) applied.push_back(done);
    return ok_status();
  });
  if (!roles) return false;
  for (auto& change : applied) std::cerr << "migrate: " << change << "\n";
  return true;
}

}  // namespace

int run_migrate(App& app) {
  if (!migrate_schema(app)) return 2;
  std::cerr << "migrate: the database matches the model (" << app.db->describe() << ")\n";
  return 0;
}

int run_init(App& app, bool demo) {
  if (!migrate_schema(app)) return 2;
  bool created_admin = false;
  std::string password;
  Status s = app.db->write([&](store::Connection& c) -> Status {
    if (store::find_user_by_name(c, "admin")) return ok_status();
    const char* given = std::getenv("KANRI_ADMIN_PASSWORD");
    password = given && *given ? given : auth::generate_password();
    store::User admin;
    admin.username = "admin";
    admin.display_name = "Administrator";
    admin.kind = "administrator";
    admin.language = "ja";
    admin.password_hash = auth::hash_password(password);
    admin.created_at = admin.updated_at = app.clock.now_ms();
    admin.password_changed_at = admin.created_at;
    store::insert_user(c, admin);
    auto role = store::find_role_by_name(c, "administrator");
    if (role) store::set_user_roles(c, admin.id, {role->id});
    store::journal_event(c, store::Actor{std::nullopt, "system", "local"}, admin.created_at, "user", admin.id, admin.username,
                         "create", nlohmann::json{{"username", {nullptr, "admin"}}, {"kind", {nullptr, "administrator"}},
                                                  {"roles", {nullptr, {"administrator"}}}}.dump());
    created_admin = true;
    return ok_status();
  });
  if (!s) return 2;
  if (created_admin) {
    const char* given = std::getenv("KANRI_ADMIN_PASSWORD");
    if (given && *given)
      std::cerr << "init: created the administrator 'admin' with the password from KANRI_ADMIN_PASSWORD\n";
    else
      std::cerr << "init: created the administrator 'admin'. Its password, shown only now: " << password << "\n";
  }
  if (demo) load_demo_data(app);
  std::cerr << "init: ready (" << app.db->describe() << ")\n";
  return 0;
}

int run_journal_verify(App& app) {
  store::JournalVerdict v;
  app.db->read([&](store::Connection& c) { v = store::verify_journal(c); });
  if (v.ok) {
    std::cout << "OK: " << v.entries << " journal entries verified\n";
    return 0;
  }
  std::cout << "FAILED at entry " << v.first_bad_seq << ": " << v.reason << "\n";
  return 1;
}

int run_sla_recompute(App& app, bool fix, bool open_only, int tickets_per_read) {
  engine::RecordService records(*app.catalogue, *app.db, app.rules, app.clock);
  auto report = processes::service_level::recompute_clocks(records, fix, open_only, tickets_per_read);
  for (auto& d : report.differences) std::cout << "DIFFERS " << d << "\n";
  std::cout << (report.differences.empty() ? "OK: " : "") << report.clocks << " clocks of " << report.tickets
            << (open_only ? " open" : "") << " tickets recomputed from the journal; " << report.differences.size() << " differ from the live clocks"
            << (fix && !report.differences.empty() ? " (replaced by their recomputation)" : "") << "\n";
  return report.differences.empty() || fix ? 0 : 1;
}

int run_sla_align_timers(App& app, std::int64_t calendar_id) {
  engine::RecordService records(*app.catalogue, *app.db, app.rules, app.clock);
  const model::TypeDef* t = app.catalogue->type("business_calendar");
  bool found = false;
  app.db->read([&](store::Connection& c) { found = t && records.store().find(c, *t, calendar_id).has_value(); });
  if (!found) {
    std::cerr << "sla align-timers: there is no business calendar with id " << calendar_id
              << " (GET /api/v1/business_calendars lists them)\n";
    return 2;
  }
  auto n = processes::service_level::align_calendar_timers(records, calendar_id);
  if (!n) {
    std::cerr << "sla align-timers: " << app.messages.text("en", n.error().code, n.error().args) << "\n";
    return 1;
  }
  std::cout << "OK: the threshold timers of " << n->clocks << " clocks running under business calendar " << calendar_id
            << " checked in " << n->elapsed_ms << " ms: " << n->moved << " brought forward, " << n->set << " set, "
            << n->cancelled << " cancelled\n";
  return 0;
}

}  // namespace kanri::cli
