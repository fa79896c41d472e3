// The durable job queue: jobs are rows, written in the same transaction as the change that
// causes them, so a job exists if and only if its cause committed. Workers claim due jobs
// (FOR UPDATE SKIP LOCKED on PostgreSQL, so several nodes never claim the same one; on SQLite
// the single writer serializes claims), hold them under a lease, and finish them fenced by
// their claim: a worker whose lease ran out and whose job was claimed again cannot finish it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/time.h"
#include "store/database.h"

namespace kanri::store {

struct JobSpec {
  std::string kind;
  nlohmann::json payload = nlohmann::json::object();
  EpochMs due_at = 0;        // when it may run
  std::string key;           // names a timer: at most one pending job per key; empty = none
  std::optional<std::int64_t> org_id;
  int max_attempts = 8;
};

struct Job {
  std::int64_t id = 0;
  std::string kind;
  std::string key;
  nlohmann::json payload;
  std::optional<std::int64_t> org_id;
  std::string state;        // pending, running, done, cancelled, dead
  EpochMs due_at = 0;
  int attempts = 0;         // claims so far, this one included
  int max_attempts = 0;
  std::string last_error;
  std::string claimed_by;
  std::optional<EpochMs> lease_until;
  EpochMs created_at = 0, updated_at = 0;
  std::optional<EpochMs> finished_at;
};

// Adds a job. With a key, a pending job of that key is moved to the new time and payload
// instead (a timer that the record's change moved). Returns the job's id.
std::int64_t schedule_job(Connection& c, const JobSpec& spec, EpochMs now);
// Cancels the pending job of this key, if any; returns whether there was one.
bool cancel_job(Connection& c, const std::string& key, EpochMs now);
// The pending jobs of these keys that there are, in no order (on PostgreSQL a statement per
// kRowsPerStatement keys, on SQLite a read of the key's index each).
std::vector<Job> pending_jobs(Connection& c, const std::vector<std::string>& keys);
// The keys of the jobs of `kind` that a worker is running now (a few: at most one per worker;
// read through the index of running jobs).
std::vector<std::string> running_job_keys(Connection& c, const std::string& kind);

struct TimerMove {
  std::string key;
  nlohmann::json payload;  // as schedule_job wrote it
  EpochMs due_at = 0;
};
// Brings the pending job of each move's key, of `kind` and with the move's payload, forward to
// the move's `due_at`, its payload as it is (one column, where schedule_job rewrites the row; on
// PostgreSQL a statement per kRowsPerStatement moves). Returns the positions in `moves` of
// those it did not move: no such job pending, or due by then already.
std::vector<std::size_t> move_timers_sooner(Connection& c, const std::string& kind, const std::vector<TimerMove>& moves,
                                            EpochMs now);

// Claims up to `limit` jobs due at `now`, earliest first, for `node` until `now + lease_ms`;
// only of `kinds` when given (a node claims only what it can run, so a rolling upgrade does not
// spend a newer kind's attempts on older nodes).
std::vector<Job> claim_jobs(Connection& c, const std::string& node, EpochMs now, int limit, std::int64_t lease_ms,
                            const std::vector<std::string>& kinds = {});
// The earliest due time of a pending job, if there is one (one index read).
std::optional<EpochMs> next_due(Connection& c);
// Ends a claimed job: done. False when the claim was lost (the lease ran out and it was
// claimed again), in which case the caller's transaction must roll back.
bool finish_job(Connection& c, const Job& job, EpochMs now);
// Records a failed attempt: pending again at `retry_at`, or dead when no attempts are left
// (or `permanent`); cancelled when a newer timer of its key is pending. Returns the new
// state, or empty when the claim was lost.
std::string fail_job(Connection& c, const Job& job, const std::string& error, EpochMs now, EpochMs retry_at,
                     bool permanent);
// Returns running jobs whose lease ran out (their node crashed or stalled) to pending; they
// count the attempt they used. Returns how many.
std::int64_t release_expired(Connection& c, EpochMs now);
// Deletes done and cancelled jobs that finished before `before`; dead jobs stay until an
// administrator retries or discards them.
std::int64_t purge_finished(Connection& c, EpochMs before, int limit);

// For administrators.
struct JobFilter {
  std::string state;   // empty = every state
  std::string kind;
  std::string key;
  std::int64_t before_id = 0;  // keyset: ids below this; 0 = from the newest
  int limit = 50;
};
std::vector<Job> list_jobs(Connection& c, const JobFilter& f);
std::optional<Job> get_job(Connection& c, std::int64_t id);
// Counts per kind and state, for pending, running and dead (done and cancelled are history).
struct QueueCount {
  std::string kind, state;
  std::int64_t count = 0;
  std::optional<EpochMs> oldest_due;
};
std::vector<QueueCount> queue_counts(Connection& c);
// A dead (or cancelled) job runs again from now with as many attempts again.
bool retry_job(Connection& c, std::int64_t id, EpochMs now);
// A pending or dead job is cancelled (kept, for the record).
bool discard_job(Connection& c, std::int64_t id, EpochMs now);

nlohmann::json job_json(const Job& j);

}  // namespace kanri::store
