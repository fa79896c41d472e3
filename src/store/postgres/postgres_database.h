// The scale-out back end: a pool of libpq connections, each with its own prepared-statement
// cache. Writes run in READ COMMITTED transactions and are retried on serialization failures.
#pragma once

#include <condition_variable>
#include <mutex>
#include <vector>

#include "store/database.h"

namespace kanri::store {

class PostgresConnection;

class PostgresDatabase final : public Database {
 public:
  PostgresDatabase(const std::string& url, int pool_size);
  ~PostgresDatabase() override;

  Dialect dialect() const override { return Dialect::postgres; }
  Status write(const std::function<Status(Connection&)>& work) override;
  void read(const std::function<void(Connection&)>& work) override;
  std::string describe() const override;

 private:
  std::unique_ptr<PostgresConnection> acquire();
  void release(std::unique_ptr<PostgresConnection> c);

  std::string url_;
  size_t max_connections_;
  size_t open_ = 0;
  std::vector<std::unique_ptr<PostgresConnection>> idle_;
  std::mutex mutex_;
  std::condition_variable available_;
};

}  // namespace kanri::store
