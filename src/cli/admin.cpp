#include <cstdlib>
#include <iostream>

#include "auth/password.h"
#include "cli/app.h"
#include "store/accounts.h"
#include "store/journal.h"
#include "store/schema.h"

namespace kanri::cli {

namespace {

// Applies the additive schema changes; prints what was done or why nothing was.
bool migrate_schema(App& app) {
  std::vector<std::string> applied;
  Status s = store::apply_schema(*app.db, *app.catalogue, &applied);
  if (!s) {
    std::cerr << "kanri: " << app.messages.text("en", s.error().code, s.error().args) << "\n";
    return false;
  }
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
    admin.roles = "[\"administrator\"]";
    admin.language = "ja";
    admin.password_hash = auth::hash_password(password);
    admin.created_at = app.clock.now_ms();
    store::create_user(c, admin, "system");
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

int run_token_create(App& app, const std::string& username, const std::string& label, int expires_days) {
  std::string secret;
  bool found = false;
  Status s = app.db->write([&](store::Connection& c) -> Status {
    auto user = store::find_user_by_name(c, username);
    if (!user || !user->active) return ok_status();
    found = true;
    EpochMs now = app.clock.now_ms();
    std::optional<EpochMs> expires;
    if (expires_days > 0) expires = now + static_cast<EpochMs>(expires_days) * 86400000;
    secret = store::create_api_token(c, *user, label, now, expires, "system");
    return ok_status();
  });
  if (!s) return 2;
  if (!found) {
    std::cerr << "kanri: there is no active user '" << username << "'\n";
    return 2;
  }
  std::cout << secret << "\n";
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

}  // namespace kanri::cli
