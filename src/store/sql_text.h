// Small pieces of SQL text shared by the store's modules.
#pragma once

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

}  // namespace kanri::store
