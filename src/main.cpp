// kanri: the one binary. Subcommands are thin: they load the App and call into the layers.
#include <iostream>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "cli/app.h"
#include "processes/service_level/ticket_clocks.h"

int main(int argc, char** argv) {
  CLI::App cli{"Kanri: service management (ISO/IEC 20000-1) and ISMS (ISO/IEC 27001)"};
  cli.require_subcommand(1);
  auto* serve = cli.add_subcommand("serve", "Serve the REST API on KANRI_LISTEN");
  bool demo = false;
  auto* init = cli.add_subcommand("init", "Create or upgrade the database and the administrator");
  init->add_flag("--demo", demo, "Load demo organizations and services");
  auto* migrate = cli.add_subcommand("migrate", "Apply additive schema changes from the model");
  auto* token = cli.add_subcommand("token", "Administer API tokens");
  token->require_subcommand(1);
  std::string user, label = "cli";
  int expires_days = 0;
  std::int64_t token_id = 0;
  auto* token_create = token->add_subcommand("create", "Create an API token and print it once");
  token_create->add_option("--user", user, "Username")->required();
  token_create->add_option("--label", label, "What the token is for");
  token_create->add_option("--expires-days", expires_days, "Days until it expires (0 = never)");
  auto* token_list = token->add_subcommand("list", "List API tokens (never their secrets)");
  token_list->add_option("--user", user, "Only this user's tokens");
  auto* token_revoke = token->add_subcommand("revoke", "Revoke an API token");
  token_revoke->add_option("id", token_id, "Token id (from kanri token list)")->required();

  kanri::cli::UserAddOptions add;
  std::string name, role;
  auto* user_cmd = cli.add_subcommand("user", "Administer users");
  user_cmd->require_subcommand(1);
  auto* user_add = user_cmd->add_subcommand("add", "Add a user; the password is read from standard input");
  user_add->add_option("name", add.name, "Username (lower case letters, digits, . _ @ -)")->required();
  user_add->add_option("--kind", add.kind, "agent, requester, auditor or admin")->required();
  user_add->add_option("--org", add.orgs, "Organization (number or name); the first is the primary one");
  user_add->add_option("--role", add.roles, "Role to grant (repeatable)");
  user_add->add_option("--group", add.groups, "Group to join (repeatable)");
  user_add->add_option("--display-name", add.display_name, "Name shown to others");
  user_add->add_option("--email", add.email, "E-mail address");
  user_add->add_option("--language", add.language, "ja or en");
  user_add->add_flag("--ldap", add.ldap, "Authenticated by the LDAP directory (no local password)");
  auto* user_list = user_cmd->add_subcommand("list", "List users");
  auto* user_disable = user_cmd->add_subcommand("disable", "Disable a user and end their sessions");
  user_disable->add_option("name", name, "Username")->required();
  auto* user_enable = user_cmd->add_subcommand("enable", "Enable a disabled user");
  user_enable->add_option("name", name, "Username")->required();
  auto* user_reset = user_cmd->add_subcommand("reset-password", "Set a new password (from standard input)");
  user_reset->add_option("name", name, "Username")->required();

  auto* role_cmd = cli.add_subcommand("role", "Roles and their grants");
  role_cmd->require_subcommand(1);
  auto* role_list = role_cmd->add_subcommand("list", "List roles with their permissions");
  auto* role_grant = role_cmd->add_subcommand("grant", "Grant a role to a user");
  role_grant->add_option("user", name, "Username")->required();
  role_grant->add_option("role", role, "Role name")->required();
  auto* role_revoke = role_cmd->add_subcommand("revoke", "Revoke a role from a user");
  role_revoke->add_option("user", name, "Username")->required();
  role_revoke->add_option("role", role, "Role name")->required();
  auto* journal = cli.add_subcommand("journal", "The tamper-evident journal");
  journal->require_subcommand(1);
  auto* verify = journal->add_subcommand("verify", "Check the hash chain of every entry");
  auto* sla = cli.add_subcommand("sla", "Service level clocks");
  sla->require_subcommand(1);
  bool sla_fix = false;
  auto* recompute = sla->add_subcommand("recompute",
                                        "Recompute every SLA clock from the journal and compare it with the live clock");
  recompute->add_flag("--fix", sla_fix, "Replace a clock that differs by its recomputation");
  bool sla_open = false;
  recompute->add_flag("--open", sla_open,
                      "Only the tickets with a clock still running or paused (their due times and timers)");
  int sla_batch = kanri::processes::service_level::kRecomputeTicketsPerRead;
  recompute->add_option("--batch", sla_batch, "Tickets whose journal entries and clocks are read together")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  std::int64_t align_calendar = 0;
  auto* align = sla->add_subcommand("align-timers",
                                    "Bring the threshold timers of the clocks running under a business calendar into "
                                    "line with it (what the job after a calendar edit does)");
  align->add_option("calendar", align_calendar, "Business calendar id")->required()->check(CLI::PositiveNumber);
  kanri::cli::ImportCommand import_cmd;
  auto* import = cli.add_subcommand("import", "Import records from a CSV file through a mapping file (docs/import.md)");
  import->add_option("--type", import_cmd.type, "Record type (checked against the mapping's)");
  import->add_option("--mapping", import_cmd.mapping, "Mapping file (TOML), e.g. import/servicenow-incidents.toml")->required();
  import->add_flag("--skip-invalid", import_cmd.skip_invalid, "Import the valid rows and report the others");
  import->add_option("--lang", import_cmd.lang, "Language of the report: en or ja");
  import->add_option("file", import_cmd.file, "CSV file, or - for standard input")->required();
  cli.add_subcommand("version", "Print the version");
  CLI11_PARSE(cli, argc, argv);

  if (cli.got_subcommand("version")) {
    std::cout << "kanri " << KANRI_VERSION << "\n";
    return 0;
  }
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");
  auto app = kanri::cli::load_app();
  if (!app) return 2;
  spdlog::set_level(spdlog::level::from_str(app->config.log_level));
  try {
    if (serve->parsed()) return kanri::cli::run_serve(*app);
    if (init->parsed()) return kanri::cli::run_init(*app, demo);
    if (migrate->parsed()) return kanri::cli::run_migrate(*app);
    if (token_create->parsed()) return kanri::cli::run_token_create(*app, user, label, expires_days);
    if (token_list->parsed()) return kanri::cli::run_token_list(*app, user);
    if (token_revoke->parsed()) return kanri::cli::run_token_revoke(*app, token_id);
    if (user_add->parsed()) return kanri::cli::run_user_add(*app, add);
    if (user_list->parsed()) return kanri::cli::run_user_list(*app);
    if (user_disable->parsed()) return kanri::cli::run_user_set_active(*app, name, false);
    if (user_enable->parsed()) return kanri::cli::run_user_set_active(*app, name, true);
    if (user_reset->parsed()) return kanri::cli::run_user_reset_password(*app, name);
    if (role_list->parsed()) return kanri::cli::run_role_list(*app);
    if (role_grant->parsed()) return kanri::cli::run_role_grant(*app, name, role, true);
    if (role_revoke->parsed()) return kanri::cli::run_role_grant(*app, name, role, false);
    if (verify->parsed()) return kanri::cli::run_journal_verify(*app);
    if (import->parsed()) return kanri::cli::run_import(*app, import_cmd);
    if (recompute->parsed()) return kanri::cli::run_sla_recompute(*app, sla_fix, sla_open, sla_batch);
    if (align->parsed()) return kanri::cli::run_sla_align_timers(*app, align_calendar);
  } catch (const std::exception& e) {
    std::cerr << "kanri: " << e.what() << "\n";
    return 2;
  }
  return 2;
}
