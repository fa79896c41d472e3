// Groups (support tiers, teams, the CAB) and roles with their permissions.
#include <algorithm>
#include <regex>
#include <set>

#include "core/body_reader.h"
#include "auth/directory.h"
#include "auth/directory_internal.h"

namespace kanri::auth {

using engine::Principal;
using engine::Scope;
using nlohmann::json;

namespace {

bool valid_name(const std::string& s) {
  static const std::regex re("[a-z0-9][a-z0-9_.-]{0,63}");
  return std::regex_match(s, re);
}

Error stale(std::int64_t expected, std::int64_t current) {
  return Error::of(ErrorKind::precondition_failed, "record.stale",
                   {{"expected", std::to_string(expected)}, {"current", std::to_string(current)}});
}

// The group or role behind a key (id or name).
std::optional<store::Group> group_by_key(store::Connection& c, std::string_view key) {
  auto id = parse_id(key);
  return id ? store::find_group(c, *id) : store::find_group_by_name(c, std::string(key));
}
std::optional<store::Role> role_by_key(store::Connection& c, std::string_view key) {
  auto id = parse_id(key);
  return id ? store::find_role(c, *id) : store::find_role_by_name(c, std::string(key));
}

// The fields of a group body besides its name, read and checked.
struct GroupInput {
  std::optional<std::string> display_name, description, email, organization;
  std::optional<std::vector<std::string>> members, roles;
  std::optional<bool> active;
};

GroupInput read_group_input(BodyReader& r, bool creating) {
  GroupInput in;
  in.display_name = r.text("display_name", creating, 200);
  if (!creating && in.display_name && in.display_name->empty()) r.error("display_name", "field.required");
  in.description = r.text("description", false, 2000);
  in.email = r.text("email", false, 254);
  in.organization = r.text("organization", false, 200);
  in.members = r.names("members");
  in.roles = r.names("roles");
  in.active = r.boolean("active");
  return in;
}

bool group_within(const Principal& p, Scope scope, const store::Group& g) {
  if (scope == Scope::all) return true;
  if (scope == Scope::organization) return g.org_id && p.in_org(*g.org_id);
  return false;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Groups

std::vector<std::int64_t> Directory::resolve_members(store::Connection& c, const Principal& p,
                                                     const std::vector<std::string>& names, std::vector<FieldError>& errors) {
  std::vector<std::int64_t> ids;
  for (auto& m : names) {
    auto u = parse_id(m) ? store::find_user(c, *parse_id(m)) : store::find_user_by_name(c, m);
    if (!u || !user_within(c, p, p.scope("user", "read"), u->id)) errors.push_back({"members", "field.user_not_found", {{"value", m}}});
    else if (std::find(ids.begin(), ids.end(), u->id) == ids.end()) ids.push_back(u->id);
  }
  return ids;
}

Result<GroupView> Directory::create_group(const Principal& p, const json& body) {
  const Scope scope = p.scope("group", "create");
  if (scope < Scope::organization) return forbidden("create", "group");
  BodyReader r(body, {"name", "display_name", "description", "email", "organization", "members", "roles", "active"}, "group");
  auto name = r.text("name", true, 64);
  if (name && !valid_name(*name)) r.error("name", "group.name_format");
  auto [display, description, email, org, members, roles, active] = read_group_input(r, true);
  if (!r.ok()) return r.failure();
  GroupView view;
  Status s = db_.write([&](store::Connection& c) -> Status {
    std::vector<FieldError> errors;
    if (store::find_group_by_name(c, *name)) errors.push_back({"name", "group.name_taken", {{"value", *name}}});
    store::Group g;
    g.name = *name;
    g.display_name = *display;
    g.description = description.value_or("");
    g.email = email.value_or("");
    g.active = active.value_or(true);
    g.created_at = g.updated_at = clock_.now_ms();
    if (org && !org->empty()) {
      g.org_id = visible_organization(c, p, *org);
      if (!g.org_id) errors.push_back({"organization", "field.ref_not_found", {{"value", *org}, {"target", "organization"}}});
    } else if (p.primary_org) {
      g.org_id = p.primary_org;
    }
    if (errors.empty() && !group_within(p, scope, g))
      errors.push_back({"organization", "user.org_out_of_scope", {{"value", org.value_or("")}}});
    std::vector<std::int64_t> member_ids = resolve_members(c, p, members.value_or(std::vector<std::string>{}), errors);
    std::vector<std::int64_t> role_ids;
    for (auto& n : roles.value_or(std::vector<std::string>{})) {
      auto role = role_by_key(c, n);
      if (!role) errors.push_back({"roles", "user.unknown_role", {{"value", n}}});
      else role_ids.push_back(role->id);
    }
    if (auto e = check_grantable(c, p, "roles", role_ids, member_orgs(c, member_ids))) errors.push_back(*e);
    if (!errors.empty()) return Error::invalid(std::move(errors));
    store::insert_group(c, g);
    store::set_group_members(c, g.id, member_ids);
    store::set_group_roles(c, g.id, role_ids);
    view = view_of(c, p, g);
    journal(c, p, "group", g.id, g.name, "create",
            {{"name", {nullptr, g.name}}, {"display_name", {nullptr, g.display_name}},
             {"organization", {nullptr, view.organization ? json(view.organization->number) : json(nullptr)}},
             {"members", {nullptr, view.members}}, {"roles", {nullptr, view.roles}}, {"active", {nullptr, g.active}}});
    return ok_status();
  });
  if (!s) return s.take_error();
  forget_credentials(std::nullopt);
  return view;
}

Result<GroupView> Directory::group(const Principal& p, std::string_view key) {
  std::optional<Result<GroupView>> out;
  db_.read([&](store::Connection& c) {
    auto g = group_by_key(c, key);
    if (!g || !group_within(p, p.scope("group", "read"), *g)) out = not_found("group", key);
    else out = view_of(c, p, *g);
  });
  return std::move(*out);
}

Result<std::vector<GroupView>> Directory::groups(const Principal& p) {
  const Scope scope = p.scope("group", "read");
  if (scope == Scope::none) return forbidden("read", "group");
  std::vector<GroupView> out;
  db_.read([&](store::Connection& c) {
    for (auto& g : store::list_groups(c))
      if (group_within(p, scope, g)) out.push_back(view_of(c, p, g));
  });
  return out;
}

Result<GroupView> Directory::update_group(const Principal& p, std::string_view key, const json& body,
                                          std::optional<std::int64_t> expected_version) {
  BodyReader r(body, {"display_name", "description", "email", "organization", "members", "roles", "active"}, "group");
  auto [display, description, email, org, members, roles, active] = read_group_input(r, false);
  if (!r.ok()) return r.failure();
  GroupView view;
  Status s = db_.write([&](store::Connection& c) -> Status {
    auto found = group_by_key(c, key);
    if (!found || !group_within(p, p.scope("group", "read"), *found)) return not_found("group", key);
    const Scope scope = p.scope("group", "update");
    if (!group_within(p, scope, *found)) return forbidden("update", "group");
    if (expected_version && *expected_version != found->version) return stale(*expected_version, found->version);
    GroupView before = view_of(c, p, *found);
    store::Group g = *found;
    std::vector<FieldError> errors;
    if (display) g.display_name = *display;
    if (description) g.description = *description;
    if (email) g.email = *email;
    if (active) g.active = *active;
    if (org) {
      g.org_id = org->empty() ? std::nullopt : visible_organization(c, p, *org);
      if (!org->empty() && !g.org_id)
        errors.push_back({"organization", "field.ref_not_found", {{"value", *org}, {"target", "organization"}}});
      else if (!group_within(p, scope, g))
        errors.push_back({"organization", "user.org_out_of_scope", {{"value", *org}}});
    }
    const std::vector<std::int64_t> members_before = store::group_member_ids(c, g.id);
    std::vector<std::int64_t> members_after = members_before;
    if (members) {
      members_after = resolve_members(c, p, *members, errors);
      if (errors.empty()) store::set_group_members(c, g.id, members_after);
    }
    // New or departing members receive or lose the group's roles, and so does everyone when
    // the group is switched on or off: that is a grant like any other.
    std::vector<std::int64_t> everyone = members_before;
    for (auto id : members_after)
      if (std::find(everyone.begin(), everyone.end(), id) == everyone.end()) everyone.push_back(id);
    std::vector<std::int64_t> moved = changed_between(members_before, members_after);
    if (!moved.empty())
      if (auto e = check_group_roles(c, p, "members", {g.id}, member_orgs(c, moved))) errors.push_back(*e);
    const bool toggled = active && *active != before.group.active;
    if (toggled)
      if (auto e = check_group_roles(c, p, "active", {g.id}, member_orgs(c, everyone))) errors.push_back(*e);
    if (roles) {
      std::vector<std::int64_t> wanted;
      for (auto& n : *roles) {
        auto role = role_by_key(c, n);
        if (!role) errors.push_back({"roles", "user.unknown_role", {{"value", n}}});
        else wanted.push_back(role->id);
      }
      if (auto e = check_grantable(c, p, "roles", changed_between(role_ids(c, before.roles), wanted), member_orgs(c, everyone)))
        errors.push_back(*e);
      if (errors.empty()) store::set_group_roles(c, g.id, wanted);
    }
    if (errors.empty()) {
      // Switching the group on or off is written now, so that the check below sees it.
      g.updated_at = clock_.now_ms();
      if (toggled && !store::update_group(c, g, g.version)) return stale(g.version, g.version);
      if (toggled) ++g.version;
      if (no_administrator_left(c)) errors.push_back({members ? "members" : roles ? "roles" : "active", "user.last_administrator", {}});
    }
    if (!errors.empty()) return Error::invalid(std::move(errors));
    view = view_of(c, p, g);
    json changes = json::object();
    auto compare = [&](const char* name, const json& a, const json& b) { note_change(changes, name, a, b); };
    compare("display_name", before.group.display_name, g.display_name);
    compare("description", before.group.description, g.description);
    compare("email", before.group.email, g.email);
    compare("active", before.group.active, g.active);
    compare("organization", before.organization ? json(before.organization->number) : json(nullptr),
            view.organization ? json(view.organization->number) : json(nullptr));
    compare("members", before.members, view.members);
    compare("roles", before.roles, view.roles);
    if (changes.empty()) {
      view = before;
      return ok_status();
    }
    if (!toggled) {
      g.updated_at = clock_.now_ms();
      if (!store::update_group(c, g, g.version)) return stale(g.version, g.version);
    }
    view.group = *store::find_group(c, g.id);
    journal(c, p, "group", g.id, g.name, "update", changes);
    return ok_status();
  });
  if (!s) return s.take_error();
  forget_credentials(std::nullopt);
  return view;
}

Status Directory::delete_group(const Principal& p, std::string_view key) {
  Status s = db_.write([&](store::Connection& c) -> Status {
    auto g = group_by_key(c, key);
    if (!g || !group_within(p, p.scope("group", "read"), *g)) return not_found("group", key);
    if (!group_within(p, p.scope("group", "delete"), *g)) return forbidden("delete", "group");
    GroupView before = view_of(c, p, *g);
    if (auto e = check_grantable(c, p, "roles", role_ids(c, before.roles), member_orgs(c, store::group_member_ids(c, g->id))))
      return Error::invalid(std::vector<FieldError>{*e});
    store::delete_group(c, g->id);
    if (no_administrator_left(c)) return Error::invalid(std::vector<FieldError>{{"roles", "user.last_administrator", {}}});
    journal(c, p, "group", g->id, g->name, "delete",
            {{"members", {before.members, nullptr}}, {"roles", {before.roles, nullptr}}});
    return ok_status();
  });
  if (s) forget_credentials(std::nullopt);
  return s;
}

// ---------------------------------------------------------------------------------------------
// Roles

namespace {

// Reads and checks "permissions": [{"type", "action", "scope"}, …] against the model.
std::optional<std::vector<store::PermissionRow>> read_permissions(BodyReader& r, const model::Catalogue& catalogue) {
  const json* raw = r.raw("permissions");
  if (!raw || raw->is_null()) return std::nullopt;
  if (!raw->is_array()) {
    r.error("permissions", "field.type_list");
    return std::nullopt;
  }
  std::vector<store::PermissionRow> out;
  std::set<std::pair<std::string, std::string>> seen;
  for (size_t i = 0; i < raw->size(); ++i) {
    const json& item = (*raw)[i];
    std::string field = "permissions[" + std::to_string(i) + "]";
    if (!item.is_object() || !item.contains("type") || !item.contains("action") || !item.contains("scope") ||
        !item["type"].is_string() || !item["action"].is_string() || !item["scope"].is_string() || item.size() != 3) {
      r.error(field, "role.permission_shape");
      continue;
    }
    store::PermissionRow row{item["type"], item["action"], item["scope"]};
    const bool platform = engine::is_platform_resource(row.type);
    const model::TypeDef* t = catalogue.type(row.type);
    if (row.type != "*" && !platform && !t) {
      r.error(field + ".type", "role.unknown_type", {{"value", row.type}});
      continue;
    }
    static const std::set<std::string> record_actions = {"read", "create", "update", "delete", "export", "comment", "*",
                                                           "transition:*", "read_restricted", "read_public"};
    static const std::set<std::string> platform_actions = {"read", "create", "update", "delete", "*"};
    // Actions of their own: muting (what a role lets its holders silence) and sharing list views.
    bool action_ok = platform ? platform_actions.count(row.action) > 0 ||
                                    (row.type == "subscription" && row.action == "mute") ||
                                    (row.type == "view" && row.action == "share")
                              : record_actions.count(row.action) > 0;
    if (!action_ok && !platform && row.action.rfind("transition:", 0) == 0) {
      std::string name = row.action.substr(11);
      if (t) {
        action_ok = t->lifecycle && t->lifecycle->transition(name);
      } else {
        for (auto& tp : catalogue.types())
          action_ok = action_ok || (tp->lifecycle && tp->lifecycle->transition(name));
      }
    }
    if (!action_ok) {
      r.error(field + ".action", "role.unknown_action", {{"value", row.action}});
      continue;
    }
    if (!engine::parse_scope(row.scope)) {
      r.error(field + ".scope", "role.unknown_scope", {{"value", row.scope}});
      continue;
    }
    if (!seen.emplace(row.type, row.action).second) {
      r.error(field, "role.duplicate_permission", {{"value", row.type + " " + row.action}});
      continue;
    }
    out.push_back(std::move(row));
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct RoleLabels {
  std::optional<std::string> en, ja;
};

RoleLabels read_label(BodyReader& r, bool required) {
  RoleLabels out;
  const json* raw = r.raw("label");
  if (!raw || raw->is_null()) {
    if (required) r.error("label", "field.required");
    return out;
  }
  if (!raw->is_object() || !raw->contains("en") || !raw->contains("ja") || !(*raw)["en"].is_string() ||
      !(*raw)["ja"].is_string() || (*raw)["en"].get<std::string>().empty() || (*raw)["ja"].get<std::string>().empty() ||
      raw->size() != 2) {
    r.error("label", "role.label_shape");
    return out;
  }
  out.en = (*raw)["en"].get<std::string>().substr(0, 200);
  out.ja = (*raw)["ja"].get<std::string>().substr(0, 200);
  return out;
}

}  // namespace

Result<RoleView> Directory::create_role(const Principal& p, const json& body) {
  if (p.scope("role", "create") != Scope::all) return forbidden("create", "role");
  BodyReader r(body, {"name", "label", "description", "permissions"}, "role");
  auto name = r.text("name", true, 64);
  if (name && !valid_name(*name)) r.error("name", "group.name_format");
  RoleLabels label = read_label(r, true);
  auto description = r.text("description", false, 2000);
  auto permissions = read_permissions(r, catalogue_);
  if (permissions)
    if (auto e = check_permissions(p, "permissions", *permissions)) r.error(e->field, e->code, e->args);
  if (!r.ok()) return r.failure();
  RoleView view;
  Status s = db_.write([&](store::Connection& c) -> Status {
    if (store::find_role_by_name(c, *name)) return Error::invalid({{"name", "role.name_taken", {{"value", *name}}}});
    store::Role role{0, *name, *label.en, *label.ja, description.value_or(""), false, clock_.now_ms(), clock_.now_ms(), 1};
    store::insert_role(c, role);
    store::set_role_permissions(c, role.id, permissions.value_or(std::vector<store::PermissionRow>{}));
    view = view_of(c, p, role);
    journal(c, p, "role", role.id, role.name, "create",
            {{"name", {nullptr, role.name}}, {"label", {nullptr, {{"en", role.label_en}, {"ja", role.label_ja}}}},
             {"permissions", {nullptr, permissions_json(view.permissions)}}});
    return ok_status();
  });
  if (!s) return s.take_error();
  return view;
}

Result<RoleView> Directory::role(const Principal& p, std::string_view key) {
  if (p.scope("role", "read") != Scope::all) return forbidden("read", "role");
  std::optional<Result<RoleView>> out;
  db_.read([&](store::Connection& c) {
    auto role = role_by_key(c, key);
    if (!role) out = not_found("role", key);
    else out = view_of(c, p, *role);
  });
  return std::move(*out);
}

Result<std::vector<RoleView>> Directory::roles(const Principal& p) {
  if (p.scope("role", "read") != Scope::all) return forbidden("read", "role");
  std::vector<RoleView> out;
  db_.read([&](store::Connection& c) {
    for (auto& role : store::list_roles(c)) out.push_back(view_of(c, p, role));
  });
  return out;
}

Result<RoleView> Directory::update_role(const Principal& p, std::string_view key, const json& body,
                                        std::optional<std::int64_t> expected_version) {
  if (p.scope("role", "update") != Scope::all) return forbidden("update", "role");
  BodyReader r(body, {"label", "description", "permissions"}, "role");
  RoleLabels label = read_label(r, false);
  auto description = r.text("description", false, 2000);
  auto permissions = read_permissions(r, catalogue_);
  if (!r.ok()) return r.failure();
  RoleView view;
  Status s = db_.write([&](store::Connection& c) -> Status {
    auto found = role_by_key(c, key);
    if (!found) return not_found("role", key);
    if (expected_version && *expected_version != found->version) return stale(*expected_version, found->version);
    RoleView before = view_of(c, p, *found);
    store::Role role = *found;
    if (label.en) role.label_en = *label.en;
    if (label.ja) role.label_ja = *label.ja;
    if (description) role.description = *description;
    json changes = json::object();
    if (permissions && *permissions != before.permissions) {
      // Both what is added and what is removed must lie within the caller's powers.
      std::vector<store::PermissionRow> changed;
      for (auto& row : *permissions)
        if (std::find(before.permissions.begin(), before.permissions.end(), row) == before.permissions.end()) changed.push_back(row);
      for (auto& row : before.permissions)
        if (std::find(permissions->begin(), permissions->end(), row) == permissions->end()) changed.push_back(row);
      if (auto e = check_permissions(p, "permissions", changed)) return Error::invalid({*e});
      if (role.name == "administrator") {
        bool keeps_all = std::any_of(permissions->begin(), permissions->end(), [](auto& row) {
          return row.type == "role" && (row.action == "*" || row.action == "update") && row.scope == "all";
        });
        if (!keeps_all) return Error::invalid({{"permissions", "role.administrator_keeps_roles", {}}});
      }
      store::set_role_permissions(c, role.id, *permissions);
      changes["permissions"] = json::array({permissions_json(before.permissions), permissions_json(*permissions)});
    }
    if (role.label_en != before.role.label_en || role.label_ja != before.role.label_ja)
      changes["label"] = json::array({{{"en", before.role.label_en}, {"ja", before.role.label_ja}},
                                      {{"en", role.label_en}, {"ja", role.label_ja}}});
    if (role.description != before.role.description)
      changes["description"] = json::array({before.role.description, role.description});
    if (changes.empty()) {
      view = before;
      return ok_status();
    }
    role.updated_at = clock_.now_ms();
    if (!store::update_role(c, role, role.version)) return stale(role.version, role.version);
    view = view_of(c, p, *store::find_role(c, role.id));
    journal(c, p, "role", role.id, role.name, "update", changes);
    return ok_status();
  });
  if (!s) return s.take_error();
  forget_credentials(std::nullopt);
  return view;
}

Status Directory::delete_role(const Principal& p, std::string_view key) {
  if (p.scope("role", "delete") != Scope::all) return forbidden("delete", "role");
  return db_.write([&](store::Connection& c) -> Status {
    auto role = role_by_key(c, key);
    if (!role) return not_found("role", key);
    if (role->builtin) return Error::of(ErrorKind::conflict, "role.builtin", {{"role", role->name}});
    std::int64_t holders = store::role_holders(c, role->id);
    if (holders > 0) return Error::of(ErrorKind::conflict, "role.in_use", {{"role", role->name}, {"count", std::to_string(holders)}});
    auto permissions = store::role_permissions(c, role->id);
    if (auto e = check_permissions(p, "permissions", permissions)) return Error::invalid({*e});
    store::delete_role(c, role->id);
    journal(c, p, "role", role->id, role->name, "delete", {{"permissions", {permissions_json(permissions), nullptr}}});
    return ok_status();
  });
}

Status Directory::grant_role(const Principal& p, std::string_view user, const std::string& role, bool grant) {
  std::optional<Result<UserView>> target;
  db_.read([&](store::Connection& c) { target = load_user(c, p, user, "update"); });
  if (!*target) return target->take_error();
  std::vector<std::string> roles = (*target)->roles;
  auto it = std::find(roles.begin(), roles.end(), role);
  const bool held = it != roles.end();
  if (!grant && !held) return Error::invalid({{"roles", "user.role_not_held", {{"value", role}}}});
  if (grant && !held) roles.push_back(role);
  if (!grant) roles.erase(it);
  auto updated = update_user(p, user, json{{"roles", roles}}, (*target)->user.version);
  if (!updated) return updated.take_error();
  return ok_status();
}

}  // namespace kanri::auth
