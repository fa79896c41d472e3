// Small builders of OpenAPI objects shared by the files that describe the API's parts.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace kanri::api::oas {

using nlohmann::json;

inline json sref(const std::string& name) { return {{"$ref", "#/components/schemas/" + name}}; }
// A problem+json response.
inline json problem(const std::string& d) {
  return {{"description", d},
          {"content", {{"application/problem+json", {{"schema", sref("Problem")}}}}}};
}
inline json ok_json(const std::string& d, json schema) {
  return {{"description", d}, {"content", {{"application/json", {{"schema", std::move(schema)}}}}}};
}
// {"items": [<name>…]}, with next_cursor when `cursor`.
inline json items_of(const std::string& name, bool cursor = false) {
  json s{{"type", "object"},
         {"properties", {{"items", {{"type", "array"}, {"items", sref(name)}}}}}};
  if (cursor) s["properties"]["next_cursor"] = {{"type", json::array({"string", "null"})}};
  return s;
}
inline json str() { return {{"type", "string"}}; }

}  // namespace kanri::api::oas
