#include "cli/app.h"

#include <iostream>

#include <pwd.h>
#include <unistd.h>

#include "model/loader.h"
#include "processes/registry.h"

namespace kanri::cli {

std::unique_ptr<App> load_app(bool open_database) {
  auto app = std::make_unique<App>();
  try {
    app->config = Config::load();
    app->messages = MessageCatalogue::load(app->config.i18n_dir());
  } catch (const std::exception& e) {
    std::cerr << "kanri: " << e.what() << "\n";
    return nullptr;
  }
  processes::register_all(app->rules);
  auto loaded = model::load_model(app->config.model_dir, app->config.extra_model_file, app->rules.names());
  if (!loaded.errors.empty()) {
    std::cerr << "kanri: the model has " << loaded.errors.size() << " error(s); nothing was started:\n";
    for (auto& e : loaded.errors) std::cerr << "  " << e.to_string() << "\n";
    return nullptr;
  }
  app->catalogue = std::move(loaded.catalogue);
  if (open_database) {
    try {
      app->db = store::Database::open(app->config.database, app->config.read_connections);
    } catch (const std::exception& e) {
      std::cerr << "kanri: " << e.what() << "\n";
      return nullptr;
    }
  }
  return app;
}

engine::Principal command_line_principal() {
  const passwd* pw = getpwuid(geteuid());
  engine::Principal actor = engine::Principal::system();
  actor.username = std::string("cli:") + (pw && pw->pw_name ? pw->pw_name : std::to_string(geteuid()));
  actor.ip = "local";
  actor.auth_method = "cli";
  return actor;
}

}  // namespace kanri::cli
