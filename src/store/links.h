// Typed relations between records ("service serves organization"), as declared in the model.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/time.h"
#include "store/database.h"

namespace kanri::store {

struct Link {
  std::int64_t id = 0;
  std::string from_type;
  std::int64_t from_id = 0;
  std::string relation;
  std::string to_type;
  std::int64_t to_id = 0;
  EpochMs created_at = 0;
  std::optional<std::int64_t> created_by;
};

// Inserts `l` (assigning its id). Returns false, changing nothing, when the same link exists.
bool insert_link(Connection& c, Link& l);
std::optional<Link> find_link(Connection& c, std::int64_t id);
void delete_link(Connection& c, std::int64_t id);
// Links from and to a record, in one query each direction, oldest first.
std::vector<Link> links_from(Connection& c, const std::string& type, std::int64_t id);
std::vector<Link> links_to(Connection& c, const std::string& type, std::int64_t id);
// Every link of `relation` from records of `from_type`, in one query, oldest first: for views
// over a whole (small) collection, such as the service catalogue.
std::vector<Link> links_of_relation(Connection& c, const std::string& from_type, const std::string& relation);

}  // namespace kanri::store
