// The Directory's shared pieces: looking things up, rendering views, checking that a grant
// stays within the granter's powers, and the journal for auditors.
#include "auth/directory.h"

#include <algorithm>
#include <charconv>
#include <map>

#include "auth/directory_internal.h"
#include "core/text.h"

namespace kanri::auth {

using engine::Principal;
using engine::Scope;
using nlohmann::json;

std::optional<std::int64_t> parse_id(std::string_view key) {
  auto id = parse_int(key);
  if (!id || *id <= 0) return std::nullopt;
  return id;
}

Error forbidden(const std::string& action, const std::string& resource) {
  return Error::of(ErrorKind::forbidden, "access.denied", {{"action", action}, {"type", resource}});
}

Error not_found(const std::string& resource, std::string_view key) {
  return Error::of(ErrorKind::not_found, "identity.not_found", {{"type", resource}, {"key", std::string(key)}});
}

json permissions_json(const std::vector<store::PermissionRow>& rows) {
  json a = json::array();
  for (auto& p : rows) a.push_back({{"type", p.type}, {"action", p.action}, {"scope", p.scope}});
  return a;
}

std::vector<std::int64_t> role_ids(store::Connection& c, const std::vector<std::string>& names) {
  std::vector<std::int64_t> out;
  for (auto& name : names)
    if (auto role = store::find_role_by_name(c, name)) out.push_back(role->id);
  return out;
}

std::vector<std::int64_t> changed_between(const std::vector<std::int64_t>& before, const std::vector<std::int64_t>& after) {
  std::vector<std::int64_t> out;
  for (auto id : after)
    if (std::find(before.begin(), before.end(), id) == before.end()) out.push_back(id);
  for (auto id : before)
    if (std::find(after.begin(), after.end(), id) == after.end()) out.push_back(id);
  return out;
}

std::optional<std::int64_t> find_organization(store::Connection& c, const model::Catalogue& catalogue,
                                              const std::string& key) {
  const model::TypeDef* org = catalogue.type("organization");
  if (!org || key.empty()) return std::nullopt;
  store::Rows r = parse_id(key) ? c.query("SELECT id FROM " + org->table() + " WHERE id = ? AND deleted_at IS NULL", {*parse_id(key)})
                                : c.query("SELECT id FROM " + org->table() +
                                              " WHERE (number = ? OR \"name\" = ?) AND deleted_at IS NULL ORDER BY id LIMIT 1",
                                          {key, key});
  if (r.empty()) return std::nullopt;
  return as_int(r[0][0]);
}

Directory::Directory(store::Database& db, const model::Catalogue& catalogue, const Clock& clock, Authenticator& auth)
    : db_(db), catalogue_(catalogue), clock_(clock), auth_(auth) {}

namespace {
// The organizations of memberships, named only where `p` may read them.
std::vector<OrgView> org_views(store::Connection& c, const model::Catalogue& catalogue, const Principal& p,
                               const std::vector<store::OrgMembership>& members) {
  std::vector<OrgView> out;
  const model::TypeDef* org = catalogue.type("organization");
  const Scope read = p.scope("organization", "read");
  for (auto& m : members) {
    OrgView v{m.org_id, "", "", m.primary};
    bool may = read == Scope::all || (read != Scope::none && p.in_org(m.org_id));
    if (org && may) {
      store::Rows r = c.query("SELECT number, \"name\" FROM " + org->table() + " WHERE id = ?", {m.org_id});
      if (!r.empty()) {
        v.number = as_text(r[0][0]);
        v.name = as_text(r[0][1]);
      }
    }
    out.push_back(std::move(v));
  }
  return out;
}
}  // namespace

UserView Directory::view_of(store::Connection& c, const Principal& p, const store::User& u) {
  UserView v{u, org_views(c, catalogue_, p, store::user_orgs(c, u.id)), store::user_role_names(c, u.id), {}};
  for (auto& g : store::user_groups(c, u.id)) v.groups.push_back(g.name);
  return v;
}

GroupView Directory::view_of(store::Connection& c, const Principal& p, const store::Group& g) {
  GroupView v{g, std::nullopt, {}, store::group_role_names(c, g.id)};
  if (g.org_id) {
    auto orgs = org_views(c, catalogue_, p, {{*g.org_id, true}});
    v.organization = orgs.front();
  }
  v.members = store::group_member_names(c, g.id);
  return v;
}

RoleView Directory::view_of(store::Connection& c, const Principal&, const store::Role& r) {
  return RoleView{r, store::role_permissions(c, r.id), store::role_holders(c, r.id)};
}

bool Directory::user_within(store::Connection& c, const Principal& p, Scope scope, std::int64_t user_id) {
  switch (scope) {
    case Scope::all: return true;
    case Scope::organization:
      if (p.user_id == user_id) return true;
      for (auto& m : store::user_orgs(c, user_id))
        if (p.in_org(m.org_id)) return true;
      return false;
    case Scope::own: return p.user_id == user_id;
    case Scope::none: return false;
  }
  return false;
}

bool Directory::reaches(const Principal& p, const store::PermissionRow& row, const std::vector<std::int64_t>* orgs) {
  auto wanted = engine::parse_scope(row.scope);
  if (!wanted) return true;  // validated by the caller
  Scope have = p.scope(row.type, row.action);
  if (have < *wanted) return false;
  if (have == Scope::all || !orgs) return true;
  // Below `all`, the grantee's organizations must be ones the granter reaches too: a grant of
  // "organization" scope to someone in more organizations would reach further than its giver.
  if (have == Scope::organization)
    return std::all_of(orgs->begin(), orgs->end(), [&](std::int64_t o) { return p.in_org(o); });
  return false;  // `own` reaches only the granter's own records
}

std::optional<FieldError> Directory::check_permissions(const Principal& p, const std::string& field,
                                                       const std::vector<store::PermissionRow>& rows,
                                                       const std::vector<std::int64_t>* grantee_orgs) {
  for (auto& row : rows)
    if (!reaches(p, row, grantee_orgs))
      return FieldError{field, "role.beyond_own_powers", {{"permission", row.type + " " + row.action + " " + row.scope}}};
  return std::nullopt;
}

std::optional<FieldError> Directory::check_grantable(store::Connection& c, const Principal& p, const std::string& field,
                                                     const std::vector<std::int64_t>& role_ids,
                                                     const std::vector<std::int64_t>& grantee_orgs) {
  for (auto id : role_ids) {
    if (auto e = check_permissions(p, field, store::role_permissions(c, id), &grantee_orgs)) {
      if (auto r = store::find_role(c, id)) e->args["role"] = r->name;
      e->code = "role.grant_beyond_own_powers";
      return e;
    }
  }
  return std::nullopt;
}

Status Directory::check_dominates(store::Connection& c, const Principal& p, const store::User& target) {
  if (p.is_system() || p.user_id == target.id) return ok_status();
  std::vector<std::int64_t> orgs;
  for (auto& m : store::user_orgs(c, target.id)) orgs.push_back(m.org_id);
  for (auto& role : store::effective_roles(c, target.id))
    for (auto& row : role.permissions)
      if (!reaches(p, row, &orgs))
        return Error::of(ErrorKind::forbidden, "user.beyond_own_powers", {{"user", target.username}});
  return ok_status();
}

std::vector<std::int64_t> Directory::member_orgs(store::Connection& c, const std::vector<std::int64_t>& user_ids) {
  std::vector<std::int64_t> out;
  for (auto id : user_ids)
    for (auto& m : store::user_orgs(c, id))
      if (std::find(out.begin(), out.end(), m.org_id) == out.end()) out.push_back(m.org_id);
  return out;
}

bool Directory::no_administrator_left(store::Connection& c, std::optional<std::int64_t> leaving) {
  store::Rows r = c.query(
      "SELECT COUNT(DISTINCT u.id) FROM users u WHERE u.active = 1 AND u.id <> ? AND u.id IN ("
      "SELECT ur.user_id FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE r.name = 'administrator' "
      "UNION SELECT gm.user_id FROM group_members gm JOIN group_roles gr ON gr.group_id = gm.group_id "
      "JOIN roles r ON r.id = gr.role_id JOIN groups g ON g.id = gm.group_id WHERE r.name = 'administrator' AND g.active = 1)",
      {leaving.value_or(0)});
  return as_int(r[0][0]) == 0;
}

std::optional<std::int64_t> Directory::visible_organization(store::Connection& c, const Principal& p, const std::string& key) {
  auto id = find_organization(c, catalogue_, key);
  if (!id) return std::nullopt;
  switch (p.scope("organization", "read")) {
    case Scope::all: return id;
    case Scope::none: return std::nullopt;
    default: return p.in_org(*id) ? id : std::nullopt;
  }
}

std::optional<FieldError> Directory::check_group_roles(store::Connection& c, const Principal& p, const std::string& field,
                                                       const std::vector<std::int64_t>& group_ids,
                                                       const std::vector<std::int64_t>& grantee_orgs) {
  for (auto gid : group_ids)
    if (auto e = check_grantable(c, p, field, role_ids(c, store::group_role_names(c, gid)), grantee_orgs)) return e;
  return std::nullopt;
}

void Directory::journal(store::Connection& c, const Principal& p, const std::string& type, std::int64_t id,
                        const std::string& number, const std::string& action, const json& details) {
  store::journal_event(c, store::Actor{p.user_id, p.username, p.ip}, clock_.now_ms(), type, id, number, action,
                       details.dump());
}

void Directory::forget_credentials(std::optional<std::int64_t> user_id) {
  if (user_id) auth_.cache().forget_user(*user_id);
  else auth_.cache().clear();
}

std::vector<engine::Permission> Directory::effective_permissions(const Principal& p) {
  std::map<std::pair<std::string, std::string>, Scope> widest;
  if (p.access)
    for (auto& perm : p.access->permissions()) {
      Scope& s = widest[{perm.type, perm.action}];
      s = std::max(s, perm.scope);
    }
  std::vector<engine::Permission> out;
  for (auto& [key, scope] : widest) out.push_back({key.first, key.second, scope});
  return out;
}

Result<std::vector<store::JournalEntry>> Directory::journal(const Principal& p, store::JournalFilter filter) {
  Scope scope = p.scope("journal", "read");
  if (scope == Scope::none) return forbidden("read", "journal");
  if (scope != Scope::all) filter.principal_id = p.user_id.value_or(-1);
  std::vector<store::JournalEntry> out;
  db_.read([&](store::Connection& c) { out = store::journal_page(c, filter); });
  return out;
}

Result<store::JournalVerdict> Directory::verify_journal(const Principal& p) {
  if (p.scope("journal", "read") != Scope::all) return forbidden("read", "journal");
  store::JournalVerdict v;
  db_.read([&](store::Connection& c) { v = store::verify_journal(c); });
  return v;
}

Result<std::vector<store::JournalEntry>> Directory::history(const Principal& p, const std::string& resource,
                                                            std::string_view key) {
  std::optional<Result<std::vector<store::JournalEntry>>> out;
  db_.read([&](store::Connection& c) {
    std::int64_t id = 0;
    if (resource == "user") {
      auto u = load_user(c, p, key, "read");
      if (!u) {
        out = u.take_error();
        return;
      }
      id = u->user.id;
    } else {
      if (p.scope(resource, "read") != Scope::all) {
        out = forbidden("read", resource);
        return;
      }
      auto num = parse_id(key);
      std::optional<std::int64_t> found;
      if (resource == "group") {
        auto g = num ? store::find_group(c, *num) : store::find_group_by_name(c, std::string(key));
        if (g) found = g->id;
      } else if (resource == "role") {
        auto r = num ? store::find_role(c, *num) : store::find_role_by_name(c, std::string(key));
        if (r) found = r->id;
      }
      if (!found) {
        out = not_found(resource, key);
        return;
      }
      id = *found;
    }
    std::vector<store::JournalEntry> entries = store::record_history(c, resource, id);
    // As in a record's history: who acted is named only to those who may read that user.
    const Scope users = p.scope("user", "read");
    for (auto& e : entries)
      if (e.principal_id && !user_within(c, p, users, *e.principal_id)) {
        e.principal.clear();
        e.ip.clear();
      }
    out = std::move(entries);
  });
  return std::move(*out);
}

}  // namespace kanri::auth
