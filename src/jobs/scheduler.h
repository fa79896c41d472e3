// The scheduler inside `kanri serve`: it claims due jobs from the queue (store/jobs.h) and runs
// them on a small pool of worker threads with the handler registered for their kind.
//
// A handler either finishes its job in the same transaction as its own writes
// (JobContext::finish_with), so the effect and the job's end commit together or not at all, or
// does outside work (a mail, a webhook) and returns done, after which the worker ends the job.
// A crash between the outside work and the end means the job runs again when its lease
// expires: handlers are written to be idempotent.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"
#include "core/time.h"
#include "store/database.h"
#include "store/jobs.h"

namespace kanri::jobs {

// What a handler says of its attempt.
struct Outcome {
  enum class Kind { done, retry, dead } kind = Kind::done;
  std::string error;                 // for retry and dead: what went wrong, kept on the job
  std::optional<EpochMs> retry_at;   // for retry: when; default is the kind's backoff
  static Outcome done() { return {}; }
  static Outcome retry(std::string error, std::optional<EpochMs> at = std::nullopt) {
    return {Kind::retry, std::move(error), at};
  }
  static Outcome dead(std::string error) { return {Kind::dead, std::move(error), std::nullopt}; }
};

class JobContext {
 public:
  JobContext(const store::Job& job, store::Database& db, const Clock& clock) : job(job), db(db), clock(clock) {}
  const store::Job& job;
  store::Database& db;
  const Clock& clock;
  // Runs `work` in one transaction that also ends the job. When the claim was lost (another
  // node took the job after this one's lease ran out), the transaction rolls back and the
  // result says so ("job.claim_lost").
  Status finish_with(const std::function<Status(store::Connection&)>& work);
  bool finished() const { return finished_; }

 private:
  bool finished_ = false;
};

using Handler = std::function<Outcome(JobContext&)>;

struct KindDef {
  Handler handler;
  int max_attempts = 8;
  std::int64_t backoff_ms = 10'000;       // after the first failure; doubles each time
  std::int64_t max_backoff_ms = 3'600'000;
};

// Job kinds and their handlers, registered at start-up.
class Registry {
 public:
  void add(const std::string& kind, KindDef def) { kinds_[kind] = std::move(def); }
  const KindDef* find(const std::string& kind) const;
  std::vector<std::string> kinds() const;
  // When a job that failed for the `attempts`-th time runs again (with ±10 % jitter).
  static EpochMs retry_time(const KindDef& def, int attempts, EpochMs now);

 private:
  std::map<std::string, KindDef> kinds_;
};

struct SchedulerSettings {
  int workers = 2;                          // jobs run at once in this process
  int poll_ms = 500;                        // look for due jobs at least this often (other nodes' jobs)
  std::int64_t lease_ms = 300'000;          // a claimed job returns to the queue after this unless finished
  std::int64_t retention_ms = 7LL * 86'400'000;  // done and cancelled jobs are deleted after this
  std::string node;                         // this process's name in claimed_by; empty = host:pid:random
  std::int64_t backoff_ms = 0;              // when > 0, the first retry delay of every kind (tests)
};

struct SchedulerStats {
  std::int64_t claimed = 0, done = 0, retried = 0, dead = 0, lost = 0;
  std::int64_t errors = 0;  // the end could not be recorded (the job returns after its lease)
};

class Scheduler {
 public:
  Scheduler(store::Database& db, const Registry& registry, const Clock& clock, SchedulerSettings settings);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  void start();
  // Stops claiming; jobs claimed but not started go back to the queue at once, and the ones
  // running are waited for (their handlers bound their own waits). Logs when that takes
  // longer than `drain_ms`.
  void stop(int drain_ms = 10'000);
  // Something was just enqueued in this process: look for due jobs now.
  void wake();

  // Runs every job due now on the calling thread, until none is due; returns how many ran.
  // For tests and one-off commands; not to be mixed with start().
  int run_due();

  const std::string& node() const { return settings_.node; }
  SchedulerStats stats() const;

 private:
  void dispatch_loop();
  void worker_loop();
  void run_one(store::Job& job);
  void housekeeping(EpochMs now);

  store::Database& db_;
  const Registry& registry_;
  const Clock& clock_;
  SchedulerSettings settings_;

  mutable std::mutex mu_;
  std::condition_variable dispatch_cv_, worker_cv_;
  std::deque<store::Job> ready_;
  int busy_ = 0;
  bool stopping_ = false;
  bool woken_ = false;
  SchedulerStats stats_;
  EpochMs last_housekeeping_ = 0;
  std::thread dispatcher_;
  std::vector<std::thread> workers_;
};

// This process's default node name: "<host>:<pid>:<4 random hex>".
std::string default_node_name();

}  // namespace kanri::jobs
