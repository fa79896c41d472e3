// An import mapping: how the rows of another system's CSV export become records of one Kanri
// type (kanri import, docs/import.md). It is a TOML file kept with the data's description, so
// that the same file is imported the same way every time and the choices can be reviewed.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/date_pattern.h"
#include "core/error.h"
#include "core/time_zone.h"
#include "model/catalogue.h"

namespace kanri::engine {

// A problem at a line: of the mapping file, or of the CSV file being imported. `error.field`
// names the Kanri field (or the mapping key) it is about; the code is a message-catalogue key.
struct ImportProblem {
  std::size_t line = 0;
  FieldError error;
};

// How the cells of a reference field name their record: by a field of the target type (its
// name, say) rather than its number, optionally as a path of broader to narrower records
// (category, then subcategory as its child).
struct ImportReference {
  const model::TypeDef* target = nullptr;
  const model::FieldDef* match = nullptr;   // the target's field that holds the cell's text
  const model::FieldDef* parent = nullptr;  // the target's ref to the broader record, for a path
  std::vector<std::string> columns;         // one column, or the path from broadest to narrowest
  bool create_missing = false;              // make a record that is not found (journaled)
};

struct ImportField {
  const model::FieldDef* field = nullptr;
  std::string column;                            // the source column, or
  std::string template_text;                     // "{u_symptom} ({category})": columns filled in
  std::map<std::string, nlohmann::json> values;  // source text → Kanri value; others are errors
  std::optional<ImportReference> reference;
  std::size_t line = 0;                          // in the mapping file
};

struct ImportMapping {
  std::string file;
  const model::TypeDef* type = nullptr;
  std::string key_column;      // names a source record; one record per key
  std::string version_column;  // orders a key's rows: the highest is imported (later line on a tie)
  std::string null_marker;     // a cell holding only this is empty (besides an empty cell)
  // A field that the key column is mapped into: a live record holding the same value is the
  // same source record, updated by a later import instead of made again. Empty: always made.
  std::string match_field;
  std::optional<DatePattern> date_pattern;
  std::string time_zone_name;
  std::optional<TimeZone> time_zone;
  std::string state_column;                  // empty: records start in the initial state
  std::map<std::string, std::string> states;  // source state → lifecycle state
  std::vector<ImportField> fields;

  // Every column the mapping reads, for checking a file's header.
  std::vector<std::string> columns() const;
};

struct LoadedMapping {
  std::optional<ImportMapping> mapping;  // set when `problems` is empty
  std::vector<ImportProblem> problems;
};

// Reads and checks a mapping file against the model: the type and its fields exist, mapped
// values are valid for their fields (enum names, states), the date pattern and the time zone
// can be read. Every problem is reported with its line.
LoadedMapping load_import_mapping(const std::string& path, const model::Catalogue& catalogue);

}  // namespace kanri::engine
