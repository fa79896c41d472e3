// Who is acting: a user through a session or token, or the system itself (scheduler, init).
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace kanri::engine {

struct Principal {
  std::optional<std::int64_t> user_id;  // empty for the system
  std::string username = "system";
  std::string display_name = "System";
  std::vector<std::string> roles;
  bool administrator = false;
  std::string language = "en";
  std::string ip;

  static Principal system() {
    Principal p;
    p.administrator = true;
    return p;
  }
  bool has_role(const std::string& role) const {
    return std::find(roles.begin(), roles.end(), role) != roles.end();
  }
};

}  // namespace kanri::engine
