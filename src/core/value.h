// A database-neutral scalar: what a column holds and what a statement binds.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

namespace kanri {

// NULL, a 64-bit integer (also booleans, epoch milliseconds, durations), a double, or UTF-8 text.
using Value = std::variant<std::monostate, std::int64_t, double, std::string>;

inline bool is_null(const Value& v) { return std::holds_alternative<std::monostate>(v); }

// The integer in `v`; a double is truncated, text is parsed, NULL gives `fallback`.
std::int64_t as_int(const Value& v, std::int64_t fallback = 0);
// The double in `v`; NULL gives `fallback`.
double as_double(const Value& v, double fallback = 0.0);
// The text form of `v`; NULL gives "".
std::string as_text(const Value& v);

}  // namespace kanri
