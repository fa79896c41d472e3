// What every kanri subcommand starts from: configuration, the message catalogue, the model
// (with the process rules it refers to) and the database. Errors are printed for the operator.
#pragma once

#include <memory>

#include "core/config.h"
#include "core/messages.h"
#include "core/time.h"
#include "engine/principal.h"
#include "engine/rules.h"
#include "model/catalogue.h"
#include "store/database.h"

namespace kanri::cli {

struct App {
  Config config;
  MessageCatalogue messages;
  engine::RuleRegistry rules;
  std::unique_ptr<model::Catalogue> catalogue;
  std::unique_ptr<store::Database> db;
  // The system's time; only a server started with KANRI_TEST_CLOCK lets it be held.
  SettableClock clock;
};

// Loads everything; on failure prints each problem to stderr and returns null.
// `open_database` false skips the database (for commands that do not need it).
std::unique_ptr<App> load_app(bool open_database = true);

// Exit codes: 0 success, 1 a check failed (journal verify), 2 usage or configuration error.
int run_serve(App& app);
int run_init(App& app, bool demo);
int run_migrate(App& app);
int run_journal_verify(App& app);
int run_sla_recompute(App& app, bool fix, bool open_only, int tickets_per_read);
int run_sla_align_timers(App& app, std::int64_t calendar_id);

// Accounts (kanri user|role|token …). Each goes through auth::Directory, so the rules and the
// journal are the API's; the actor is recorded as "cli:<operating-system user>".
struct UserAddOptions {
  std::string name, kind, display_name, email, language = "ja";
  std::vector<std::string> orgs, roles, groups;
  bool ldap = false;
};
int run_user_add(App& app, const UserAddOptions& o);
int run_user_list(App& app);
int run_user_set_active(App& app, const std::string& name, bool active);
int run_user_reset_password(App& app, const std::string& name);
int run_role_list(App& app);
int run_role_grant(App& app, const std::string& user, const std::string& role, bool grant);
int run_token_create(App& app, const std::string& username, const std::string& label, int expires_days);
int run_token_list(App& app, const std::string& username);
int run_token_revoke(App& app, std::int64_t id);
// The principal a command acts as: the system, named "cli:<operating-system user>" in the
// journal (from the password database; an environment variable could say anything).
engine::Principal command_line_principal();
// kanri import: the CSV at `file` ("-" for standard input) through the mapping at `mapping`,
// reported in `lang`. Exit 0 when every row was imported, 1 when a row was rejected, 2 when
// the mapping, the type or the file cannot be used.
struct ImportCommand {
  std::string type, mapping, file, lang = "en";
  bool skip_invalid = false;
};
int run_import(App& app, const ImportCommand& command);
// Loads the demo organizations and services through the engine (journaled like any write).
void load_demo_data(App& app);

}  // namespace kanri::cli
