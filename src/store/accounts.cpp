#include "store/accounts.h"

#include <algorithm>
#include <map>

#include "store/sql_text.h"

namespace kanri::store {

const char* const kUserColumns =
    "u.id, u.username, u.display_name, u.email, u.kind, u.language, u.time_zone, u.password_hash, u.auth_source, "
    "u.active, u.created_at, u.updated_at, u.version, u.password_changed_at, u.totp_secret, u.totp_pending, "
    "u.totp_last_step";

namespace {

Value text_or_null(const std::string& s) { return s.empty() ? Value() : Value(s); }

std::string lower_ascii(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

// Replaces the rows of a membership table for one owner.
void replace_members(Connection& c, const std::string& table, const std::string& owner_col, std::int64_t owner,
                     const std::string& member_col, const std::vector<std::int64_t>& members) {
  c.run("DELETE FROM " + table + " WHERE " + owner_col + " = ?", {owner});
  for (auto m : members)
    c.run("INSERT INTO " + table + " (" + owner_col + ", " + member_col + ") VALUES (?, ?) ON CONFLICT DO NOTHING",
          {owner, m});
}

std::vector<std::string> names_of(Rows rows) {
  std::vector<std::string> out;
  for (auto& row : rows.rows) out.push_back(as_text(row[0]));
  return out;
}

}  // namespace

User read_user(const std::vector<Value>& row, size_t at) {
  auto r = [&](size_t i) -> const Value& { return row[at + i]; };
  User u;
  u.id = as_int(r(0));
  u.username = as_text(r(1));
  u.display_name = as_text(r(2));
  u.email = as_text(r(3));
  u.kind = as_text(r(4));
  u.language = as_text(r(5));
  u.time_zone = as_text(r(6));
  u.password_hash = as_text(r(7));
  u.auth_source = as_text(r(8));
  u.active = as_int(r(9)) != 0;
  u.created_at = as_int(r(10));
  u.updated_at = as_int(r(11));
  u.version = as_int(r(12));
  if (!is_null(r(13))) u.password_changed_at = as_int(r(13));
  u.totp_secret = as_text(r(14));
  u.totp_pending = as_text(r(15));
  u.totp_last_step = as_int(r(16));
  return u;
}

void insert_user(Connection& c, User& u) {
  Rows r = c.query(
      "INSERT INTO users (username, display_name, email, kind, language, time_zone, password_hash, auth_source, "
      "active, created_at, updated_at, version, password_changed_at, totp_secret, totp_pending, totp_last_step) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?) RETURNING id",
      {lower_ascii(u.username), u.display_name, text_or_null(u.email), u.kind, u.language, u.time_zone,
       text_or_null(u.password_hash), u.auth_source, static_cast<std::int64_t>(u.active), u.created_at,
       u.updated_at ? u.updated_at : u.created_at, opt(u.password_changed_at), text_or_null(u.totp_secret),
       text_or_null(u.totp_pending), u.totp_last_step});
  u.id = as_int(r[0][0]);
  u.version = 1;
}

bool update_user(Connection& c, const User& u, std::int64_t expected_version) {
  return c.run("UPDATE users SET display_name = ?, email = ?, kind = ?, language = ?, time_zone = ?, password_hash = ?, "
               "auth_source = ?, active = ?, updated_at = ?, version = ?, password_changed_at = ?, totp_secret = ?, "
               "totp_pending = ?, totp_last_step = ? WHERE id = ? AND version = ?",
               {u.display_name, text_or_null(u.email), u.kind, u.language, u.time_zone, text_or_null(u.password_hash),
                u.auth_source, static_cast<std::int64_t>(u.active), u.updated_at, expected_version + 1,
                opt(u.password_changed_at), text_or_null(u.totp_secret), text_or_null(u.totp_pending),
                u.totp_last_step, u.id, expected_version}) == 1;
}

std::optional<User> find_user(Connection& c, std::int64_t id) {
  Rows r = c.query(std::string("SELECT ") + kUserColumns + " FROM users u WHERE u.id = ?", {id});
  if (r.empty()) return std::nullopt;
  return read_user(r[0]);
}

std::optional<User> find_user_by_name(Connection& c, const std::string& username) {
  Rows r = c.query(std::string("SELECT ") + kUserColumns + " FROM users u WHERE u.username = ?", {lower_ascii(username)});
  if (r.empty()) return std::nullopt;
  return read_user(r[0]);
}

std::vector<User> list_users(Connection& c, const std::string& after, int limit, const std::vector<std::int64_t>& orgs) {
  std::vector<Value> params{after};
  std::string where = "u.username > ?";
  if (!orgs.empty()) where += " AND u.id IN (SELECT user_id FROM user_orgs WHERE org_id IN (" + in_list(orgs, params) + "))";
  params.push_back(static_cast<std::int64_t>(limit));
  Rows r = c.query(std::string("SELECT ") + kUserColumns + " FROM users u WHERE " + where + " ORDER BY u.username LIMIT ?",
                   params);
  std::vector<User> out;
  for (auto& row : r.rows) out.push_back(read_user(row));
  return out;
}

std::vector<std::pair<std::int64_t, std::string>> user_names(Connection& c, const std::vector<std::int64_t>& ids) {
  std::vector<std::pair<std::int64_t, std::string>> out;
  if (ids.empty()) return out;
  std::vector<Value> params;
  std::string list = in_list(ids, params);
  Rows r = c.query("SELECT id, display_name FROM users WHERE id IN (" + list + ")", params);
  for (auto& row : r.rows) out.emplace_back(as_int(row[0]), as_text(row[1]));
  return out;
}

std::vector<OrgMembership> user_orgs(Connection& c, std::int64_t user_id) {
  Rows r = c.query("SELECT org_id, is_primary FROM user_orgs WHERE user_id = ? ORDER BY is_primary DESC, org_id", {user_id});
  std::vector<OrgMembership> out;
  for (auto& row : r.rows) out.push_back({as_int(row[0]), as_int(row[1]) != 0});
  return out;
}

void set_user_orgs(Connection& c, std::int64_t user_id, const std::vector<OrgMembership>& orgs) {
  c.run("DELETE FROM user_orgs WHERE user_id = ?", {user_id});
  for (auto& m : orgs)
    c.run("INSERT INTO user_orgs (user_id, org_id, is_primary) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
          {user_id, m.org_id, static_cast<std::int64_t>(m.primary)});
}

namespace {
constexpr const char* kRoleColumns = "id, name, label_en, label_ja, description, builtin, created_at, updated_at, version";
Role read_role(const std::vector<Value>& r) {
  return Role{as_int(r[0]), as_text(r[1]), as_text(r[2]), as_text(r[3]), as_text(r[4]), as_int(r[5]) != 0,
              as_int(r[6]), as_int(r[7]), as_int(r[8])};
}
}  // namespace

void insert_role(Connection& c, Role& r) {
  Rows rows = c.query("INSERT INTO roles (name, label_en, label_ja, description, builtin, created_at, updated_at, version) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?, 1) RETURNING id",
                      {r.name, r.label_en, r.label_ja, r.description, static_cast<std::int64_t>(r.builtin), r.created_at,
                       r.updated_at ? r.updated_at : r.created_at});
  r.id = as_int(rows[0][0]);
  r.version = 1;
}

bool update_role(Connection& c, const Role& r, std::int64_t expected_version) {
  return c.run("UPDATE roles SET label_en = ?, label_ja = ?, description = ?, updated_at = ?, version = ? "
               "WHERE id = ? AND version = ?",
               {r.label_en, r.label_ja, r.description, r.updated_at, expected_version + 1, r.id, expected_version}) == 1;
}

void delete_role(Connection& c, std::int64_t id) {
  c.run("DELETE FROM role_permissions WHERE role_id = ?", {id});
  c.run("DELETE FROM user_roles WHERE role_id = ?", {id});
  c.run("DELETE FROM group_roles WHERE role_id = ?", {id});
  c.run("DELETE FROM roles WHERE id = ?", {id});
}

std::optional<Role> find_role(Connection& c, std::int64_t id) {
  Rows r = c.query(std::string("SELECT ") + kRoleColumns + " FROM roles WHERE id = ?", {id});
  if (r.empty()) return std::nullopt;
  return read_role(r[0]);
}

std::optional<Role> find_role_by_name(Connection& c, const std::string& name) {
  Rows r = c.query(std::string("SELECT ") + kRoleColumns + " FROM roles WHERE name = ?", {name});
  if (r.empty()) return std::nullopt;
  return read_role(r[0]);
}

std::vector<Role> list_roles(Connection& c) {
  Rows r = c.query(std::string("SELECT ") + kRoleColumns + " FROM roles ORDER BY name");
  std::vector<Role> out;
  for (auto& row : r.rows) out.push_back(read_role(row));
  return out;
}

std::vector<PermissionRow> role_permissions(Connection& c, std::int64_t role_id) {
  Rows r = c.query("SELECT record_type, action, scope FROM role_permissions WHERE role_id = ? ORDER BY record_type, action",
                   {role_id});
  std::vector<PermissionRow> out;
  for (auto& row : r.rows) out.push_back({as_text(row[0]), as_text(row[1]), as_text(row[2])});
  return out;
}

void set_role_permissions(Connection& c, std::int64_t role_id, const std::vector<PermissionRow>& rows) {
  c.run("DELETE FROM role_permissions WHERE role_id = ?", {role_id});
  for (auto& p : rows)
    c.run("INSERT INTO role_permissions (role_id, record_type, action, scope) VALUES (?, ?, ?, ?) "
          "ON CONFLICT (role_id, record_type, action) DO UPDATE SET scope = excluded.scope",
          {role_id, p.type, p.action, p.scope});
}

std::int64_t role_holders(Connection& c, std::int64_t role_id) {
  Rows r = c.query("SELECT (SELECT COUNT(*) FROM user_roles WHERE role_id = ?) + (SELECT COUNT(*) FROM group_roles WHERE role_id = ?)",
                   {role_id, role_id});
  return as_int(r[0][0]);
}

std::vector<std::string> user_role_names(Connection& c, std::int64_t user_id) {
  return names_of(c.query("SELECT r.name FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE ur.user_id = ? ORDER BY r.name",
                          {user_id}));
}

void set_user_roles(Connection& c, std::int64_t user_id, const std::vector<std::int64_t>& role_ids) {
  replace_members(c, "user_roles", "user_id", user_id, "role_id", role_ids);
}

std::vector<EffectiveRole> effective_roles(Connection& c, std::int64_t user_id) {
  Rows r = c.query(
      "SELECT r.name, p.record_type, p.action, p.scope FROM roles r "
      "LEFT JOIN role_permissions p ON p.role_id = r.id "
      "WHERE r.id IN (SELECT role_id FROM user_roles WHERE user_id = ? "
      "UNION SELECT gr.role_id FROM group_roles gr JOIN group_members gm ON gm.group_id = gr.group_id "
      "JOIN groups g ON g.id = gr.group_id WHERE gm.user_id = ? AND g.active = 1) "
      "ORDER BY r.name, p.record_type, p.action",
      {user_id, user_id});
  std::vector<EffectiveRole> out;
  for (auto& row : r.rows) {
    std::string name = as_text(row[0]);
    if (out.empty() || out.back().role != name) out.push_back({name, {}});
    if (!is_null(row[1])) out.back().permissions.push_back({as_text(row[1]), as_text(row[2]), as_text(row[3])});
  }
  return out;
}

namespace {
constexpr const char* kGroupColumns =
    "g.id, g.name, g.display_name, g.description, g.email, g.org_id, g.active, g.created_at, g.updated_at, g.version";
Group read_group(const std::vector<Value>& r) {
  Group g;
  g.id = as_int(r[0]);
  g.name = as_text(r[1]);
  g.display_name = as_text(r[2]);
  g.description = as_text(r[3]);
  g.email = as_text(r[4]);
  if (!is_null(r[5])) g.org_id = as_int(r[5]);
  g.active = as_int(r[6]) != 0;
  g.created_at = as_int(r[7]);
  g.updated_at = as_int(r[8]);
  g.version = as_int(r[9]);
  return g;
}
}  // namespace

void insert_group(Connection& c, Group& g) {
  Rows r = c.query("INSERT INTO groups (name, display_name, description, email, org_id, active, created_at, updated_at, version) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id",
                   {g.name, g.display_name, g.description, text_or_null(g.email), opt(g.org_id),
                    static_cast<std::int64_t>(g.active), g.created_at, g.updated_at ? g.updated_at : g.created_at});
  g.id = as_int(r[0][0]);
  g.version = 1;
}

bool update_group(Connection& c, const Group& g, std::int64_t expected_version) {
  return c.run("UPDATE groups SET display_name = ?, description = ?, email = ?, org_id = ?, active = ?, updated_at = ?, "
               "version = ? WHERE id = ? AND version = ?",
               {g.display_name, g.description, text_or_null(g.email), opt(g.org_id), static_cast<std::int64_t>(g.active),
                g.updated_at, expected_version + 1, g.id, expected_version}) == 1;
}

void delete_group(Connection& c, std::int64_t id) {
  c.run("DELETE FROM group_members WHERE group_id = ?", {id});
  c.run("DELETE FROM group_roles WHERE group_id = ?", {id});
  c.run("DELETE FROM groups WHERE id = ?", {id});
}

std::optional<Group> find_group(Connection& c, std::int64_t id) {
  Rows r = c.query(std::string("SELECT ") + kGroupColumns + " FROM groups g WHERE g.id = ?", {id});
  if (r.empty()) return std::nullopt;
  return read_group(r[0]);
}

std::optional<Group> find_group_by_name(Connection& c, const std::string& name) {
  Rows r = c.query(std::string("SELECT ") + kGroupColumns + " FROM groups g WHERE g.name = ?", {name});
  if (r.empty()) return std::nullopt;
  return read_group(r[0]);
}

std::vector<Group> list_groups(Connection& c) {
  Rows r = c.query(std::string("SELECT ") + kGroupColumns + " FROM groups g ORDER BY g.name");
  std::vector<Group> out;
  for (auto& row : r.rows) out.push_back(read_group(row));
  return out;
}

std::vector<std::int64_t> group_member_ids(Connection& c, std::int64_t group_id) {
  Rows r = c.query("SELECT gm.user_id FROM group_members gm JOIN users u ON u.id = gm.user_id WHERE gm.group_id = ? "
                   "ORDER BY u.username", {group_id});
  std::vector<std::int64_t> out;
  for (auto& row : r.rows) out.push_back(as_int(row[0]));
  return out;
}

std::vector<std::string> group_member_names(Connection& c, std::int64_t group_id) {
  return names_of(c.query("SELECT u.username FROM group_members gm JOIN users u ON u.id = gm.user_id WHERE gm.group_id = ? "
                          "ORDER BY u.username", {group_id}));
}

void set_group_members(Connection& c, std::int64_t group_id, const std::vector<std::int64_t>& user_ids) {
  replace_members(c, "group_members", "group_id", group_id, "user_id", user_ids);
}

std::vector<std::string> group_role_names(Connection& c, std::int64_t group_id) {
  return names_of(c.query("SELECT r.name FROM group_roles gr JOIN roles r ON r.id = gr.role_id WHERE gr.group_id = ? ORDER BY r.name",
                          {group_id}));
}

void set_group_roles(Connection& c, std::int64_t group_id, const std::vector<std::int64_t>& role_ids) {
  replace_members(c, "group_roles", "group_id", group_id, "role_id", role_ids);
}

void set_user_groups(Connection& c, std::int64_t user_id, const std::vector<std::int64_t>& group_ids) {
  replace_members(c, "group_members", "user_id", user_id, "group_id", group_ids);
}

std::vector<Group> user_groups(Connection& c, std::int64_t user_id) {
  Rows r = c.query(std::string("SELECT ") + kGroupColumns +
                       " FROM groups g JOIN group_members gm ON gm.group_id = g.id WHERE gm.user_id = ? ORDER BY g.name",
                   {user_id});
  std::vector<Group> out;
  for (auto& row : r.rows) out.push_back(read_group(row));
  return out;
}

}  // namespace kanri::store
