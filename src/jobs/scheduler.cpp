#include "jobs/scheduler.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <random>

#include <spdlog/spdlog.h>

#include "core/crypto.h"

namespace kanri::jobs {

using store::Job;

Status JobContext::finish_with(const std::function<Status(store::Connection&)>& work) {
  Status s = db.write([&](store::Connection& c) -> Status {
    if (auto w = work(c); !w) return w;
    if (!store::finish_job(c, job, clock.now_ms())) return Error::of(ErrorKind::conflict, "job.claim_lost");
    return ok_status();
  });
  if (s) finished_ = true;
  return s;
}

const KindDef* Registry::find(const std::string& kind) const {
  auto it = kinds_.find(kind);
  return it == kinds_.end() ? nullptr : &it->second;
}

std::vector<std::string> Registry::kinds() const {
  std::vector<std::string> out;
  for (auto& [k, _] : kinds_) out.push_back(k);
  return out;
}

EpochMs Registry::retry_time(const KindDef& def, int attempts, EpochMs now) {
  std::int64_t delay = def.backoff_ms;
  for (int i = 1; i < attempts && delay < def.max_backoff_ms; ++i) delay *= 2;
  delay = std::min(delay, def.max_backoff_ms);
  // Jitter spreads the retries of jobs that failed together (a mail server that was down).
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::int64_t spread = delay / 10;
  if (spread > 0) delay += std::uniform_int_distribution<std::int64_t>(-spread, spread)(rng);
  return now + delay;
}

std::string default_node_name() {
  char host[256] = {0};
  if (gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "host");
  return std::string(host) + ":" + std::to_string(getpid()) + ":" + random_token(3).substr(0, 4);
}

Scheduler::Scheduler(store::Database& db, const Registry& registry, const Clock& clock, SchedulerSettings settings)
    : db_(db), registry_(registry), clock_(clock), settings_(std::move(settings)) {
  if (settings_.node.empty()) settings_.node = default_node_name();
  settings_.workers = std::max(1, settings_.workers);
  settings_.poll_ms = std::max(10, settings_.poll_ms);
}

Scheduler::~Scheduler() { stop(0); }

void Scheduler::start() {
  std::lock_guard lock(mu_);
  if (dispatcher_.joinable()) return;
  stopping_ = false;
  for (int i = 0; i < settings_.workers; ++i) workers_.emplace_back([this] { worker_loop(); });
  dispatcher_ = std::thread([this] { dispatch_loop(); });
}

void Scheduler::stop(int drain_ms) {
  {
    std::unique_lock lock(mu_);
    if (!dispatcher_.joinable()) return;
    stopping_ = true;
  }
  dispatch_cv_.notify_all();
  worker_cv_.notify_all();
  dispatcher_.join();
  // Workers take nothing more once stopping, so what is left (including a claim that was in
  // flight when stop began) goes back to the queue now rather than waiting for its lease.
  std::deque<Job> unstarted;
  {
    std::unique_lock lock(mu_);
    unstarted.swap(ready_);
  }
  if (!unstarted.empty()) {
    try {
      (void)db_.write([&](store::Connection& c) -> Status {
        for (auto& j : unstarted)
          c.run("UPDATE jobs SET state = 'pending', attempts = attempts - 1, lease_until = NULL "
                "WHERE id = ? AND state = 'running' AND claimed_by = ? AND attempts = ? AND (job_key IS NULL OR "
                "NOT EXISTS (SELECT 1 FROM jobs o WHERE o.job_key = jobs.job_key AND o.state = 'pending'))",
                {j.id, j.claimed_by, std::int64_t{j.attempts}});
        return ok_status();
      });
    } catch (const std::exception& e) {
      spdlog::warn("jobs: could not return {} unstarted jobs to the queue: {}", unstarted.size(), e.what());
    }
  }
  {
    std::unique_lock lock(mu_);
    if (!dispatch_cv_.wait_for(lock, std::chrono::milliseconds(drain_ms), [&] { return busy_ == 0; }))
      spdlog::info("jobs: waiting for {} running job(s) to end", busy_);
  }
  // Handlers bound their own waits (mail and webhook timeouts), so joining ends.
  for (auto& w : workers_)
    if (w.joinable()) w.join();
  workers_.clear();
}

void Scheduler::wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  dispatch_cv_.notify_all();
}

SchedulerStats Scheduler::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void Scheduler::housekeeping(EpochMs now) {
  if (now - last_housekeeping_ < 5'000) return;
  last_housekeeping_ = now;
  (void)db_.write([&](store::Connection& c) -> Status {
    if (auto n = store::release_expired(c, now); n > 0)
      spdlog::warn("jobs: {} job(s) whose worker stopped returned to the queue", n);
    store::purge_finished(c, now - settings_.retention_ms, 1000);
    return ok_status();
  });
}

void Scheduler::dispatch_loop() {
  // A little more than the workers can start at once, so they do not wait for the next claim;
  // not much more, since a claimed job's lease runs while it waits.
  const int prefetch = std::min(64, settings_.workers * 4);
  bool backlog = false;  // the last claim was full: more is due, no need to look first
  const std::vector<std::string> kinds = registry_.kinds();
  while (true) {
    int want = 0;
    {
      std::unique_lock lock(mu_);
      // Claim only when the workers are about to run out of work, so claimed jobs do not wait.
      dispatch_cv_.wait(lock, [&] { return stopping_ || static_cast<int>(ready_.size()) < settings_.workers; });
      if (stopping_) return;
      want = prefetch - static_cast<int>(ready_.size());
      woken_ = false;
    }
    std::vector<Job> claimed;
    std::optional<EpochMs> next;
    EpochMs now = clock_.now_ms();
    if (kinds.empty()) want = 0;  // a node that can run nothing claims nothing
    try {
      housekeeping(now);
    } catch (const std::exception& e) {
      spdlog::error("jobs: housekeeping failed: {}", e.what());
    }
    try {
      // A read first: while nothing is due, polling writes nothing (on SQLite a write
      // transaction takes the file's lock from every other writer).
      if (!backlog) db_.read([&](store::Connection& c) { next = store::next_due(c); });
      if (want > 0 && (backlog || (next && *next <= now)))
        (void)db_.write([&](store::Connection& c) -> Status {
          claimed = store::claim_jobs(c, settings_.node, now, want, settings_.lease_ms, kinds);
          return ok_status();
        });
      if (!claimed.empty()) next.reset();
    } catch (const std::exception& e) {
      spdlog::error("jobs: cannot claim jobs: {}", e.what());
      claimed.clear();
      next.reset();
    }
    std::unique_lock lock(mu_);
    backlog = false;
    if (!claimed.empty()) {
      stats_.claimed += static_cast<std::int64_t>(claimed.size());
      for (auto& j : claimed) ready_.push_back(std::move(j));
      worker_cv_.notify_all();
      backlog = static_cast<int>(claimed.size()) == want;
      if (backlog) continue;  // there may be more due now
    }
    // Sleep until the next job is due, a poll interval passes (other nodes enqueue too), or
    // this process enqueues something.
    std::int64_t wait = settings_.poll_ms;
    if (next) wait = std::clamp<std::int64_t>(*next - clock_.now_ms(), 0, settings_.poll_ms);
    if (!claimed.empty() && wait > 0) wait = std::min<std::int64_t>(wait, 50);
    if (wait > 0)
      dispatch_cv_.wait_for(lock, std::chrono::milliseconds(wait), [&] { return stopping_ || woken_; });
  }
}

void Scheduler::worker_loop() {
  while (true) {
    Job job;
    {
      std::unique_lock lock(mu_);
      worker_cv_.wait(lock, [&] { return stopping_ || !ready_.empty(); });
      if (stopping_) return;
      job = std::move(ready_.front());
      ready_.pop_front();
      ++busy_;
    }
    dispatch_cv_.notify_all();
    run_one(job);
    {
      std::lock_guard lock(mu_);
      --busy_;
    }
    dispatch_cv_.notify_all();
  }
}

void Scheduler::run_one(Job& job) {
  const KindDef* def = registry_.find(job.kind);
  // A job that waited long for a free worker gets its lease back in full before it starts.
  if (EpochMs now = clock_.now_ms(); now - job.updated_at > settings_.lease_ms / 4) {
    try {
      (void)db_.write([&](store::Connection& c) -> Status {
        c.run("UPDATE jobs SET lease_until = ? WHERE id = ? AND state = 'running' AND claimed_by = ? AND attempts = ?",
              {now + settings_.lease_ms, job.id, job.claimed_by, std::int64_t{job.attempts}});
        return ok_status();
      });
    } catch (const std::exception& e) {
      spdlog::warn("jobs: cannot renew the lease of {} #{}: {}", job.kind, job.id, e.what());
    }
  }
  Outcome outcome;
  JobContext ctx(job, db_, clock_);
  static const KindDef unknown{};
  if (!def) {
    outcome = Outcome::retry("no handler for job kind '" + job.kind + "' in this version of kanri");
  } else {
    try {
      outcome = def->handler(ctx);
    } catch (const std::exception& e) {
      outcome = Outcome::retry(std::string("the handler failed: ") + e.what());
    }
  }
  std::string result;
  // Recording the end is retried a few times: a database that was busy for a moment (SQLite's
  // lock held by another process) must not leave the job to wait out its lease.
  for (int attempt = 1; attempt <= 3; ++attempt) {
    try {
      if (outcome.kind == Outcome::Kind::done) {
        if (ctx.finished()) {
          result = "done";
        } else {
          (void)db_.write([&](store::Connection& c) -> Status {
            result = store::finish_job(c, job, clock_.now_ms()) ? "done" : "";
            return ok_status();
          });
        }
      } else {
        EpochMs now = clock_.now_ms();
        KindDef timing = def ? *def : unknown;
        if (settings_.backoff_ms > 0) timing.backoff_ms = settings_.backoff_ms;
        EpochMs at = outcome.retry_at.value_or(Registry::retry_time(timing, job.attempts, now));
        (void)db_.write([&](store::Connection& c) -> Status {
          result = store::fail_job(c, job, outcome.error, now, at, outcome.kind == Outcome::Kind::dead);
          return ok_status();
        });
        if (result == "dead")
          spdlog::warn("jobs: {} #{} is dead after {} attempt(s): {}", job.kind, job.id, job.attempts, outcome.error);
      }
      break;
    } catch (const std::exception& e) {
      spdlog::error("jobs: cannot record the end of {} #{} (try {} of 3): {}", job.kind, job.id, attempt, e.what());
      result = "error";
      std::this_thread::sleep_for(std::chrono::milliseconds(200 * attempt));
    }
  }
  std::lock_guard lock(mu_);
  if (result == "done") ++stats_.done;
  else if (result == "pending") ++stats_.retried;
  else if (result == "dead") ++stats_.dead;
  else if (result.empty()) ++stats_.lost;
  else if (result == "error") ++stats_.errors;
}

int Scheduler::run_due() {
  int ran = 0;
  if (registry_.kinds().empty()) return 0;
  while (true) {
    std::vector<Job> claimed;
    EpochMs now = clock_.now_ms();
    (void)db_.write([&](store::Connection& c) -> Status {
      store::release_expired(c, now);
      claimed = store::claim_jobs(c, settings_.node, now, 16, settings_.lease_ms, registry_.kinds());
      return ok_status();
    });
    if (claimed.empty()) return ran;
    for (auto& j : claimed) {
      run_one(j);
      ++ran;
    }
  }
}

}  // namespace kanri::jobs
