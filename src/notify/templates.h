// The notification templates: web/templates/notify/<event>.<lang>.mustache, plain text whose
// first line is "Subject: …". Loaded once at start-up; every event must have both languages.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace kanri::notify {

struct Rendered {
  std::string subject, body;
};

class Templates {
 public:
  // Throws std::runtime_error naming the file when one is missing or has no subject line.
  explicit Templates(const std::string& dir);
  // Renders the event's template in `language` (English when there is no such language).
  // Values are inserted as they are (plain text, no HTML escaping); a subject is one line.
  Rendered render(const std::string& event, const std::string& language, const nlohmann::json& data) const;
  bool has(const std::string& event) const { return templates_.count(event + ".en") > 0; }

 private:
  std::map<std::string, std::pair<std::string, std::string>> templates_;  // "event.lang" -> subject, body
};

}  // namespace kanri::notify
