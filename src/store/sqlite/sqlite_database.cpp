#include "store/sqlite/sqlite_database.h"

#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <unordered_map>

namespace kanri::store {

constexpr size_t kMaxCachedStatements = 256;

// When the WAL holds this many frames (4 KiB pages), the writer restarts it between batches.
// SQLite starts the WAL file over only when a write begins with every frame copied into the
// database and no reader on an older snapshot; under a steady stream of writes and reads that
// never happens by itself, and the file grew by ~120 MB/s (2.2 GB in 18 s of incident creation),
// every commit writing into newly allocated blocks. 64 MiB keeps the file reused and cached.
constexpr int kWalRestartFrames = 16384;
// A restart waits this long at most for readers of an older snapshot (a long report); writes
// wait meanwhile, so it gives up quickly and tries again after more frames.
constexpr int kWalRestartWaitMs = 20;
constexpr int kBusyTimeoutMs = 10000;

class SqliteConnection final : public Connection {
 public:
  SqliteConnection(const std::string& path, bool read_only) {
    // The page cache is bounded per connection (32 MiB writer, 16 MiB reader) and files are
    // read, not mapped: the operating system's cache holds the rest, outside the process.
    int flags = (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
      std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw StoreError(StoreError::Kind::unavailable, "cannot open SQLite database " + path + ": " + msg);
    }
    sqlite3_busy_timeout(db_, kBusyTimeoutMs);
    sqlite3_extended_result_codes(db_, 1);
    if (!read_only) execute("PRAGMA journal_mode=WAL");
    execute("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;"
            "PRAGMA mmap_size=0");
    execute(read_only ? "PRAGMA cache_size=-16384" : "PRAGMA cache_size=-32768");
  }
  ~SqliteConnection() override {
    for (auto& [_, s] : cache_) sqlite3_finalize(s);
    sqlite3_close(db_);
  }

  Dialect dialect() const override { return Dialect::sqlite; }

  // Counts the frames in the WAL after each commit of this connection (the writer's).
  void watch_wal() {
    sqlite3_wal_hook(
        db_,
        [](void* self, sqlite3*, const char*, int frames) {
          static_cast<SqliteConnection*>(self)->wal_frames_ = frames;
          return SQLITE_OK;
        },
        this);
  }
  int wal_frames() const { return wal_frames_; }

  // Copies the whole WAL into the database and waits (briefly) until no reader uses it, so that
  // the next write starts the WAL file over. Outside a transaction only. False when a reader or
  // the background checkpoint held it up: nothing is lost, the next attempt does it.
  bool restart_wal() {
    sqlite3_busy_timeout(db_, kWalRestartWaitMs);
    bool done = false;
    try {
      Rows r = query("PRAGMA wal_checkpoint(RESTART)", {});
      done = !r.empty() && as_int(r[0][0]) == 0;
      if (done) wal_frames_ = 0;
    } catch (const StoreError&) {
    }
    sqlite3_busy_timeout(db_, kBusyTimeoutMs);
    return done;
  }

  void execute(const std::string& sql) override {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : sqlite3_errmsg(db_);
      sqlite3_free(err);
      throw error_for(sqlite3_extended_errcode(db_), msg + " in: " + sql.substr(0, 200));
    }
  }

  Rows query(const std::string& sql, const std::vector<Value>& params) override {
    sqlite3_stmt* st = prepare(sql, params);
    Rows out;
    int ncol = sqlite3_column_count(st);
    for (int i = 0; i < ncol; ++i) out.columns.emplace_back(sqlite3_column_name(st, i));
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      std::vector<Value> row;
      row.reserve(ncol);
      for (int i = 0; i < ncol; ++i) {
        switch (sqlite3_column_type(st, i)) {
          case SQLITE_INTEGER: row.emplace_back(static_cast<std::int64_t>(sqlite3_column_int64(st, i))); break;
          case SQLITE_FLOAT: row.emplace_back(sqlite3_column_double(st, i)); break;
          case SQLITE_NULL: row.emplace_back(std::monostate{}); break;
          default:
            row.emplace_back(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, i)),
                                         sqlite3_column_bytes(st, i)));
        }
      }
      out.rows.push_back(std::move(row));
    }
    finish(st, rc, sql);
    return out;
  }

  std::int64_t run(const std::string& sql, const std::vector<Value>& params) override {
    sqlite3_stmt* st = prepare(sql, params);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    }
    finish(st, rc, sql);
    return sqlite3_changes64(db_);
  }

 private:
  static StoreError error_for(int code, const std::string& msg) {
    if (code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY)
      return StoreError(StoreError::Kind::unique_violation, msg);
    if ((code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED)
      return StoreError(StoreError::Kind::retry, msg);
    if ((code & 0xff) == SQLITE_CANTOPEN || (code & 0xff) == SQLITE_IOERR || (code & 0xff) == SQLITE_FULL)
      return StoreError(StoreError::Kind::unavailable, msg);
    return StoreError(StoreError::Kind::general, msg);
  }

  sqlite3_stmt* prepare(const std::string& sql, const std::vector<Value>& params) {
    sqlite3_stmt* st;
    auto it = cache_.find(sql);
    if (it != cache_.end()) {
      st = it->second;
    } else {
      // List queries vary with their filters: keep the cache bounded so clients cannot grow it.
      if (cache_.size() >= kMaxCachedStatements) {
        for (auto& [_, s] : cache_) sqlite3_finalize(s);
        cache_.clear();
      }
      if (sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                             &st, nullptr) != SQLITE_OK)
        throw error_for(sqlite3_extended_errcode(db_), std::string(sqlite3_errmsg(db_)) + " in: " + sql);
      cache_.emplace(sql, st);
    }
    if (sqlite3_bind_parameter_count(st) != static_cast<int>(params.size()))
      throw StoreError(StoreError::Kind::general, "wrong number of parameters for: " + sql);
    for (size_t i = 0; i < params.size(); ++i) {
      int idx = static_cast<int>(i) + 1;
      const Value& v = params[i];
      if (auto* n = std::get_if<std::int64_t>(&v)) sqlite3_bind_int64(st, idx, *n);
      else if (auto* d = std::get_if<double>(&v)) sqlite3_bind_double(st, idx, *d);
      else if (auto* s = std::get_if<std::string>(&v)) sqlite3_bind_text(st, idx, s->data(), static_cast<int>(s->size()), SQLITE_STATIC);
      else sqlite3_bind_null(st, idx);
    }
    return st;
  }

  void finish(sqlite3_stmt* st, int rc, const std::string& sql) {
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE) throw error_for(sqlite3_extended_errcode(db_), std::string(sqlite3_errmsg(db_)) + " in: " + sql.substr(0, 200));
  }

  sqlite3* db_ = nullptr;
  int wal_frames_ = 0;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

namespace {

bool is_identifier(const std::string& s) {
  if (s.empty()) return false;
  for (char ch : s)
    if (!(ch == '_' || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))) return false;
  return true;
}

}  // namespace

void SqliteDatabase::apply_search_changes() {
  if (!search_queue_) {
    // Created by `kanri migrate` (store/schema.cpp); until then no trigger queues anything.
    if (writer_->query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'fts_pending'", {}).empty()) return;
    search_queue_ = true;
  }
  Rows rows = writer_->query("SELECT type, rid, op, old_text, new_text FROM fts_pending ORDER BY seq", {});
  if (rows.empty()) return;
  // Per record: the text its index entry had before the batch (the first change's old text,
  // unless the batch inserted it) and the text it has now (the last change's new text, unless
  // the batch deleted it). Removing the old before adding the new keeps FTS5's external-content
  // index exact whatever happened in between.
  struct Net {
    std::optional<Value> before, after;
  };
  std::map<std::pair<std::string, std::int64_t>, Net> net;
  for (auto& r : rows.rows) {
    const std::string op = as_text(r[2]);
    auto [it, first] = net.try_emplace({as_text(r[0]), as_int(r[1])});
    if (first && op != "i") it->second.before = r[3];
    if (op == "d") it->second.after.reset();
    else it->second.after = r[4];
  }
  for (auto& [key, n] : net) {
    if (!n.before || !is_identifier(key.first)) continue;
    writer_->run("INSERT INTO fts_" + key.first + "(fts_" + key.first + ", rowid, search_text) VALUES ('delete', ?, ?)",
                 {key.second, *n.before});
  }
  for (auto& [key, n] : net) {
    if (!n.after || !is_identifier(key.first)) continue;
    writer_->run("INSERT INTO fts_" + key.first + "(rowid, search_text) VALUES (?, ?)", {key.second, *n.after});
  }
  writer_->run("DELETE FROM fts_pending", {});
}

SqliteDatabase::SqliteDatabase(const std::string& path, int read_connections) : path_(path) {
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
  }
  writer_ = std::make_unique<SqliteConnection>(path, false);
  writer_->execute("PRAGMA wal_autocheckpoint=0");
  writer_->watch_wal();
  next_wal_restart_ = kWalRestartFrames;
  for (int i = 0; i < read_connections; ++i) {
    readers_.push_back(std::make_unique<SqliteConnection>(path, true));
    idle_readers_.push_back(readers_.back().get());
  }
  checkpointer_connection_ = std::make_unique<SqliteConnection>(path, false);
  checkpointer_connection_->execute("PRAGMA wal_autocheckpoint=0");
  checkpointer_ = std::thread([this] { run_checkpointer(); });
}

void SqliteDatabase::run_checkpointer() {
  std::unique_lock lock(checkpointer_mutex_);
  while (!stopping_) {
    checkpointer_wake_.wait_for(lock, std::chrono::milliseconds(500));
    if (stopping_) break;
    lock.unlock();
    try {
      // PASSIVE never blocks writers or readers; what it cannot copy now it copies next time.
      checkpointer_connection_->query("PRAGMA wal_checkpoint(PASSIVE)", {});
    } catch (...) {
    }
    lock.lock();
  }
}

SqliteDatabase::~SqliteDatabase() {
  // A clean close checkpoints the WAL so the database file stands alone.
  {
    std::lock_guard lock(checkpointer_mutex_);
    stopping_ = true;
  }
  checkpointer_wake_.notify_all();
  if (checkpointer_.joinable()) checkpointer_.join();
  checkpointer_connection_.reset();
  readers_.clear();
  try {
    writer_->execute("PRAGMA optimize; PRAGMA wal_checkpoint(TRUNCATE)");
  } catch (...) {
  }
}

Status SqliteDatabase::write(const std::function<Status(Connection&)>& work) {
  PendingWrite me;
  me.work = &work;
  std::unique_lock lock(queue_mutex_);
  queue_.push_back(&me);
  while (!me.done) {
    if (leader_active_) {
      me.wake.wait(lock);
      continue;
    }
    // This thread leads: it commits everything queued so far, its own write included.
    leader_active_ = true;
    constexpr size_t kMaxBatch = 128;
    std::vector<PendingWrite*> batch;
    while (!queue_.empty() && batch.size() < kMaxBatch) {
      batch.push_back(queue_.front());
      queue_.pop_front();
    }
    lock.unlock();
    if (writer_->wal_frames() >= next_wal_restart_) {
      // Between batches, so no transaction is open; a failed attempt waits for more frames.
      next_wal_restart_ = writer_->restart_wal() ? kWalRestartFrames : writer_->wal_frames() + kWalRestartFrames / 4;
    }
    commit_batch(batch);
    lock.lock();
    leader_active_ = false;
    for (auto* p : batch) {
      p->done = true;
      if (p != &me) p->wake.notify_one();
    }
    if (!queue_.empty()) queue_.front()->wake.notify_one();  // the next batch's leader
  }
  if (me.failure) std::rethrow_exception(me.failure);
  return std::move(*me.result);
}

void SqliteDatabase::commit_batch(std::vector<PendingWrite*>& batch) {
  auto rollback = [&] {
    try {
      writer_->run("ROLLBACK", {});
    } catch (...) {
    }
  };
  try {
    // Prepared once (run, not execute): parsing these per write was 2 % of the server's CPU.
    writer_->run("BEGIN IMMEDIATE", {});
  } catch (...) {
    for (auto* p : batch) p->failure = std::current_exception();
    return;
  }
  const bool alone = batch.size() == 1;
  bool any_ok = false;
  try {
    for (auto* p : batch) {
      if (!alone) writer_->run("SAVEPOINT w", {});
      try {
        p->result = (*p->work)(*writer_);
      } catch (...) {
        p->failure = std::current_exception();
      }
      bool ok = !p->failure && p->result->ok();
      any_ok = any_ok || ok;
      if (!alone) {
        if (!ok) writer_->run("ROLLBACK TO w", {});
        writer_->run("RELEASE w", {});
      }
    }
  } catch (...) {
    // The transaction itself broke (SQLite may roll it back on I/O errors): none of it stands.
    auto failure = std::current_exception();
    rollback();
    for (auto* p : batch) {
      p->result.reset();
      if (!p->failure) p->failure = failure;
    }
    return;
  }
  if (!any_ok) {
    rollback();
    return;
  }
  try {
    apply_search_changes();
    writer_->run("COMMIT", {});
  } catch (...) {
    // Nothing of the batch was stored: every write that thought it succeeded must hear so.
    auto failure = std::current_exception();
    rollback();
    for (auto* p : batch)
      if (!p->failure) p->failure = failure;
  }
}

void SqliteDatabase::read(const std::function<void(Connection&)>& work) {
  SqliteConnection* c;
  {
    std::unique_lock lock(read_mutex_);
    reader_available_.wait(lock, [&] { return !idle_readers_.empty(); });
    c = idle_readers_.back();
    idle_readers_.pop_back();
  }
  struct Return {
    SqliteDatabase* db;
    SqliteConnection* c;
    ~Return() {
      {
        std::lock_guard lock(db->read_mutex_);
        db->idle_readers_.push_back(c);
      }
      db->reader_available_.notify_one();
    }
  } give_back{this, c};
  work(*c);
}

}  // namespace kanri::store
