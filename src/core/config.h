// Settings of one Kanri installation: from kanri.toml, then overridden by KANRI_* variables.
#pragma once

#include <cstddef>
#include <string>

namespace kanri {

struct Config {
  std::string database = "sqlite://./var/kanri.db";  // KANRI_DATABASE
  std::string listen = "127.0.0.1:8080";              // KANRI_LISTEN
  std::string share_dir;                              // KANRI_SHARE_DIR: holds model/ and i18n/
  std::string model_dir;                              // KANRI_MODEL_DIR, default share_dir/model
  std::string extra_model_file;                       // KANRI_MODEL_EXTRA: an organization's additions
  std::size_t max_body_bytes = 1 << 20;               // KANRI_MAX_BODY_BYTES
  int http_threads = 32;                              // KANRI_HTTP_THREADS
  int read_connections = 4;                           // KANRI_READ_CONNECTIONS
  std::string log_level = "info";                     // KANRI_LOG_LEVEL

  // Reads `path` (KANRI_CONFIG, default ./kanri.toml) when it exists, then the environment.
  // Throws std::runtime_error naming the file and line for a malformed file.
  static Config load();
  std::string i18n_dir() const { return share_dir + "/i18n"; }
};

}  // namespace kanri
