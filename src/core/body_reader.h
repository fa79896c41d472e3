// Reading the JSON body of a request for the platform's own resources (users, roles, sign-in…)
// field by field, collecting every problem (unknown field, wrong type, too long, missing)
// before anything is written. Record bodies are read by the engine's field codec instead.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/text.h"

namespace kanri {

class BodyReader {
 public:
  // Every key of `body` not in `allowed` is reported as "field.not_accepted", after the
  // problems with known fields (as the record engine orders them). `what` names the resource.
  BodyReader(const nlohmann::json& body, std::set<std::string> allowed, const std::string& what) : body_(body) {
    if (!body.is_object()) {
      not_object_ = true;
      return;
    }
    std::string names;
    for (auto& a : allowed) names += (names.empty() ? "" : ", ") + a;
    for (auto& [k, v] : body.items())
      if (!allowed.count(k)) unknown_.push_back({k, "field.not_accepted", {{"type", what}, {"allowed", names}}});
  }
  bool not_object() const { return not_object_; }
  bool has(const std::string& name) const { return !not_object_ && body_.contains(name); }

  // A text field: a JSON string without control characters, at most `max_chars` characters.
  std::optional<std::string> text(const std::string& name, bool required, size_t max_chars = 255) {
    if (!has(name) || body_[name].is_null()) {
      if (required) error(name, "field.required");
      return std::nullopt;
    }
    const auto& v = body_[name];
    if (!v.is_string()) return fail(name, "field.type_text");
    std::string s = v.get<std::string>();
    if (has_control_chars(s)) return fail(name, "field.control_chars");
    if (utf8_length(s) > max_chars) {
      error(name, "field.too_long", {{"max", std::to_string(max_chars)}});
      return std::nullopt;
    }
    if (required && s.empty()) return fail(name, "field.required");
    return s;
  }
  std::optional<bool> boolean(const std::string& name) {
    if (!has(name) || body_[name].is_null()) return std::nullopt;
    if (!body_[name].is_boolean()) {
      error(name, "field.type_bool");
      return std::nullopt;
    }
    return body_[name].get<bool>();
  }
  std::optional<std::int64_t> integer(const std::string& name, std::int64_t min, std::int64_t max) {
    if (!has(name) || body_[name].is_null()) return std::nullopt;
    const auto& v = body_[name];
    if (!v.is_number_integer()) {
      error(name, "field.type_int");
      return std::nullopt;
    }
    std::int64_t n = v.get<std::int64_t>();
    if (n < min) error(name, "field.min", {{"min", std::to_string(min)}});
    else if (n > max) error(name, "field.max", {{"max", std::to_string(max)}});
    else return n;
    return std::nullopt;
  }
  // An array of names (strings; numbers are taken as ids and turned into text).
  std::optional<std::vector<std::string>> names(const std::string& name) {
    if (!has(name) || body_[name].is_null()) return std::nullopt;
    const auto& v = body_[name];
    if (!v.is_array()) {
      error(name, "field.type_list");
      return std::nullopt;
    }
    std::vector<std::string> out;
    for (auto& item : v) {
      if (item.is_string()) out.push_back(item.get<std::string>());
      else if (item.is_number_integer()) out.push_back(std::to_string(item.get<std::int64_t>()));
      else {
        error(name, "field.type_list");
        return std::nullopt;
      }
    }
    if (out.size() > 200) {
      error(name, "filter.too_many_values", {{"max", "200"}});
      return std::nullopt;
    }
    return out;
  }
  const nlohmann::json* raw(const std::string& name) const { return has(name) ? &body_[name] : nullptr; }

  void error(std::string field, std::string code, MessageArgs args = {}) {
    errors_.push_back({std::move(field), std::move(code), std::move(args)});
  }
  bool ok() const { return errors_.empty() && unknown_.empty() && !not_object_; }
  // The collected problems as one Error (bad_request when the body is not an object).
  Error failure() {
    if (not_object_) return Error::of(ErrorKind::bad_request, "body.not_object");
    errors_.insert(errors_.end(), unknown_.begin(), unknown_.end());
    return Error::invalid(std::move(errors_));
  }

 private:
  std::nullopt_t fail(const std::string& name, const char* code) {
    error(name, code);
    return std::nullopt;
  }
  static bool has_control_chars(const std::string& s) {
    for (unsigned char ch : s)
      if (ch < 0x20 || ch == 0x7f) return true;
    return false;
  }
  const nlohmann::json& body_;
  bool not_object_ = false;
  std::vector<FieldError> errors_, unknown_;
};

}  // namespace kanri
