// Reading and setting a record's fields by name, for process rules: a field the model does not
// declare reads as null (an organization may have removed it from an extension) and is never
// set.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

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

// The priority one step more urgent (p4 → p3 … p2 → p1); p1, and what is not a priority, stay.
inline std::string one_priority_higher(const std::string& p) {
  if (p == "p4") return "p3";
  if (p == "p3") return "p2";
  if (p == "p2") return "p1";
  return p;
}

// Whether the write changes the field (a create "changes" every field it gives a value).
inline bool changed(const store::Record* before, const store::Record& after, const char* name) {
  return before ? field(*before, name) != field(after, name) : !is_null(field(after, name));
}

// A list typed into one text field ("INC-000001, INC-000002", "sato; admin"): the items split
// at commas, semicolons and blanks, without repeats, in order, upper- or lower-cased.
inline std::vector<std::string> listed(const std::string& text, bool upper) {
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    if (!cur.empty() && std::find(out.begin(), out.end(), cur) == out.end()) out.push_back(cur);
    cur.clear();
  };
  for (char ch : text) {
    if (ch == ',' || ch == ';' || ch == ' ' || ch == '\n' || ch == '\t') flush();
    else if (upper) cur += static_cast<char>(ch >= 'a' && ch <= 'z' ? ch - 32 : ch);
    else cur += static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
  }
  flush();
  return out;
}

}  // namespace kanri::processes
