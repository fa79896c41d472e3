// Reads model/*.toml into a Catalogue, checking everything it can before the server starts.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "model/catalogue.h"

namespace kanri::model {

struct ModelError {
  std::string file;
  int line = 0;
  std::string message;
  std::string to_string() const;  // "model/service.toml:12: unknown field type 'strng'"
};

struct LoadResult {
  std::unique_ptr<Catalogue> catalogue;  // null when errors is not empty
  std::vector<ModelError> errors;
};

// Loads every *.toml in `dir` (sorted by name), then `extra_file` if not empty. `known_rules`
// are the rule names the engine has registered; a model naming any other rule is an error.
// Either the whole model loads, or nothing does and every error found is returned.
LoadResult load_model(const std::string& dir, const std::string& extra_file,
                      const std::set<std::string>& known_rules);

// The same, from TOML text (for tests and tools); `name` stands for the file in messages.
LoadResult load_model_text(const std::vector<std::pair<std::string, std::string>>& files,
                           const std::set<std::string>& known_rules);

}  // namespace kanri::model
