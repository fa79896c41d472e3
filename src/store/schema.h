// Tables, columns and indexes derived from the model, and the additive migration that brings
// a database up to it. Destructive differences are reported, never applied.
#pragma once

#include <string>
#include <vector>

#include "model/catalogue.h"
#include "store/database.h"

namespace kanri::store {

struct SchemaPlan {
  std::vector<std::string> statements;  // additive DDL, in order
  std::vector<std::string> changes;     // what the statements do, for the operator
  std::vector<std::string> refused;     // destructive differences, each with what to do
  bool up_to_date() const { return statements.empty() && refused.empty(); }
};

// Compares the database behind `c` with the model. Reads only.
SchemaPlan plan_schema(Connection& c, const model::Catalogue& catalogue);

// Applies `plan.statements` in one transaction. Refuses (returns an error listing
// plan.refused) when any difference is destructive; nothing is changed then.
Status apply_schema(Database& db, const model::Catalogue& catalogue, std::vector<std::string>* applied);

// The SQL column type of a model field on a dialect.
std::string column_type(Dialect d, model::FieldType t);

}  // namespace kanri::store
