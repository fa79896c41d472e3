// kanri-bench-jobs: the durable job queue (store/jobs.h) and the scheduler (jobs/scheduler.h)
// under load, through the same code `kanri serve` runs. The database is made beforehand with
// `kanri init` (KANRI_DATABASE=URL); bench/run-jobs runs everything on SQLite and PostgreSQL.
//
//   kanri-bench-jobs prepare    --db URL
//       checks the jobs table is there and makes bench_jobs_effect (1,000 counter rows, the
//       effect of the bench.write kind).
//   kanri-bench-jobs enqueue    --db URL --jobs N [--kind bench.noop] [--due-in-ms D] [--bulk]
//       N pending jobs, 1,000 per transaction through store::schedule_job (--bulk: one
//       INSERT … SELECT per 100,000, from a recursive CTE on SQLite, generate_series on PostgreSQL).
//   kanri-bench-jobs worker     --db URL --workers W --seconds S [--poll-ms P]
//       a jobs::Scheduler with the kinds bench.noop (the handler returns done; the worker ends
//       the job in its own transaction) and bench.write (the handler adds 1 to a counter row with
//       JobContext::finish_with, so the effect commits with the job's end) until SIGTERM or S
//       seconds; prints its SchedulerStats as one JSON line.
//   kanri-bench-jobs throughput --db URL --jobs N --processes P --workers W --kind K [--analyze]
//       enqueues N jobs (then ANALYZE jobs with --analyze), starts P `worker` processes, waits
//       until none is pending or running,
//       checks every job ran exactly once (done, attempts = 1; for bench.write, the counters grew
//       by N), prints "FAIL: …" lines for what does not hold and one JSON line; deletes the jobs.
//   kanri-bench-jobs timers     --db URL --pending 1000000 --seconds 30 [--server-pid PID]
//       makes sure that many timers are pending a year ahead, times the next-due lookup and an
//       empty claim, runs a Scheduler (2 workers, poll 500 ms) idle for S seconds and measures
//       this process's CPU (and the database server's, given the postmaster's pid), then
//       schedules 20 timers due 1.0, 1.5, … 10.5 s ahead from another connection (as another
//       node would: no wake()) and measures how late each one's handler ran. One JSON line.
//
// Exit status: 0, or 1 when a check failed (the FAIL lines say which), 2 on errors.
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "core/time.h"
#include "jobs/scheduler.h"
#include "store/database.h"
#include "store/jobs.h"

namespace {

using namespace kanri;
using nlohmann::json;
using steady = std::chrono::steady_clock;

constexpr const char* kEffectTable = "bench_jobs_effect";
constexpr std::int64_t kEffectRows = 1000;
constexpr std::int64_t kYearMs = 365LL * 86'400'000;

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

double seconds_since(steady::time_point t) { return std::chrono::duration<double>(steady::now() - t).count(); }
// x rounded to `unit` (0.001, 0.1, …): divided by its inverse, so the JSON shows 0.703, not 0.7030000000000001.
double round_to(double x, double unit) {
  const double inv = std::round(1.0 / unit);
  return std::round(x * inv) / inv;
}

double cpu_seconds_self() {
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// CPU seconds of a process and of its direct children (the PostgreSQL postmaster and its
// backends): utime + stime of each, and the root's cutime + cstime, which holds the children
// that have ended (the postmaster reaps them at once), so the sum only grows.
double cpu_seconds_tree(pid_t root) {
  static const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  double total = 0;
  for (auto& e : std::filesystem::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    std::ifstream f(e.path() / "stat");
    std::string line;
    if (!std::getline(f, line)) continue;
    auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    std::vector<std::string> fields;  // from field 3 (state) on
    std::string x;
    while (rest >> x && fields.size() < 15) fields.push_back(x);
    if (fields.size() < 13) continue;
    pid_t pid = std::stoi(name), ppid = std::stoi(fields[1]);
    if (pid != root && ppid != root) continue;
    total += (std::stod(fields[11]) + std::stod(fields[12])) / tick;  // fields 14 and 15
    if (pid == root && fields.size() >= 15) total += (std::stod(fields[13]) + std::stod(fields[14])) / tick;
  }
  return total;
}

// The whole machine's CPU time from /proc/stat, in seconds: busy (user, nice, system, irq,
// softirq, steal) and waiting for I/O. Less what this benchmark's own processes used, it says
// whether anything else ran meanwhile.
struct MachineCpu {
  double busy = 0, iowait = 0;
};
MachineCpu machine_cpu() {
  static const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  std::ifstream f("/proc/stat");
  std::string cpu;
  double v[8] = {0};
  f >> cpu;
  for (double& x : v) f >> x;
  return {(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / tick, v[4] / tick};
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size()))) ;
  return v[std::min(v.size() - 1, i == 0 ? 0 : i - 1)];
}

std::int64_t scalar(store::Database& db, const std::string& sql, const std::vector<Value>& params = {}) {
  std::int64_t out = 0;
  db.read([&](store::Connection& c) {
    auto r = c.query(sql, params);
    out = r.empty() ? 0 : as_int(r[0][0]);
  });
  return out;
}

std::string engine_name(store::Database& db) {
  return db.dialect() == store::Dialect::postgres ? "postgres" : "sqlite";
}

// The jobs table comes from `kanri init`; the counter rows of bench.write are made here.
void prepare(store::Database& db) {
  try {
    (void)scalar(db, "SELECT COUNT(*) FROM jobs WHERE 1 = 0");
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("no jobs table (run `kanri init` on this database first): ") + e.what());
  }
  (void)db.write([&](store::Connection& c) -> Status {
    c.execute(std::string("CREATE TABLE IF NOT EXISTS ") + kEffectTable +
              " (id BIGINT PRIMARY KEY, hits BIGINT NOT NULL DEFAULT 0)");
    auto have = c.query(std::string("SELECT COUNT(*) FROM ") + kEffectTable);
    if (as_int(have[0][0]) < kEffectRows) {
      c.run(std::string("DELETE FROM ") + kEffectTable);
      for (std::int64_t i = 0; i < kEffectRows; ++i)
        c.run(std::string("INSERT INTO ") + kEffectTable + " (id, hits) VALUES (?, 0)", {i});
    }
    return ok_status();
  });
}

// N pending jobs of `kind`, the i-th due at due_at + i * step_ms. Returns the first and the last
// id (nothing else enqueues while this runs, so the jobs are the ids in between).
std::pair<std::int64_t, std::int64_t> enqueue(store::Database& db, const std::string& kind, std::int64_t n,
                                              EpochMs due_at, std::int64_t step_ms, bool bulk) {
  SystemClock clock;
  const bool pg = db.dialect() == store::Dialect::postgres;
  // The ids of one INSERT … SELECT follow each other (one writer, one statement): PostgreSQL
  // returns them, SQLite says the last one.
  const std::string bulk_sql =
      pg ? "WITH ins AS (INSERT INTO jobs (kind, payload, state, due_at, max_attempts, created_at, updated_at) "
           "SELECT ?, '{}', 'pending', CAST(? AS BIGINT) + g.i * CAST(? AS BIGINT), 8, CAST(? AS BIGINT), "
           "CAST(? AS BIGINT) FROM generate_series(CAST(0 AS BIGINT), CAST(? AS BIGINT) - 1) AS g(i) ORDER BY g.i "
           "RETURNING id) SELECT MIN(id), MAX(id) FROM ins"
         : "INSERT INTO jobs (kind, payload, state, due_at, max_attempts, created_at, updated_at) "
           "SELECT ?, '{}', 'pending', ? + g.i * ?, 8, ?, ? FROM "
           "(WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?) SELECT i FROM n) AS g";
  std::int64_t first = 0, last = 0;
  auto note = [&](std::int64_t lo, std::int64_t hi) {
    if (first == 0) first = lo;
    last = hi;
  };
  for (std::int64_t done = 0; done < n;) {
    const std::int64_t batch = std::min<std::int64_t>(bulk ? 100'000 : 1'000, n - done);
    (void)db.write([&](store::Connection& c) -> Status {
      const EpochMs now = clock.now_ms();
      if (bulk) {
        std::vector<Value> params{kind, due_at + done * step_ms, step_ms, now, now, batch};
        if (pg) {
          auto r = c.query(bulk_sql, params);
          note(as_int(r[0][0]), as_int(r[0][1]));
        } else {
          c.run(bulk_sql, params);
          const std::int64_t end = as_int(c.query("SELECT last_insert_rowid()")[0][0]);
          note(end - batch + 1, end);
        }
        return ok_status();
      }
      for (std::int64_t i = 0; i < batch; ++i) {
        store::JobSpec spec;
        spec.kind = kind;
        spec.due_at = due_at + (done + i) * step_ms;
        std::int64_t id = store::schedule_job(c, spec, now);
        note(id, id);
      }
      return ok_status();
    });
    done += batch;
  }
  return {first, last};
}


// Fire times of the handlers that record them, by job id (epoch ms, the clock due_at uses).
struct FireLog {
  std::mutex mu;
  std::map<std::int64_t, EpochMs> fired;
  std::atomic<std::int64_t> timers_fired{0};  // the far-future timers: must stay 0
};

// The bench kinds. With `log`, bench.noop records when it ran.
jobs::Registry make_registry(FireLog* log) {
  jobs::Registry reg;
  static SystemClock wall;
  reg.add("bench.noop", {[log](jobs::JobContext& ctx) {
                           if (log) {
                             EpochMs t = wall.now_ms();
                             std::lock_guard lock(log->mu);
                             log->fired[ctx.job.id] = t;
                           }
                           return jobs::Outcome::done();
                         }});
  reg.add("bench.write", {[](jobs::JobContext& ctx) {
                            Status s = ctx.finish_with([&](store::Connection& c) -> Status {
                              c.run(std::string("UPDATE ") + kEffectTable + " SET hits = hits + 1 WHERE id = ?",
                                    {ctx.job.id % kEffectRows});
                              return ok_status();
                            });
                            if (!s) return jobs::Outcome::retry("finish_with: " + s.error().code);
                            return jobs::Outcome::done();
                          }});
  reg.add("bench.timer", {[log](jobs::JobContext&) {
                            if (log) ++log->timers_fired;
                            return jobs::Outcome::done();
                          }});
  return reg;
}

json stats_json(const jobs::SchedulerStats& s) {
  return {{"claimed", s.claimed}, {"done", s.done}, {"retried", s.retried}, {"dead", s.dead}, {"lost", s.lost}};
}

// EXPLAIN of the claim as store::claim_jobs writes it (RETURNING shortened), with bound
// parameters and the bench scheduler's kinds, on the writer connection.
std::string claim_plan(store::Database& db) {
  const bool pg = db.dialect() == store::Dialect::postgres;
  SystemClock clock;
  std::string text;
  (void)db.write([&](store::Connection& c) -> Status {
    std::vector<Value> params{std::string("bench-probe"), clock.now_ms(), clock.now_ms(), clock.now_ms()};
    std::string in;
    for (auto& k : make_registry(nullptr).kinds()) {
      in += in.empty() ? "?" : ", ?";
      params.emplace_back(k);
    }
    params.emplace_back(std::int64_t{4});
    auto r = c.query(std::string(pg ? "EXPLAIN (COSTS OFF) " : "EXPLAIN QUERY PLAN ") +
                         "UPDATE jobs SET state = 'running', claimed_by = ?, lease_until = ?, attempts = attempts + 1, "
                         "updated_at = ? WHERE id IN (SELECT id FROM jobs WHERE state = 'pending' AND due_at <= ? "
                         "AND kind IN (" + in + ") ORDER BY due_at, id LIMIT ?" +
                         (pg ? " FOR UPDATE SKIP LOCKED" : "") + ") RETURNING id",
                     params);
    for (auto& row : r.rows) text += (text.empty() ? "" : "\n") + as_text(row.back());
    return ok_status();
  });
  return text;
}

int cmd_worker(const std::string& url, int workers, double seconds, int poll_ms) {
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  auto db = store::Database::open(url);
  SystemClock clock;
  jobs::Registry reg = make_registry(nullptr);
  jobs::SchedulerSettings settings;
  settings.workers = workers;
  settings.poll_ms = poll_ms;
  jobs::Scheduler scheduler(*db, reg, clock, settings);
  const auto t0 = steady::now();
  const double cpu0 = cpu_seconds_self();
  scheduler.start();
  while (!g_stop && seconds_since(t0) < seconds) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  scheduler.stop();
  json out = stats_json(scheduler.stats());
  out["node"] = scheduler.node();
  out["pid"] = static_cast<std::int64_t>(getpid());
  out["seconds"] = round_to(seconds_since(t0), 0.001);
  out["cpu_s"] = round_to(cpu_seconds_self() - cpu0, 0.001);
  std::cout << out.dump() << std::endl;
  return 0;
}

struct Child {
  pid_t pid = -1;
  int out_fd = -1;
};

Child spawn_worker(const std::string& url, int workers) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    std::string w = std::to_string(workers);
    const char* argv[] = {"kanri-bench-jobs", "worker", "--db", url.c_str(), "--workers", w.c_str(),
                          "--seconds", "3600", nullptr};
    execv("/proc/self/exe", const_cast<char* const*>(argv));
    std::perror("kanri-bench-jobs: exec");
    _exit(127);
  }
  close(fds[1]);
  return {pid, fds[0]};
}

std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  close(fd);
  return out;
}

// Median and max, in microseconds, of up to `runs` calls of `f` (fewer when they take more
// than `budget_s` in all, but at least 5).
std::pair<double, double> time_us(int runs, const std::function<void()>& f, int* done_runs = nullptr,
                                  double budget_s = 3.0) {
  std::vector<double> us;
  const auto start = steady::now();
  for (int i = 0; i < runs && (i < 5 || seconds_since(start) < budget_s); ++i) {
    auto t = steady::now();
    f();
    us.push_back(std::chrono::duration<double, std::micro>(steady::now() - t).count());
  }
  if (done_runs) *done_runs = static_cast<int>(us.size());
  return {round_to(percentile(us, 50), 0.1), round_to(percentile(us, 100), 0.1)};
}

// The checks that did not hold: printed as they happen, and kept for the JSON result.
struct FailureLog {
  std::vector<std::string> items;
  void operator()(const std::string& what) {
    items.push_back(what);
    std::cout << "FAIL: " << what << std::endl;
  }
};

int cmd_throughput(const std::string& url, std::int64_t n, int processes, int workers, const std::string& kind,
                   double timeout_s, pid_t server_pid, bool analyze) {
  auto db = store::Database::open(url);
  prepare(*db);
  SystemClock clock;
  FailureLog fail;
  std::vector<std::string>& failures = fail.items;
  const std::int64_t others = scalar(*db, "SELECT COUNT(*) FROM jobs WHERE state IN ('pending', 'running') AND due_at <= ?",
                                     {clock.now_ms() + 3'600'000});
  if (others > 0) fail(std::to_string(others) + " other job(s) due within the hour are in the queue");
  (void)db->write([&](store::Connection& c) -> Status {
    c.run(std::string("UPDATE ") + kEffectTable + " SET hits = 0");
    return ok_status();
  });

  auto te = steady::now();
  auto [first, last] = enqueue(*db, kind, n, clock.now_ms(), 0, false);
  const double enqueue_s = seconds_since(te);
  if (last - first + 1 != n) fail("enqueued ids " + std::to_string(first) + "…" + std::to_string(last) +
                                  " are not " + std::to_string(n) + " jobs");
  const std::string in_run = " FROM jobs WHERE id >= " + std::to_string(first) + " AND id <= " + std::to_string(last);
  // Fresh statistics for the planner, as autovacuum gives PostgreSQL soon after a burst of
  // inserts (not counted in the elapsed time). The claim's plan is what the workers start with.
  if (analyze)
    (void)db->write([&](store::Connection& c) -> Status {
      c.execute("ANALYZE jobs");
      return ok_status();
    });
  const std::string plan = claim_plan(*db);

  const EpochMs spawn_ms = clock.now_ms();
  const auto t0 = steady::now();
  const MachineCpu machine0 = machine_cpu();
  const double self0 = cpu_seconds_self(), server0 = server_pid > 0 ? cpu_seconds_tree(server_pid) : 0;
  std::vector<Child> children;
  for (int i = 0; i < processes; ++i) children.push_back(spawn_worker(url, workers));
  double drained_s = -1;
  // Stalled: jobs left but none ended for this long (a claimed job whose end could not be
  // recorded waits for its lease, 5 minutes).
  constexpr double kStallS = 20;
  std::int64_t last_left = -1;
  auto last_change = steady::now();
  std::string stall;
  while (seconds_since(t0) < timeout_s) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::int64_t left = scalar(*db, "SELECT COUNT(*)" + in_run + " AND state IN ('pending', 'running')");
    if (left == 0) {
      drained_s = seconds_since(t0);
      break;
    }
    if (left != last_left) {
      last_left = left;
      last_change = steady::now();
    } else if (seconds_since(last_change) > kStallS) {
      db->read([&](store::Connection& c) {
        for (auto& row : c.query("SELECT id, state, attempts, claimed_by, last_error" + in_run +
                                 " AND state IN ('pending', 'running') ORDER BY id LIMIT 10").rows)
          stall += " #" + as_text(row[0]) + " " + as_text(row[1]) + " attempts=" + as_text(row[2]) + " by " +
                   as_text(row[3]) + (as_text(row[4]).empty() ? "" : " (" + as_text(row[4]) + ")");
      });
      fail(std::to_string(left) + " job(s) left and none ended for " + std::to_string(int(kStallS)) + " s:" + stall);
      break;
    }
    bool died = false;
    for (auto& ch : children) {
      int st;
      if (ch.pid > 0 && waitpid(ch.pid, &st, WNOHANG) == ch.pid) {
        fail("worker " + std::to_string(ch.pid) + " ended early (status " + std::to_string(st) + ")");
        ch.pid = -1;
        died = true;
      }
    }
    if (died) break;
  }
  if (drained_s < 0 && failures.empty())
    fail("the queue was not empty after " + std::to_string(static_cast<int>(timeout_s)) + " s");
  const MachineCpu machine1 = machine_cpu();
  const double self_cpu = cpu_seconds_self() - self0;
  const double server_cpu = server_pid > 0 ? cpu_seconds_tree(server_pid) - server0 : 0;
  for (auto& ch : children)
    if (ch.pid > 0) kill(ch.pid, SIGTERM);
  json per_process = json::array();
  std::int64_t done_sum = 0, lost = 0, retried = 0;
  double workers_cpu = 0;
  for (auto& ch : children) {
    std::string out = read_all(ch.out_fd);
    if (ch.pid > 0) {
      int st = 0;
      waitpid(ch.pid, &st, 0);
      if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) fail("worker " + std::to_string(ch.pid) + " exited with status " + std::to_string(st));
    }
    json stats;
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);)
      if (!line.empty() && line[0] == '{') stats = json::parse(line, nullptr, false);
    if (!stats.is_object()) {
      fail("no stats line from worker " + std::to_string(ch.pid));
      continue;
    }
    per_process.push_back(stats);
    done_sum += stats.value("done", std::int64_t{0});
    lost += stats.value("lost", std::int64_t{0});
    retried += stats.value("retried", std::int64_t{0});
    workers_cpu += stats.value("cpu_s", 0.0);
  }
  // The workers' CPU until they stopped, a little more than until the queue was empty.
  const double own_cpu = self_cpu + server_cpu + workers_cpu;
  const double other_cpu = std::max(0.0, (machine1.busy - machine0.busy) - own_cpu);

  // Every job of the run: done, in one attempt.
  std::int64_t total = 0, once = 0;
  EpochMs last_finish = 0, first_finish = 0;
  db->read([&](store::Connection& c) {
    auto r = c.query("SELECT COUNT(*), SUM(CASE WHEN state = 'done' AND attempts = 1 THEN 1 ELSE 0 END), "
                     "MIN(finished_at), MAX(finished_at)" + in_run);
    total = as_int(r[0][0]);
    once = as_int(r[0][1]);
    first_finish = as_int(r[0][2]);
    last_finish = as_int(r[0][3]);
  });
  if (total != n) fail("the run has " + std::to_string(total) + " jobs, not " + std::to_string(n));
  if (once != total) {
    std::string detail;
    db->read([&](store::Connection& c) {
      for (auto& row : c.query("SELECT state, attempts, COUNT(*)" + in_run +
                               " AND NOT (state = 'done' AND attempts = 1) GROUP BY state, attempts").rows)
        detail += " " + as_text(row[0]) + "/attempts=" + as_text(row[1]) + ":" + as_text(row[2]);
    });
    fail(std::to_string(total - once) + " job(s) not done in exactly one attempt:" + detail);
  }
  if (done_sum != n) fail("the workers report " + std::to_string(done_sum) + " done, not " + std::to_string(n));
  std::int64_t hits = scalar(*db, std::string("SELECT COALESCE(SUM(hits), 0) FROM ") + kEffectTable);
  if (kind == "bench.write" && hits != n)
    fail("the bench.write effect was committed " + std::to_string(hits) + " times for " + std::to_string(n) + " jobs");

  // Elapsed: from starting the workers to the last job's end (finished_at; the 100 ms polls
  // only say when to stop).
  const double elapsed_s = last_finish > 0 ? (last_finish - spawn_ms) / 1000.0 : drained_s;
  // The scheduler's housekeeping (every 5 s) looks for done jobs older than the retention
  // (7 days): with this run's jobs done and none old enough, what one such look costs.
  std::int64_t done_kept = scalar(*db, "SELECT COUNT(*) FROM jobs WHERE state IN ('done', 'cancelled')");
  auto [purge_p50, purge_max] = time_us(5, [&] {
    (void)db->write([&](store::Connection& c) -> Status {
      (void)store::purge_finished(c, clock.now_ms() - 7LL * 86'400'000, 1000);
      return ok_status();
    });
  });
  std::int64_t deleted = 0;
  (void)db->write([&](store::Connection& c) -> Status {
    deleted = c.run("DELETE" + in_run);  // stuck ones too, so the next run starts clean
    return ok_status();
  });

  json out{{"engine", engine_name(*db)},
           {"kind", kind},
           {"jobs", n},
           {"processes", processes},
           {"workers_per_process", workers},
           {"analyzed", analyze},
           {"claim_plan", plan},
           {"enqueue_s", round_to(enqueue_s, 0.001)},
           {"enqueue_per_s", round_to(n / enqueue_s, 0.1)},
           {"elapsed_s", round_to(elapsed_s, 0.001)},
           {"first_finish_s", round_to((first_finish - spawn_ms) / 1000.0, 0.001)},
           {"drained_poll_s", round_to(drained_s, 0.001)},
           {"jobs_per_s", elapsed_s > 0 ? round_to(n / elapsed_s, 0.1) : 0.0},
           {"done_by_process", json::array()},
           {"per_process", per_process},
           {"lost", lost},
           {"retried", retried},
           {"effect_hits", hits},
           {"deleted", deleted},
           {"purge_scan_us", {{"p50", purge_p50}, {"max", purge_max}, {"done_jobs", done_kept}}},
           {"cpu", {{"workers_s", round_to(workers_cpu, 0.01)}, {"parent_s", round_to(self_cpu, 0.01)},
                    {"server_s", round_to(server_cpu, 0.01)}, {"machine_busy_s", round_to(machine1.busy - machine0.busy, 0.01)},
                    {"machine_iowait_s", round_to(machine1.iowait - machine0.iowait, 0.01)},
                    {"other_s", round_to(other_cpu, 0.01)}}},
           {"ok", failures.empty()},
           {"failures", failures}};
  for (auto& p : per_process) out["done_by_process"].push_back(p.value("done", std::int64_t{0}));
  std::cout << out.dump() << std::endl;
  return failures.empty() ? 0 : 1;
}

int cmd_timers(const std::string& url, std::int64_t pending, double seconds, pid_t server_pid, int timers) {
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  auto db = store::Database::open(url);
  prepare(*db);
  SystemClock clock;
  FailureLog fail;
  std::vector<std::string>& failures = fail.items;
  json out{{"engine", engine_name(*db)}, {"pending", pending}, {"idle_seconds", seconds}};

  // The far-future timers, due from a year ahead, 10 ms apart.
  const std::int64_t have = scalar(*db, "SELECT COUNT(*) FROM jobs WHERE kind = 'bench.timer' AND state = 'pending'");
  double insert_s = 0;
  if (have < pending) {
    auto t = steady::now();
    (void)enqueue(*db, "bench.timer", pending - have, clock.now_ms() + kYearMs, 10, true);
    insert_s = seconds_since(t);
    if (db->dialect() == store::Dialect::postgres) {
      // What autovacuum does soon after a bulk load: statistics for the planner.
      (void)db->write([&](store::Connection& c) -> Status {
        c.execute("ANALYZE jobs");
        return ok_status();
      });
    }
  }
  out["inserted"] = pending - have > 0 ? pending - have : 0;
  out["insert_s"] = round_to(insert_s, 0.01);
  out["pending_now"] = scalar(*db, "SELECT COUNT(*) FROM jobs WHERE state = 'pending'");

  // The plans of the two queries of an idle poll, on this process's own connections (on SQLite
  // a connection plans with the statistics it read when it opened), and the statistics.
  {
    const bool pg = db->dialect() == store::Dialect::postgres;
    const std::string explain = pg ? "EXPLAIN (COSTS OFF) " : "EXPLAIN QUERY PLAN ";
    auto plan_text = [&](const store::Rows& r) {
      std::string text;
      for (auto& row : r.rows) text += (text.empty() ? "" : "\n") + as_text(row.back());
      return text;
    };
    json plans;
    db->read([&](store::Connection& c) {
      plans["next_due"] = plan_text(c.query(explain + "SELECT due_at FROM jobs WHERE state = 'pending' "
                                                      "ORDER BY due_at, id LIMIT 1"));
      if (!pg) {
        std::string stats;
        try {
          for (auto& row : c.query("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'jobs' ORDER BY idx").rows)
            stats += (stats.empty() ? "" : "; ") + as_text(row[0]) + ": " + as_text(row[1]);
        } catch (const std::exception&) {
          stats = "(no sqlite_stat1)";
        }
        plans["sqlite_stat1"] = stats.empty() ? "(none for jobs)" : stats;
      }
    });
    plans["claim"] = claim_plan(*db);
    out["plans"] = plans;
  }

  // The scheduler's two queries per idle poll, alone.
  int next_runs = 0, claim_runs = 0;
  const std::vector<std::string> claim_kinds = make_registry(nullptr).kinds();
  auto [next_p50, next_max] =
      time_us(200, [&] { db->read([&](store::Connection& c) { (void)store::next_due(c); }); }, &next_runs);
  auto [claim_p50, claim_max] = time_us(200, [&] {
    (void)db->write([&](store::Connection& c) -> Status {
      (void)store::claim_jobs(c, "bench-probe", clock.now_ms(), 4, 300'000, claim_kinds);
      return ok_status();
    });
  }, &claim_runs);
  out["next_due_us"] = {{"p50", next_p50}, {"max", next_max}, {"runs", next_runs}};
  out["empty_claim_us"] = {{"p50", claim_p50}, {"max", claim_max}, {"runs", claim_runs}};

  FireLog log;
  jobs::Registry reg = make_registry(&log);
  jobs::SchedulerSettings settings;  // workers 2, poll 500 ms: the defaults of `kanri serve`
  jobs::Scheduler scheduler(*db, reg, clock, settings);
  out["poll_ms"] = settings.poll_ms;
  out["workers"] = settings.workers;
  scheduler.start();
  std::this_thread::sleep_for(std::chrono::seconds(2));  // start-up and its first polls are not idling

  const double cpu0 = cpu_seconds_self();
  const double srv0 = server_pid > 0 ? cpu_seconds_tree(server_pid) : 0;
  const MachineCpu machine0 = machine_cpu();
  const auto t0 = steady::now();
  while (!g_stop && seconds_since(t0) < seconds) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const double wall = seconds_since(t0);
  const double cpu = cpu_seconds_self() - cpu0;
  out["idle_wall_s"] = round_to(wall, 0.01);
  out["idle_cpu_s"] = round_to(cpu, 0.0001);
  out["idle_cpu_pct"] = round_to(100.0 * cpu / wall, 0.001);
  double srv = 0;
  if (server_pid > 0) {
    srv = cpu_seconds_tree(server_pid) - srv0;
    out["server_idle_cpu_s"] = round_to(srv, 0.01);
    out["server_idle_cpu_pct"] = round_to(100.0 * srv / wall, 0.001);
  }
  const MachineCpu machine1 = machine_cpu();
  out["idle_machine_busy_s"] = round_to(machine1.busy - machine0.busy, 0.01);
  out["idle_other_cpu_s"] = round_to(std::max(0.0, machine1.busy - machine0.busy - cpu - srv), 0.01);
  out["idle_machine_iowait_s"] = round_to(machine1.iowait - machine0.iowait, 0.01);

  // Timers from another connection, as another node would schedule them: no wake().
  std::vector<std::pair<std::int64_t, EpochMs>> due;  // id, due_at
  EpochMs base = 0;
  {
    auto other = store::Database::open(url);
    base = clock.now_ms();
    (void)other->write([&](store::Connection& c) -> Status {
      for (int i = 0; i < timers; ++i) {
        store::JobSpec spec;
        spec.kind = "bench.noop";
        spec.due_at = base + 1000 + 500LL * i;
        due.emplace_back(store::schedule_job(c, spec, clock.now_ms()), spec.due_at);
      }
      return ok_status();
    });
  }
  const EpochMs deadline = due.back().second + 5000;
  while (!g_stop && clock.now_ms() < deadline) {
    {
      std::lock_guard lock(log.mu);
      if (log.fired.size() >= due.size()) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // let the last one finish
  scheduler.stop();

  std::vector<double> late;
  json each = json::array();
  {
    std::lock_guard lock(log.mu);
    for (auto& [id, at] : due) {
      auto it = log.fired.find(id);
      if (it == log.fired.end()) {
        fail("timer #" + std::to_string(id) + " due at +" + std::to_string(at - base) +
             " ms did not fire");
        each.push_back(nullptr);
        continue;
      }
      late.push_back(static_cast<double>(it->second - at));
      each.push_back(it->second - at);
    }
  }
  out["timers"] = timers;
  out["lateness_ms"] = {{"p50", percentile(late, 50)},
                        {"max", late.empty() ? 0.0 : *std::max_element(late.begin(), late.end())},
                        {"min", late.empty() ? 0.0 : *std::min_element(late.begin(), late.end())},
                        {"each", each}};
  if (!late.empty() && *std::max_element(late.begin(), late.end()) > 1000) fail("a timer fired more than 1 s late");
  if (!late.empty() && *std::min_element(late.begin(), late.end()) < 0) fail("a timer fired before it was due");
  out["far_timers_fired"] = log.timers_fired.load();
  if (log.timers_fired > 0) fail(std::to_string(log.timers_fired.load()) + " far-future timer(s) ran");
  out["stats"] = stats_json(scheduler.stats());
  (void)db->write([&](store::Connection& c) -> Status {
    c.run("DELETE FROM jobs WHERE kind = 'bench.noop' AND state = 'done'");
    return ok_status();
  });
  out["ok"] = failures.empty();
  out["failures"] = failures;
  std::cout << out.dump() << std::endl;
  return failures.empty() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  // Logs go to stderr: stdout carries the results.
  spdlog::set_default_logger(spdlog::stderr_color_mt("kanri-bench-jobs"));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");

  CLI::App cli{"Job queue and scheduler benchmarks"};
  cli.require_subcommand(1);
  std::string url, kind = "bench.noop";
  std::int64_t n = 20000, pending = 1'000'000, due_in_ms = 0;
  int workers = 2, processes = 1, poll_ms = 500, timers = 20;
  double seconds = 30, timeout = 600;
  bool bulk = false, analyze = false;
  pid_t server_pid = 0;

  auto* prep = cli.add_subcommand("prepare", "Check the jobs table; make the bench.write counters");
  prep->add_option("--db", url, "Database URL")->required();

  auto* enq = cli.add_subcommand("enqueue", "Add N pending jobs");
  enq->add_option("--db", url, "Database URL")->required();
  enq->add_option("--jobs", n, "How many")->required()->check(CLI::PositiveNumber);
  enq->add_option("--kind", kind, "Job kind");
  enq->add_option("--due-in-ms", due_in_ms, "Due this long from now");
  enq->add_flag("--bulk", bulk, "INSERT … SELECT, 100,000 per statement");

  auto* wrk = cli.add_subcommand("worker", "Run a scheduler with the bench kinds; print its stats at exit");
  wrk->add_option("--db", url, "Database URL")->required();
  wrk->add_option("--workers", workers, "Worker threads")->check(CLI::PositiveNumber);
  wrk->add_option("--seconds", seconds, "Run at most this long");
  wrk->add_option("--poll-ms", poll_ms, "Scheduler poll interval");

  auto* thr = cli.add_subcommand("throughput", "Enqueue N jobs, drain them with P worker processes");
  thr->add_option("--db", url, "Database URL")->required();
  thr->add_option("--jobs", n, "Jobs to run")->check(CLI::PositiveNumber);
  thr->add_option("--processes", processes, "Worker processes")->check(CLI::PositiveNumber);
  thr->add_option("--workers", workers, "Worker threads per process")->check(CLI::PositiveNumber);
  thr->add_option("--kind", kind, "bench.noop or bench.write")->check(CLI::IsMember({"bench.noop", "bench.write"}));
  thr->add_option("--timeout", timeout, "Give up after this many seconds");
  thr->add_flag("--analyze", analyze, "ANALYZE jobs after enqueueing (what autovacuum does soon after)");
  thr->add_option("--server-pid", server_pid, "PostgreSQL postmaster pid: count its processes' CPU as the benchmark's");

  auto* tim = cli.add_subcommand("timers", "Idle cost and timer lateness with many timers pending");
  tim->add_option("--db", url, "Database URL")->required();
  tim->add_option("--pending", pending, "Far-future timers to have pending");
  tim->add_option("--seconds", seconds, "Idle seconds to measure");
  tim->add_option("--server-pid", server_pid, "PostgreSQL postmaster pid: measure its processes' CPU too");
  tim->add_option("--timers", timers, "Near timers to schedule")->check(CLI::PositiveNumber);

  CLI11_PARSE(cli, argc, argv);
  try {
    if (*prep) {
      auto db = store::Database::open(url);
      prepare(*db);
      std::cout << json{{"engine", engine_name(*db)}, {"ok", true}}.dump() << std::endl;
      return 0;
    }
    if (*enq) {
      auto db = store::Database::open(url);
      SystemClock clock;
      auto t = steady::now();
      auto [first, last] = enqueue(*db, kind, n, clock.now_ms() + due_in_ms, 0, bulk);
      double s = seconds_since(t);
      std::cout << json{{"engine", engine_name(*db)}, {"kind", kind}, {"jobs", n}, {"first_id", first},
                        {"last_id", last}, {"seconds", round_to(s, 0.001)}, {"per_s", round_to(n / s, 0.1)}}
                       .dump()
                << std::endl;
      return 0;
    }
    if (*wrk) return cmd_worker(url, workers, seconds, poll_ms);
    if (*thr) return cmd_throughput(url, n, processes, workers, kind, timeout, server_pid, analyze);
    if (*tim) return cmd_timers(url, pending, seconds, server_pid, timers);
  } catch (const std::exception& e) {
    std::cerr << "kanri-bench-jobs: " << e.what() << "\n";
    return 2;
  }
  return 2;
}
