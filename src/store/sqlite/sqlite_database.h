// The embedded back end: one writer connection (BEGIN IMMEDIATE, serialized by a mutex) and a
// pool of reader connections, all in WAL mode so readers never wait for the writer.
#pragma once

#include <condition_variable>
#include <mutex>
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
  std::string path_;
  std::unique_ptr<SqliteConnection> writer_;
  std::mutex write_mutex_;
  std::vector<std::unique_ptr<SqliteConnection>> readers_;
  std::vector<SqliteConnection*> idle_readers_;
  std::mutex read_mutex_;
  std::condition_variable reader_available_;
};

}  // namespace kanri::store
