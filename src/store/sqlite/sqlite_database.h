// The embedded back end: one writer connection and a pool of reader connections, in WAL mode
// so readers never wait for the writer. Commits are durable (synchronous=FULL: the WAL is
// synced before a write is acknowledged); concurrent writes share one commit (group commit),
// each isolated in its own savepoint, so durability does not cost throughput.
#pragma once

#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "store/database.h"

struct sqlite3;

namespace kanri::store {

class SqliteConnection;

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(const std::string& path, int read_connections);
  ~SqliteDatabase() override;

  Dialect dialect() const override { return Dialect::sqlite; }
  Status write(const std::function<Status(Connection&)>& work) override;
  void read(const std::function<void(Connection&)>& work) override;
  std::string describe() const override { return "sqlite " + path_; }

 private:
  struct PendingWrite {
    const std::function<Status(Connection&)>* work = nullptr;
    std::optional<Status> result;
    std::exception_ptr failure;
    bool done = false;
    std::condition_variable wake;  // one per waiter: a finished batch wakes only its own writers
  };
  void commit_batch(std::vector<PendingWrite*>& batch);
  // Applies the batch's queued search-index changes (table fts_pending, see store/schema.cpp)
  // inside its transaction, outside every write's savepoint.
  void apply_search_changes();

  // Copies committed WAL pages into the database file on its own connection and thread, so a
  // commit never pays for a checkpoint.
  void run_checkpointer();

  std::string path_;
  std::unique_ptr<SqliteConnection> writer_;
  std::unique_ptr<SqliteConnection> checkpointer_connection_;
  std::thread checkpointer_;
  std::mutex checkpointer_mutex_;
  std::condition_variable checkpointer_wake_;
  bool stopping_ = false;
  std::mutex queue_mutex_;
  std::deque<PendingWrite*> queue_;
  bool leader_active_ = false;
  bool search_queue_ = false;  // whether fts_pending exists (checked until it does)
  int next_wal_restart_ = 0;  // WAL frames at which the leader restarts the WAL (set at open)
  std::vector<std::unique_ptr<SqliteConnection>> readers_;
  std::vector<SqliteConnection*> idle_readers_;
  std::mutex read_mutex_;
  std::condition_variable reader_available_;
};

}  // namespace kanri::store
