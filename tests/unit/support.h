// What the unit tests that need a database share: a clock that stands still, the rule
// registry, the real model, and a temporary SQLite database with the schema applied.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "engine/rules.h"
#include "model/loader.h"
#include "processes/registry.h"
#include "store/database.h"
#include "store/schema.h"

namespace kanri {

inline constexpr EpochMs kStart = 1775001600000;  // 2026-04-01T00:00:00Z
inline constexpr EpochMs kDay = 86400000;

class FakeClock final : public Clock {
 public:
  EpochMs now = kStart;
  EpochMs now_ms() const override { return now; }
};

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline const engine::RuleRegistry& rules() {
  static const engine::RuleRegistry r = [] {
    engine::RuleRegistry reg;
    processes::register_all(reg);
    return reg;
  }();
  return r;
}

// The real model files' text, so tests can load variants of them.
inline std::vector<std::pair<std::string, std::string>> real_model_files() {
  const std::string dir = std::string(KANRI_SOURCE_DIR) + "/model/";
  // The service (second, as tests that edit it expect) refers to its service hours' calendar
  // and its importance scheme.
  return {{dir + "organization.toml", read_text(dir + "organization.toml")},
          {dir + "service.toml", read_text(dir + "service.toml")},
          {dir + "business_calendar.toml", read_text(dir + "business_calendar.toml")},
          {dir + "importance_scheme.toml", read_text(dir + "importance_scheme.toml")}};
}

inline std::unique_ptr<model::Catalogue> load_catalogue(const std::vector<std::pair<std::string, std::string>>& files) {
  model::LoadResult r = model::load_model_text(files, rules().names());
  std::string errors;
  for (auto& e : r.errors) errors += e.to_string() + "\n";
  EXPECT_TRUE(r.errors.empty()) << errors;
  return std::move(r.catalogue);
}

// A database file in the temporary directory, deleted (with its WAL files) afterwards.
class TempDatabase {
 public:
  TempDatabase() {
    static std::atomic<int> counter{0};
    path_ = (std::filesystem::temp_directory_path() /
             ("kanri_store_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + ".db"))
                .string();
    remove_files();
    db_ = store::Database::open("sqlite://" + path_, 2);
  }
  ~TempDatabase() {
    db_.reset();
    remove_files();
  }
  store::Database& db() { return *db_; }
  const std::string& path() const { return path_; }

 private:
  void remove_files() {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(path_ + suffix, ec);
  }
  std::string path_;
  std::unique_ptr<store::Database> db_;
};


// A test with the real model loaded once per suite and a fresh, migrated database per test.
class DatabaseTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { catalogue_ = load_catalogue(real_model_files()).release(); }
  static void TearDownTestSuite() {
    delete catalogue_;
    catalogue_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(catalogue_, nullptr);
    ASSERT_TRUE(store::apply_schema(tmp_.db(), *catalogue_, nullptr).ok());
  }

  static inline model::Catalogue* catalogue_ = nullptr;
  FakeClock clock_;
  TempDatabase tmp_;
};

}  // namespace kanri
