#include <signal.h>

#include <chrono>
#include <iostream>

#include <spdlog/spdlog.h>

#include "api/api.h"
#include "cli/app.h"
#include "engine/record_service.h"
#include "http/server.h"
#include "jobs/events.h"
#include "jobs/scheduler.h"
#include "notify/admin.h"
#include "notify/notifier.h"
#include "processes/registry.h"
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
  if (app.config.test_clock && host != "127.0.0.1" && host != "::1" && host != "localhost") {
    std::cerr << "kanri: KANRI_TEST_CLOCK lets administrators move the server's time; it is refused on "
              << host << " (listen on 127.0.0.1)\n";
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
  notify::WorkAdmin work(*app.catalogue, *app.db, app.clock);
  engine::CommentService comments(records);
  engine::AttachmentService attachments(records, {app.config.attachments_dir(), app.config.attachments.max_bytes});
  engine::SavedViewService views(records);
  api::ApiContext ctx{records,    directory, authenticator, app.messages, app.clock, app.config, work,
                      comments,   attachments, views, app.config.test_clock ? &app.clock : nullptr};
  http::Router router;
  auto gate = api::register_routes(router, ctx);
  try {
    ui::register_pages(router, ctx, gate, app.config.share_dir + "/web");
  } catch (const std::exception& e) {
    std::cerr << "kanri: " << e.what() << " (KANRI_SHARE_DIR must hold web/)\n";
    return 2;
  }
  // Background work: notifications and the process modules' timers, run by this process's
  // scheduler (several processes on one PostgreSQL database share the queue).
  std::unique_ptr<notify::Templates> templates;
  try {
    templates = std::make_unique<notify::Templates>(app.config.share_dir + "/web/templates/notify");
  } catch (const std::exception& e) {
    std::cerr << "kanri: " << e.what() << "\n";
    return 2;
  }
  notify::Notifier notifier(*app.catalogue, *app.db, app.clock, authenticator, app.config, *templates);
  jobs::Registry job_kinds;
  notifier.register_jobs(job_kinds);
  processes::register_jobs(job_kinds, records, app.config.site.url);
  jobs::SchedulerSettings job_settings{app.config.jobs.workers, app.config.jobs.poll_ms, app.config.jobs.lease_ms,
                                       app.config.jobs.retention_days * 86'400'000LL, "",
                                       app.config.jobs.backoff_ms};
  jobs::Scheduler scheduler(*app.db, job_kinds, app.clock, job_settings);

  http::Server server(router, {host, port, app.config.http_threads, app.config.max_body_bytes});
  try {
    server.start();
  } catch (const std::exception& e) {
    std::cerr << "kanri: cannot listen on " << app.config.listen << ": " << e.what() << "\n";
    return 2;
  }
  if (app.config.jobs.workers > 0) {
    jobs::set_wake([&scheduler] { scheduler.wake(); });
    scheduler.start();
  }
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  spdlog::info("kanri {} serving on http://{}:{} ({}; {} record types; {} job workers as {}; ready in {} ms)",
               KANRI_VERSION, host, server.port(), app.db->describe(), app.catalogue->types().size(),
               app.config.jobs.workers, scheduler.node(), ms);

  int sig = 0;
  sigwait(&stop_signals, &sig);
  spdlog::info("received {}, finishing requests in flight", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  server.stop(10000);
  jobs::set_wake(nullptr);
  scheduler.stop(10000);
  spdlog::info("stopped");
  return 0;
}

}  // namespace kanri::cli
