// application/x-www-form-urlencoded bodies (what an HTML form posts), decoded.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kanri::http {

// The name=value pairs of a form body in order, '+' and %XX decoded. False when the body is
// not well formed (a bad escape) or does not decode to UTF-8.
bool parse_form(std::string_view body, std::vector<std::pair<std::string, std::string>>& out);
// The first value named `name`, or "".
std::string form_value(const std::vector<std::pair<std::string, std::string>>& form, std::string_view name);

}  // namespace kanri::http
