#include "store/database.h"

#include "store/postgres/postgres_database.h"
#include "store/sqlite/sqlite_database.h"

namespace kanri::store {

void flush_deferred(Connection& c) {
  DeferredWrites* d = c.deferred();
  if (!d) return;
  if (d->head_loaded) c.run("UPDATE journal_head SET seq = ?, hash = ? WHERE id = 1", {d->head_seq, d->head_hash});
  for (auto& [name, value] : d->sequences) c.run("UPDATE sequences SET value = ? WHERE name = ?", {value, name});
  d->clear();
}

std::unique_ptr<Database> Database::open(const std::string& url, int read_connections) {
  if (url.rfind("sqlite://", 0) == 0) {
    std::string path = url.substr(9);
    if (path.empty()) throw StoreError(StoreError::Kind::unavailable, "sqlite URL has no path: " + url);
    return std::make_unique<SqliteDatabase>(path, read_connections);
  }
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0)
    return std::make_unique<PostgresDatabase>(url, read_connections);
  throw StoreError(StoreError::Kind::unavailable,
                   "unsupported database URL '" + url +
                       "' (use sqlite:///path/kanri.db or postgresql://user@host:port/db)");
}

}  // namespace kanri::store
