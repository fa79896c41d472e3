// Small pieces of SQL text shared by the store's modules.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/value.h"

namespace kanri::store {

// "?, ?, ?" for `values`, which are appended to `params` in order: for `IN (...)`.
template <class T>
std::string in_list(const std::vector<T>& values, std::vector<Value>& params) {
  std::string out;
  out.reserve(values.size() * 3);
  for (const auto& v : values) {
    out += out.empty() ? "?" : ", ?";
    params.emplace_back(v);
  }
  return out;
}

// A nullable integer column, both ways.
inline Value opt(const std::optional<std::int64_t>& v) { return v ? Value(*v) : Value(); }
inline std::optional<std::int64_t> opt_int(const Value& v) {
  if (is_null(v)) return std::nullopt;
  return as_int(v);
}

// How many rows a set-based statement on PostgreSQL carries as its one JSON parameter
// (json_to_recordset): a round trip per this many rows instead of one per row.
constexpr std::size_t kRowsPerStatement = 5000;

}  // namespace kanri::store
