#include "core/config.h"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include <toml++/toml.h>

namespace kanri {

namespace {
const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}
}  // namespace

Config Config::load() {
  Config c;
  c.share_dir = KANRI_DEFAULT_SHARE_DIR;
  std::string path = env("KANRI_CONFIG") ? env("KANRI_CONFIG") : "kanri.toml";
  if (std::filesystem::exists(path)) {
    toml::table t;
    try {
      t = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
      throw std::runtime_error(path + ":" + std::to_string(e.source().begin.line) + ": " +
                               std::string(e.description()));
    }
    c.database = t["database"]["url"].value_or(c.database);
    c.read_connections = t["database"]["read_connections"].value_or(c.read_connections);
    c.listen = t["server"]["listen"].value_or(c.listen);
    c.http_threads = t["server"]["threads"].value_or(c.http_threads);
    c.max_body_bytes = t["server"]["max_body_bytes"].value_or(static_cast<int64_t>(c.max_body_bytes));
    c.share_dir = t["paths"]["share"].value_or(c.share_dir);
    c.model_dir = t["paths"]["model"].value_or(c.model_dir);
    c.extra_model_file = t["paths"]["model_extra"].value_or(c.extra_model_file);
    c.log_level = t["log"]["level"].value_or(c.log_level);
  } else if (env("KANRI_CONFIG")) {
    throw std::runtime_error(path + ": configuration file not found");
  }
  if (auto v = env("KANRI_DATABASE")) c.database = v;
  if (auto v = env("KANRI_LISTEN")) c.listen = v;
  if (auto v = env("KANRI_SHARE_DIR")) c.share_dir = v;
  if (auto v = env("KANRI_MODEL_DIR")) c.model_dir = v;
  if (auto v = env("KANRI_MODEL_EXTRA")) c.extra_model_file = v;
  if (auto v = env("KANRI_MAX_BODY_BYTES")) c.max_body_bytes = std::strtoull(v, nullptr, 10);
  if (auto v = env("KANRI_HTTP_THREADS")) c.http_threads = std::atoi(v);
  if (auto v = env("KANRI_READ_CONNECTIONS")) c.read_connections = std::atoi(v);
  if (auto v = env("KANRI_LOG_LEVEL")) c.log_level = v;
  if (c.model_dir.empty()) c.model_dir = c.share_dir + "/model";
  if (c.http_threads < 1 || c.read_connections < 1 || c.max_body_bytes < 1024)
    throw std::runtime_error("configuration: threads and connections must be >= 1, max_body_bytes >= 1024");
  return c;
}

}  // namespace kanri
