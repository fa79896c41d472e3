#include "store/postgres/postgres_database.h"

#include <libpq-fe.h>

#include <cstring>
#include <unordered_map>

#include <fmt/format.h>

namespace kanri::store {

namespace {

// `?` placeholders to `$1..$n`, leaving quoted strings and identifiers alone.
std::string number_placeholders(const std::string& sql, int& count) {
  std::string out;
  out.reserve(sql.size() + 16);
  count = 0;
  char quote = 0;
  for (char c : sql) {
    if (quote) {
      if (c == quote) quote = 0;
      out += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      out += c;
    } else if (c == '?') {
      out += '$';
      out += std::to_string(++count);
    } else {
      out += c;
    }
  }
  return out;
}

constexpr Oid kBool = 16, kInt8 = 20, kInt2 = 21, kInt4 = 23, kFloat4 = 700, kFloat8 = 701, kNumeric = 1700;

}  // namespace

class PostgresConnection final : public Connection {
 public:
  explicit PostgresConnection(const std::string& url) {
    conn_ = PQconnectdb(url.c_str());
    if (PQstatus(conn_) != CONNECTION_OK) {
      std::string msg = PQerrorMessage(conn_);
      PQfinish(conn_);
      throw StoreError(StoreError::Kind::unavailable, "cannot connect to PostgreSQL: " + msg);
    }
    PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
    // Prepared statements would switch to a generic plan after five runs; with skewed data
    // (a common search word, a frequent enum value) that plan can be a thousand times slower
    // than the one for the actual values. Planning each run costs far less.
    execute("SET client_encoding = 'UTF8'; SET TIME ZONE 'UTC'; SET plan_cache_mode = force_custom_plan");
  }
  ~PostgresConnection() override { PQfinish(conn_); }

  bool healthy() const { return PQstatus(conn_) == CONNECTION_OK; }
  Dialect dialect() const override { return Dialect::postgres; }
  DeferredWrites* deferred() override { return in_write_ ? &deferred_ : nullptr; }
  // Starts or ends deferring for a write transaction; what was deferred is dropped either way.
  void set_writing(bool on) {
    in_write_ = on;
    deferred_.clear();
  }

  void execute(const std::string& sql) override {
    PGresult* r = PQexec(conn_, sql.c_str());
    check(r, sql);
    PQclear(r);
  }

  Rows query(const std::string& sql, const std::vector<Value>& params) override {
    PGresult* r = exec_prepared(sql, params);
    Rows out;
    int ncol = PQnfields(r), nrow = PQntuples(r);
    std::vector<Oid> types(ncol);
    for (int i = 0; i < ncol; ++i) {
      out.columns.emplace_back(PQfname(r, i));
      types[i] = PQftype(r, i);
    }
    out.rows.reserve(nrow);
    for (int row = 0; row < nrow; ++row) {
      std::vector<Value> values;
      values.reserve(ncol);
      for (int i = 0; i < ncol; ++i) {
        if (PQgetisnull(r, row, i)) {
          values.emplace_back(std::monostate{});
          continue;
        }
        const char* text = PQgetvalue(r, row, i);
        switch (types[i]) {
          case kInt8: case kInt2: case kInt4: values.emplace_back(static_cast<std::int64_t>(std::strtoll(text, nullptr, 10))); break;
          case kFloat4: case kFloat8: case kNumeric: values.emplace_back(std::strtod(text, nullptr)); break;
          case kBool: values.emplace_back(static_cast<std::int64_t>(text[0] == 't')); break;
          default: values.emplace_back(std::string(text, PQgetlength(r, row, i)));
        }
      }
      out.rows.push_back(std::move(values));
    }
    PQclear(r);
    return out;
  }

  std::int64_t run(const std::string& sql, const std::vector<Value>& params) override {
    PGresult* r = exec_prepared(sql, params);
    std::int64_t n = std::strtoll(PQcmdTuples(r), nullptr, 10);
    PQclear(r);
    return n;
  }

 private:
  struct Prepared {
    std::string name;
    int params;
  };

  PGresult* exec_prepared(const std::string& sql, const std::vector<Value>& params) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
      // List queries vary with their filters: keep the cache bounded so clients cannot grow it.
      if (cache_.size() >= 256) {
        execute("DEALLOCATE ALL");
        cache_.clear();
      }
      int count;
      std::string numbered = number_placeholders(sql, count);
      std::string name = "k" + std::to_string(++prepared_count_);
      PGresult* r = PQprepare(conn_, name.c_str(), numbered.c_str(), 0, nullptr);
      check(r, sql);
      PQclear(r);
      it = cache_.emplace(sql, Prepared{name, count}).first;
    }
    if (it->second.params != static_cast<int>(params.size()))
      throw StoreError(StoreError::Kind::general, "wrong number of parameters for: " + sql);
    std::vector<std::string> text(params.size());
    std::vector<const char*> values(params.size());
    for (size_t i = 0; i < params.size(); ++i) {
      const Value& v = params[i];
      if (auto* n = std::get_if<std::int64_t>(&v)) text[i] = std::to_string(*n);
      else if (auto* d = std::get_if<double>(&v)) text[i] = fmt::format("{}", *d);
      else if (auto* s = std::get_if<std::string>(&v)) text[i] = *s;
      values[i] = is_null(v) ? nullptr : text[i].c_str();
    }
    PGresult* r = PQexecPrepared(conn_, it->second.name.c_str(), static_cast<int>(params.size()),
                                 values.data(), nullptr, nullptr, 0);
    check(r, sql);
    return r;
  }

  void check(PGresult* r, const std::string& sql) {
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY) return;
    const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    std::string code = state ? state : "";
    std::string msg = PQresultErrorMessage(r);
    PQclear(r);
    auto kind = StoreError::Kind::general;
    if (code == "23505") kind = StoreError::Kind::unique_violation;
    else if (code == "40001" || code == "40P01") kind = StoreError::Kind::retry;
    else if (PQstatus(conn_) != CONNECTION_OK || code.rfind("08", 0) == 0 || code.rfind("57P", 0) == 0)
      kind = StoreError::Kind::unavailable;
    throw StoreError(kind, msg + " in: " + sql.substr(0, 200));
  }

  PGconn* conn_ = nullptr;
  bool in_write_ = false;
  DeferredWrites deferred_;
  std::unordered_map<std::string, Prepared> cache_;
  std::uint64_t prepared_count_ = 0;
};

PostgresDatabase::PostgresDatabase(const std::string& url, int pool_size)
    : url_(url), max_connections_(static_cast<size_t>(pool_size < 2 ? 2 : pool_size) + 4) {
  release(std::make_unique<PostgresConnection>(url_));  // fail now, not at the first request
  open_ = 1;
}

PostgresDatabase::~PostgresDatabase() = default;

std::string PostgresDatabase::describe() const {
  // Never the URL itself: it may carry a password.
  PGconn* probe = PQconnectStart(url_.c_str());
  std::string out = "postgresql";
  if (probe) {
    if (const char* h = PQhost(probe)) out += std::string(" ") + h;
    if (const char* p = PQport(probe)) out += std::string(":") + p;
    if (const char* d = PQdb(probe)) out += std::string("/") + d;
    PQfinish(probe);
  }
  return out;
}

std::unique_ptr<PostgresConnection> PostgresDatabase::acquire() {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      if (c->healthy()) return c;
      --open_;
      continue;
    }
    if (open_ < max_connections_) {
      ++open_;
      lock.unlock();
      try {
        return std::make_unique<PostgresConnection>(url_);
      } catch (...) {
        {
          std::lock_guard again(mutex_);
          --open_;
        }
        available_.notify_one();  // the freed slot may serve a waiting request
        throw;
      }
    }
    available_.wait(lock);
  }
}

void PostgresDatabase::release(std::unique_ptr<PostgresConnection> c) {
  {
    std::lock_guard lock(mutex_);
    if (c->healthy()) idle_.push_back(std::move(c));
    else --open_;
  }
  available_.notify_one();
}

Status PostgresDatabase::write(const std::function<Status(Connection&)>& work) {
  for (int attempt = 1;; ++attempt) {
    auto c = acquire();
    try {
      c->execute("BEGIN");
      c->set_writing(true);
      Status s = work(*c);
      if (s.ok()) flush_deferred(*c);
      c->set_writing(false);
      c->execute(s.ok() ? "COMMIT" : "ROLLBACK");
      release(std::move(c));
      return s;
    } catch (const StoreError& e) {
      c->set_writing(false);
      try {
        c->execute("ROLLBACK");
      } catch (...) {
      }
      release(std::move(c));
      if (e.kind() != StoreError::Kind::retry || attempt >= 5) throw;
    } catch (...) {
      c->set_writing(false);
      try {
        c->execute("ROLLBACK");
      } catch (...) {
      }
      release(std::move(c));
      throw;
    }
  }
}

void PostgresDatabase::read(const std::function<void(Connection&)>& work) {
  auto c = acquire();
  try {
    work(*c);
  } catch (...) {
    release(std::move(c));
    throw;
  }
  release(std::move(c));
}

}  // namespace kanri::store
