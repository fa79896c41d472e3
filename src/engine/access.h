// Who may do what: permissions per record type and action, each with a scope (own,
// organization, all), granted through roles. Permissions are data (rows an administrator
// edits); this header is how the engine reads them and turns a scope into a row filter.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/records.h"

namespace kanri::engine {

struct Principal;

// Ordered: a wider scope includes every narrower one.
enum class Scope { none = 0, own = 1, organization = 2, all = 3 };
std::optional<Scope> parse_scope(std::string_view text);
std::string_view scope_name(Scope s);

// The platform's own resources that permissions can name besides record types. A model type
// may not take one of these names, and "*" does not match them: holding every record type
// never quietly includes administering accounts or reading the journal.
bool is_platform_resource(std::string_view type);
const std::vector<std::string>& platform_resources();

struct Permission {
  std::string type;    // a record type, a platform resource, or "*" (every record type)
  std::string action;  // read, create, update, delete, export, transition:<name>, transition:*, or *
  Scope scope = Scope::none;
};

class AccessPolicy {
 public:
  explicit AccessPolicy(std::vector<Permission> permissions);
  // The widest scope any permission grants for `action` on `type` (Scope::none when none does).
  Scope scope(std::string_view type, std::string_view action) const;
  const std::vector<Permission>& permissions() const { return permissions_; }

 private:
  std::vector<Permission> permissions_;
};

// Whether the record lies within `scope` for `p`: all; its organization is one of p's
// (organization); p created it or is named in one of the type's owner fields (own).
bool within_scope(const Principal& p, Scope scope, const store::Record& r);

// Whether `p` may read `r`: within p's read scope, or one of the type's public records
// (model `public_when`) and p granted `read_public` on the type.
bool may_read(const Principal& p, const store::Record& r);

// The rows of `t` within `scope` for `p` (and, when p holds `read_public`, the type's public
// records too, for a read scope is what lists ask with), as a filter the store adds to its SQL; nullopt when
// the scope is all (nothing to filter). Scope::none gives a filter that matches nothing.
std::optional<store::Visibility> visibility(const Principal& p, Scope scope, const model::TypeDef& t);

}  // namespace kanri::engine
