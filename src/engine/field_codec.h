// Field values between JSON (as clients send and receive them) and storage Values.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "model/catalogue.h"

namespace kanri::engine {

// A decoded client value. For ref, org and user fields given by number or username,
// `lookup` holds that key and `value` is NULL until the caller resolves it in the database.
struct FieldInput {
  Value value;
  std::string lookup;
};

// Checks a JSON value against the field's type and constraints. Never touches the database.
// On failure returns the field error (code and arguments for the message catalogue).
std::optional<FieldError> decode_field(const model::FieldDef& f, const nlohmann::json& in, FieldInput& out);

// The JSON form of a stored value; references are rendered by the caller (they need labels).
nlohmann::json encode_field(const model::FieldDef& f, const Value& v);

// True when a required field counts as missing: NULL or empty text.
bool is_blank(const Value& v);

}  // namespace kanri::engine
