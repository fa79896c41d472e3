// The database interface every layer above the store uses. Two back ends implement it:
// SQLite (embedded, default) and PostgreSQL. SQL is written once, with `?` placeholders;
// the back ends adapt what must differ, and Dialect says which one is underneath for the
// few DDL statements that cannot be shared.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/value.h"

namespace kanri::store {

enum class Dialect { sqlite, postgres };

// Unexpected database failures. Expected outcomes (no row, version mismatch) are not errors.
class StoreError : public std::runtime_error {
 public:
  enum class Kind { general, unique_violation, unavailable, retry };
  StoreError(Kind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

// Every row of a result, materialized; columns in SELECT order.
struct Rows {
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> rows;
  bool empty() const { return rows.empty(); }
  size_t size() const { return rows.size(); }
  const std::vector<Value>& operator[](size_t i) const { return rows[i]; }
};

// What a write transaction may defer to its commit (PostgreSQL): the journal head and the
// number sequences are read and locked once, then written once, instead of once per record.
// PostgreSQL keeps every version of a row updated within one transaction, so 25,000 updates of
// the journal head in one import made each next update walk a longer chain (113 s instead of
// 18 s for the ServiceNow log). SQLite has no such cost and never defers.
struct DeferredWrites {
  bool head_loaded = false;
  std::int64_t head_seq = 0;
  std::string head_hash;
  std::map<std::string, std::int64_t> sequences;  // type name -> the last number handed out
  void clear() { *this = DeferredWrites{}; }
};

// One connection, used by one thread at a time. Statements are prepared once per connection
// and cached by their SQL text, so callers simply pass the same text again.
class Connection {
 public:
  virtual ~Connection() = default;
  virtual Dialect dialect() const = 0;
  // Runs SQL without parameters or results (DDL, several statements separated by ';').
  virtual void execute(const std::string& sql) = 0;
  // Runs one statement with `?` placeholders bound in order; returns all result rows.
  virtual Rows query(const std::string& sql, const std::vector<Value>& params = {}) = 0;
  // Runs one statement; returns how many rows it changed.
  virtual std::int64_t run(const std::string& sql, const std::vector<Value>& params = {}) = 0;
  // Inside a write transaction of a back end that defers (PostgreSQL): what to write at its
  // commit (store/journal.cpp and RecordStore::assign_number use it); null otherwise.
  virtual DeferredWrites* deferred() { return nullptr; }
};

// Writes what the transaction deferred (the journal head, the sequences) and forgets it; the
// back end calls it just before COMMIT.
void flush_deferred(Connection& c);

class Database {
 public:
  virtual ~Database() = default;

  // Opens "sqlite:///abs/path.db", "sqlite://relative/path.db" or "postgresql://…".
  // Throws StoreError(unavailable) with the reason when the database cannot be reached.
  static std::unique_ptr<Database> open(const std::string& url, int read_connections = 4);

  virtual Dialect dialect() const = 0;

  // Runs `work` in one write transaction. Commits when it returns ok; rolls back when it
  // returns an error or throws (and rethrows). Writes are serialized on SQLite.
  virtual Status write(const std::function<Status(Connection&)>& work) = 0;

  // Runs `work` on a connection for reads (a consistent snapshot per statement).
  virtual void read(const std::function<void(Connection&)>& work) = 0;

  // A short description for logs: "sqlite /path/kanri.db", "postgresql 127.0.0.1:5432/kanri".
  virtual std::string describe() const = 0;
};

}  // namespace kanri::store
