#include "http/form.h"

#include "core/text.h"

namespace kanri::http {

namespace {

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool decode(std::string_view in, std::string& out) {
  out.clear();
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= in.size() + 0 && i + 2 > in.size() - 1 + 1) return false;
      if (i + 2 >= in.size() + 1) return false;
      int hi = i + 1 < in.size() ? hex(in[i + 1]) : -1, lo = i + 2 < in.size() ? hex(in[i + 2]) : -1;
      if (hi < 0 || lo < 0) return false;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return is_valid_utf8(out);
}

}  // namespace

bool parse_form(std::string_view body, std::vector<std::pair<std::string, std::string>>& out) {
  out.clear();
  size_t pos = 0;
  while (pos < body.size()) {
    size_t amp = body.find('&', pos);
    if (amp == std::string_view::npos) amp = body.size();
    std::string_view part = body.substr(pos, amp - pos);
    pos = amp + 1;
    if (part.empty()) continue;
    size_t eq = part.find('=');
    std::string name, value;
    if (!decode(part.substr(0, eq), name)) return false;
    if (eq != std::string_view::npos && !decode(part.substr(eq + 1), value)) return false;
    out.emplace_back(std::move(name), std::move(value));
  }
  return true;
}

std::string form_value(const std::vector<std::pair<std::string, std::string>>& form, std::string_view name) {
  for (auto& [k, v] : form)
    if (k == name) return v;
  return "";
}

}  // namespace kanri::http
