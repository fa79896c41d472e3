#include <signal.h>

#include <chrono>
#include <iostream>

#include <spdlog/spdlog.h>

#include "api/api.h"
#include "cli/app.h"
#include "engine/record_service.h"
#include "http/server.h"
#include "store/schema.h"
#include "ui/pages.h"

namespace kanri::cli {

int run_serve(App& app) {
  auto started = std::chrono::steady_clock::now();
  std::string host;
  std::uint16_t port;
  if (!http::parse_listen(app.config.listen, host, port)) {
    std::cerr << "kanri: KANRI_LISTEN '" << app.config.listen << "' is not host:port (e.g. 127.0.0.1:8080)\n";
    return 2;
  }
  store::SchemaPlan plan;
  app.db->read([&](store::Connection& c) { plan = store::plan_schema(c, *app.catalogue); });
  if (!plan.up_to_date()) {
    std::cerr << "kanri: the database does not match the model; run 'kanri migrate' (or 'kanri init') first:\n";
    for (auto& c : plan.changes) std::cerr << "  + " << c << "\n";
    for (auto& r : plan.refused) std::cerr << "  ! " << r << "\n";
    return 2;
  }

  // Signals are taken by sigwait below, so every thread started from here inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  engine::RecordService records(*app.catalogue, *app.db, app.rules, app.clock);
  auth::Authenticator authenticator(*app.db, *app.catalogue, app.clock, app.config.auth);
  auth::Directory directory(*app.db, *app.catalogue, app.clock, authenticator);
  api::ApiContext ctx{records, directory, authenticator, app.messages, app.clock, app.config};
  http::Router router;
  auto gate = api::register_routes(router, ctx);
  try {
    ui::register_pages(router, ctx, gate, app.config.share_dir + "/web");
  } catch (const std::exception& e) {
    std::cerr << "kanri: " << e.what() << " (KANRI_SHARE_DIR must hold web/)\n";
    return 2;
  }
  http::Server server(router, {host, port, app.config.http_threads, app.config.max_body_bytes});
  try {
    server.start();
  } catch (const std::exception& e) {
    std::cerr << "kanri: cannot listen on " << app.config.listen << ": " << e.what() << "\n";
    return 2;
  }
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  spdlog::info("kanri {} serving on http://{}:{} ({}; {} record types; ready in {} ms)", KANRI_VERSION, host,
               server.port(), app.db->describe(), app.catalogue->types().size(), ms);

  int sig = 0;
  sigwait(&stop_signals, &sig);
  spdlog::info("received {}, finishing requests in flight", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  server.stop(10000);
  spdlog::info("stopped");
  return 0;
}

}  // namespace kanri::cli
