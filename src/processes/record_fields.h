// Reading and setting a record's fields by name, for process rules: a field the model does not
// declare reads as null (an organization may have removed it from an extension) and is never
// set.
#pragma once

#include <optional>
#include <string>

#include "store/records.h"

namespace kanri::processes {

inline const Value& field(const store::Record& r, const char* name) {
  static const Value null;
  const model::FieldDef* f = r.type->field(name);
  return f ? r.get(*f) : null;
}

inline std::string text(const store::Record& r, const char* name) { return as_text(field(r, name)); }

inline std::optional<std::int64_t> opt_int(const store::Record& r, const char* name) {
  const Value& v = field(r, name);
  if (is_null(v)) return std::nullopt;
  return as_int(v);
}

inline bool flag(const store::Record& r, const char* name) {
  const Value& v = field(r, name);
  return !is_null(v) && as_int(v) != 0;
}

inline void set(store::Record& r, const char* name, Value v) {
  if (const model::FieldDef* f = r.type->field(name)) r.fields[f->position] = std::move(v);
}

// Whether the write changes the field (a create "changes" every field it gives a value).
inline bool changed(const store::Record* before, const store::Record& after, const char* name) {
  return before ? field(*before, name) != field(after, name) : !is_null(field(after, name));
}

}  // namespace kanri::processes
