#include "engine/field_codec.h"

#include <cmath>

#include "core/text.h"
#include "core/time.h"

namespace kanri::engine {

using model::FieldType;

namespace {

FieldError err(const model::FieldDef& f, std::string code, MessageArgs args = {}) {
  return FieldError{f.name, std::move(code), std::move(args)};
}

std::string number_text(double d) {
  std::string s = nlohmann::json(d).dump();
  return s;
}

bool has_control_chars(const std::string& s, bool multiline) {
  for (unsigned char c : s) {
    if (c >= 0x20 && c != 0x7f) continue;
    if (multiline && (c == '\n' || c == '\r' || c == '\t')) continue;
    return true;
  }
  return false;
}

}  // namespace

bool is_blank(const Value& v) {
  if (is_null(v)) return true;
  if (auto* s = std::get_if<std::string>(&v)) return s->empty();
  return false;
}

std::optional<FieldError> decode_field(const model::FieldDef& f, const nlohmann::json& in, FieldInput& out) {
  out = {};
  if (in.is_null()) return std::nullopt;  // clears the field; `required` is checked afterwards
  switch (f.type) {
    case FieldType::text:
    case FieldType::longtext: {
      if (!in.is_string()) return err(f, "field.type_text");
      const auto& s = in.get_ref<const std::string&>();
      if (has_control_chars(s, f.type == FieldType::longtext)) return err(f, "field.control_chars");
      if (static_cast<std::int64_t>(utf8_length(s)) > f.max_length)
        return err(f, "field.too_long", {{"max", std::to_string(f.max_length)}});
      out.value = s;
      return std::nullopt;
    }
    case FieldType::enumeration: {
      if (!in.is_string() || !f.enum_value(in.get_ref<const std::string&>())) {
        std::string allowed;
        for (auto& v : f.values) allowed += (allowed.empty() ? "" : ", ") + v.name;
        return err(f, "field.enum", {{"allowed", allowed}});
      }
      out.value = in.get<std::string>();
      return std::nullopt;
    }
    case FieldType::integer: {
      if (!in.is_number_integer() && !(in.is_number_float() && std::trunc(in.get<double>()) == in.get<double>() &&
                                       std::fabs(in.get<double>()) < 9e15))
        return err(f, "field.type_int");
      if (in.is_number_unsigned() && in.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))
        return err(f, "field.type_int");
      std::int64_t v = in.is_number_float() ? static_cast<std::int64_t>(in.get<double>()) : in.get<std::int64_t>();
      if (f.min && v < *f.min) return err(f, "field.min", {{"min", number_text(*f.min)}});
      if (f.max && v > *f.max) return err(f, "field.max", {{"max", number_text(*f.max)}});
      out.value = v;
      return std::nullopt;
    }
    case FieldType::decimal: {
      if (!in.is_number()) return err(f, "field.type_decimal");
      double v = in.get<double>();
      if (!std::isfinite(v)) return err(f, "field.type_decimal");
      if (f.min && v < *f.min) return err(f, "field.min", {{"min", number_text(*f.min)}});
      if (f.max && v > *f.max) return err(f, "field.max", {{"max", number_text(*f.max)}});
      if (f.scale >= 0) {
        // Round to the allowed digits and compare: a difference beyond binary noise means
        // the value has more digits than the field keeps.
        double factor = std::pow(10.0, f.scale);
        double rounded = std::round(v * factor) / factor;
        if (std::fabs(rounded - v) > 1e-12 * std::max(1.0, std::fabs(v)))
          return err(f, "field.scale", {{"scale", std::to_string(f.scale)}});
      }
      out.value = v;
      return std::nullopt;
    }
    case FieldType::boolean:
      if (!in.is_boolean()) return err(f, "field.type_bool");
      out.value = static_cast<std::int64_t>(in.get<bool>());
      return std::nullopt;
    case FieldType::date:
      if (!in.is_string() || !is_valid_date(in.get_ref<const std::string&>())) return err(f, "field.type_date");
      out.value = in.get<std::string>();
      return std::nullopt;
    case FieldType::datetime: {
      if (!in.is_string()) return err(f, "field.type_datetime");
      auto ms = parse_timestamp(in.get_ref<const std::string&>());
      if (!ms) return err(f, "field.type_datetime");
      out.value = *ms;
      return std::nullopt;
    }
    case FieldType::duration: {
      if (!in.is_string()) return err(f, "field.type_duration");
      auto ms = parse_duration(in.get_ref<const std::string&>());
      if (!ms) return err(f, "field.type_duration");
      out.value = *ms;
      return std::nullopt;
    }
    case FieldType::ref:
    case FieldType::org:
    case FieldType::user: {
      const nlohmann::json* key = &in;
      if (in.is_object() && in.contains("id")) key = &in["id"];
      if (key->is_number_integer() && key->get<std::int64_t>() > 0) {
        out.value = key->get<std::int64_t>();
        return std::nullopt;
      }
      if (key->is_string() && !key->get_ref<const std::string&>().empty() && key->get_ref<const std::string&>().size() <= 200) {
        out.lookup = key->get<std::string>();
        return std::nullopt;
      }
      return err(f, f.type == FieldType::user ? "field.type_user" : "field.type_ref");
    }
    case FieldType::json: {
      std::string text = in.dump();
      if (text.size() > 100000) return err(f, "field.json_too_large");
      out.value = std::move(text);
      return std::nullopt;
    }
  }
  return err(f, "field.invalid");
}

nlohmann::json encode_field(const model::FieldDef& f, const Value& v) {
  if (is_null(v)) return nullptr;
  switch (f.type) {
    case FieldType::integer:
    case FieldType::ref:
    case FieldType::org:
    case FieldType::user:
      return as_int(v);
    case FieldType::decimal:
      return as_double(v);
    case FieldType::boolean:
      return as_int(v) != 0;
    case FieldType::datetime:
      return format_timestamp(as_int(v));
    case FieldType::duration:
      return format_duration(as_int(v));
    case FieldType::json: {
      auto parsed = nlohmann::json::parse(as_text(v), nullptr, false);
      return parsed.is_discarded() ? nlohmann::json(nullptr) : parsed;
    }
    default:
      return as_text(v);
  }
}

}  // namespace kanri::engine
