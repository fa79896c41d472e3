// kanri: the one binary. Subcommands are thin: they load the App and call into the layers.
#include <iostream>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "cli/app.h"

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
  auto* token_create = token->add_subcommand("create", "Create an API token and print it once");
  token_create->add_option("--user", user, "Username")->required();
  token_create->add_option("--label", label, "What the token is for");
  token_create->add_option("--expires-days", expires_days, "Days until it expires (0 = never)");
  auto* journal = cli.add_subcommand("journal", "The tamper-evident journal");
  journal->require_subcommand(1);
  auto* verify = journal->add_subcommand("verify", "Check the hash chain of every entry");
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
    if (verify->parsed()) return kanri::cli::run_journal_verify(*app);
  } catch (const std::exception& e) {
    std::cerr << "kanri: " << e.what() << "\n";
    return 2;
  }
  return 2;
}
