#include "core/value.h"

#include <charconv>
#include <cstdlib>

#include <fmt/format.h>

namespace kanri {

std::int64_t as_int(const Value& v, std::int64_t fallback) {
  if (auto* i = std::get_if<std::int64_t>(&v)) return *i;
  if (auto* d = std::get_if<double>(&v)) return static_cast<std::int64_t>(*d);
  if (auto* s = std::get_if<std::string>(&v)) {
    std::int64_t out = fallback;
    std::from_chars(s->data(), s->data() + s->size(), out);
    return out;
  }
  return fallback;
}

double as_double(const Value& v, double fallback) {
  if (auto* d = std::get_if<double>(&v)) return *d;
  if (auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  if (auto* s = std::get_if<std::string>(&v)) return std::strtod(s->c_str(), nullptr);
  return fallback;
}

std::string as_text(const Value& v) {
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  if (auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (auto* d = std::get_if<double>(&v)) return fmt::format("{}", *d);
  return {};
}

}  // namespace kanri
