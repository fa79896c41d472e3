#include "engine/access.h"

#include "engine/principal.h"

namespace kanri::engine {

std::optional<Scope> parse_scope(std::string_view text) {
  if (text == "own") return Scope::own;
  if (text == "organization") return Scope::organization;
  if (text == "all") return Scope::all;
  return std::nullopt;
}

std::string_view scope_name(Scope s) {
  switch (s) {
    case Scope::own: return "own";
    case Scope::organization: return "organization";
    case Scope::all: return "all";
    case Scope::none: break;
  }
  return "none";
}

const std::vector<std::string>& platform_resources() { return model::platform_resource_names(); }

bool is_platform_resource(std::string_view type) {
  for (auto& n : platform_resources())
    if (n == type) return true;
  return false;
}

AccessPolicy::AccessPolicy(std::vector<Permission> permissions) : permissions_(std::move(permissions)) {}

namespace {
bool action_matches(std::string_view granted, std::string_view wanted) {
  if (granted == wanted || granted == "*") return true;
  return granted == "transition:*" && wanted.rfind("transition:", 0) == 0;
}
}  // namespace

Scope AccessPolicy::scope(std::string_view type, std::string_view action) const {
  Scope best = Scope::none;
  const bool record_type = !is_platform_resource(type);
  for (auto& p : permissions_) {
    if (p.scope <= best) continue;
    bool type_matches = p.type == type || (p.type == "*" && record_type);
    if (type_matches && action_matches(p.action, action)) best = p.scope;
  }
  return best;
}

namespace {
bool is_organization_tenant(const model::TypeDef& t) { return t.org_field == "self"; }
}  // namespace

namespace {
// Whether the record is restricted (a security incident) and p may not see restricted ones.
bool hidden_restricted(const Principal& p, const store::Record& r) {
  const model::TypeDef& t = *r.type;
  if (t.restricted_field.empty() || p.is_system()) return false;
  const model::FieldDef* f = t.field(t.restricted_field);
  const Value& v = r.get(*f);
  if (is_null(v) || as_int(v) == 0) return false;
  return p.scope(t.name, "read_restricted") == Scope::none;
}
}  // namespace

bool within_scope(const Principal& p, Scope scope, const store::Record& r) {
  if (scope != Scope::none && hidden_restricted(p, r)) return false;
  switch (scope) {
    case Scope::all: return true;
    case Scope::none: return false;
    case Scope::organization: {
      std::optional<std::int64_t> org = is_organization_tenant(*r.type) ? std::optional(r.id) : r.org_id;
      return org && p.in_org(*org);
    }
    case Scope::own: {
      if (!p.user_id) return false;
      if (r.created_by == p.user_id) return true;
      for (auto& name : r.type->owner_fields) {
        const model::FieldDef* f = r.type->field(name);
        const Value& v = r.get(*f);
        if (!is_null(v) && as_int(v) == *p.user_id) return true;
      }
      return false;
    }
  }
  return false;
}

namespace {
// Whether the type has public records and p may read them whatever its read scope.
bool reads_public(const Principal& p, const model::TypeDef& t) {
  return !t.public_when.empty() && !p.is_system() && p.scope(t.name, "read_public") != Scope::none;
}

bool is_public(const store::Record& r) {
  for (auto& [column, value] : r.type->public_when) {
    const model::FieldDef* f = column == "state" ? nullptr : r.type->field(column);
    if ((f ? as_text(r.get(*f)) : r.state) != value) return false;
  }
  return true;
}
}  // namespace

bool may_read(const Principal& p, const store::Record& r) {
  if (within_scope(p, p.scope(r.type->name, "read"), r)) return true;
  return reads_public(p, *r.type) && !hidden_restricted(p, r) && is_public(r);
}

std::optional<store::Visibility> visibility(const Principal& p, Scope scope, const model::TypeDef& t) {
  const bool restrict = !t.restricted_field.empty() && !p.is_system() && scope != Scope::none &&
                        p.scope(t.name, "read_restricted") == Scope::none;
  if (scope == Scope::all && !restrict) return std::nullopt;
  store::Visibility v;
  if (restrict) v.restricted_column = t.restricted_field;
  if (scope != Scope::all && reads_public(p, t)) v.public_rows = t.public_when;
  v.every_row = scope == Scope::all;
  if (is_organization_tenant(t)) v.org_column = "id";
  if (scope == Scope::organization) v.orgs = p.orgs;
  if (scope == Scope::own && p.user_id) {
    v.user = p.user_id;
    v.owner_columns = t.owner_fields;
  }
  return v;
}

}  // namespace kanri::engine
