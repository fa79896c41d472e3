#include <nlohmann/json.hpp>

#include "engine/record_service.h"

namespace kanri::engine {

using model::FieldType;
using nlohmann::json;

namespace {

// A journal value (as encode_field wrote it) back to its stored form. Lenient on purpose: the
// value was valid when it was written, even if the model's limits changed since.
Value from_journal(const model::FieldDef& f, const json& v) {
  if (v.is_null()) return {};
  switch (f.type) {
    case FieldType::integer: case FieldType::ref: case FieldType::org: case FieldType::user:
      return v.is_number() ? Value(v.get<std::int64_t>()) : Value();
    case FieldType::decimal:
      return v.is_number() ? Value(v.get<double>()) : Value();
    case FieldType::boolean:
      return v.is_boolean() ? Value(static_cast<std::int64_t>(v.get<bool>())) : Value();
    case FieldType::datetime:
      if (auto ms = v.is_string() ? parse_timestamp(v.get<std::string>()) : std::nullopt) return *ms;
      return {};
    case FieldType::duration:
      if (auto ms = v.is_string() ? parse_duration(v.get<std::string>()) : std::nullopt) return *ms;
      return {};
    case FieldType::json:
      return v.dump();
    default:
      return v.is_string() ? Value(v.get<std::string>()) : Value(v.dump());
  }
}

}  // namespace

Result<Record> RecordService::as_of_within(store::Connection& c, const model::TypeDef& t, std::string_view key,
                                           EpochMs at) {
  std::optional<Record> current = find_any(c, t, key);
  if (!current) return Error::of(ErrorKind::not_found, "record.not_found", {{"type", t.name}, {"key", std::string(key)}});
  Record r = *current;
  std::fill(r.fields.begin(), r.fields.end(), Value());
  r.state.clear();
  r.version = 0;
  r.deleted_at.reset();
  bool existed = false;
  for (auto& e : store::record_history(c, t.name, r.id)) {
    if (e.at > at) continue;  // entries are in chain order, which concurrent writers may interleave
    bool changes_record = e.action == "create" || e.action == "update" || e.action == "delete" ||
                          e.action.rfind("transition:", 0) == 0;
    if (!changes_record) continue;
    existed = true;
    json changes = json::parse(e.changes, nullptr, false);
    if (!changes.is_object()) continue;
    for (auto& [name, pair] : changes.items()) {
      if (!pair.is_array() || pair.size() != 2) continue;
      if (name == "state") r.state = pair[1].is_string() ? pair[1].get<std::string>() : "";
      else if (name == "deleted_at") r.deleted_at = e.at;
      else if (const model::FieldDef* f = t.field(name)) r.fields[f->position] = from_journal(*f, pair[1]);
    }
    ++r.version;
    r.updated_at = e.at;
    r.updated_by = e.principal_id;
  }
  if (!existed || r.deleted_at)
    return Error::of(ErrorKind::not_found, "record.not_at_time", {{"key", std::string(key)}, {"at", format_timestamp(at)}});
  return r;
}

Record RecordService::before_change(const Record& now, const json& changes) {
  Record r = now;
  if (!changes.is_object() || !r.type) return r;
  for (auto& [name, pair] : changes.items()) {
    if (!pair.is_array() || pair.size() != 2) continue;
    if (name == "state") r.state = pair[0].is_string() ? pair[0].get<std::string>() : "";
    else if (const model::FieldDef* f = r.type->field(name)) r.fields[f->position] = from_journal(*f, pair[0]);
  }
  return r;
}

Result<Record> RecordService::as_of(const Principal& p, const model::TypeDef& t, std::string_view key, EpochMs at) {
  std::optional<Result<Record>> out;
  db_.read([&](store::Connection& c) {
    std::optional<Record> current = find_any(c, t, key);
    if (!current || !within_scope(p, p.scope(t.name, "read"), *current)) {
      out = Error::of(ErrorKind::not_found, "record.not_found", {{"type", t.name}, {"key", std::string(key)}});
      return;
    }
    out = as_of_within(c, t, key, at);
  });
  return std::move(*out);
}

}  // namespace kanri::engine
