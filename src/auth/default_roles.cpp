#include "auth/default_roles.h"

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

namespace kanri::auth {

using nlohmann::json;
using store::PermissionRow;

namespace {

std::vector<PermissionRow> on_every_type(std::initializer_list<const char*> actions, const char* scope) {
  std::vector<PermissionRow> out;
  for (auto* a : actions) out.push_back({"*", a, scope});
  return out;
}

// `actions` on each of `types`.
std::vector<PermissionRow> on_types(std::initializer_list<const char*> types, std::initializer_list<const char*> actions,
                                    const char* scope) {
  std::vector<PermissionRow> out;
  for (auto* t : types)
    for (auto* a : actions) out.push_back({t, a, scope});
  return out;
}

std::vector<PermissionRow> operator+(std::vector<PermissionRow> a, const std::vector<PermissionRow>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

const std::vector<PermissionRow> kWorkTickets =
    on_every_type({"read", "create", "update", "comment", "transition:*"}, "all");
// Who may share a list view with everyone (personal views need no permission).
const std::vector<PermissionRow> kShareViews = {{"view", "share", "all"}};
const std::vector<PermissionRow> kSeeColleagues = {{"user", "read", "all"}, {"group", "read", "all"}};
const std::vector<PermissionRow> kReports = {{"dashboard", "read", "all"}, {"report", "read", "all"}};
const std::vector<PermissionRow> kAudit = {{"journal", "read", "all"},      {"user", "read", "all"},
                                           {"group", "read", "all"},        {"role", "read", "all"},
                                           {"session", "read", "all"},      {"token", "read", "all"},
                                           {"notification", "read", "all"}, {"subscription", "read", "all"},
                                           {"job", "read", "all"}};
// Everyone who works tickets sees what was sent to them and may silence what is not mandatory.
const std::vector<PermissionRow> kOwnNotifications = {{"notification", "read", "own"}, {"subscription", "mute", "own"}};

}  // namespace

const std::vector<RoleDefinition>& default_roles() {
  static const std::vector<RoleDefinition> roles = [] {
    std::vector<PermissionRow> admin = {{"*", "*", "all"}};
    for (auto& r : std::vector<std::string>{"user", "group", "role", "session", "token", "journal", "dashboard", "report",
                                            "job", "notification", "subscription", "view"})
      admin.push_back({r, "*", "all"});
    return std::vector<RoleDefinition>{
        {"administrator", "Administrator", "管理者",
         "Everything, including users, roles, groups, sessions, tokens and the journal.", admin},
        {"service_desk_agent", "Service desk agent", "サービスデスク担当者",
         "Records, classifies and works every ticket; exports lists. Cannot delete.",
         kWorkTickets + on_every_type({"export"}, "all") + kSeeColleagues + kOwnNotifications},
        {"incident_manager", "Incident manager", "インシデント管理者",
         "Leads incident and problem management: works every ticket, declares major incidents, sees reports.",
         kWorkTickets + on_every_type({"export"}, "all") + kSeeColleagues + kReports + kOwnNotifications + kShareViews},
        {"technical_specialist", "Technical specialist", "技術担当者",
         "Works the tickets assigned to their team (2nd and 3rd line): reads, updates and transitions records.",
         kWorkTickets + kSeeColleagues + kOwnNotifications},
        {"change_manager", "Change manager", "変更管理者",
         "Works changes and releases and every record they touch; exports; sees reports.",
         kWorkTickets + on_every_type({"export"}, "all") + kSeeColleagues + kReports + kOwnNotifications + kShareViews},
        {"service_owner", "Service owner", "サービスオーナー",
         "Reads everything; maintains the services they own and the agreements, service level targets, business "
         "calendars, importance schemes and service reviews; approves agreement changes; sees dashboards and reports.",
         on_every_type({"read", "export"}, "all") +
             std::vector<PermissionRow>{{"service", "update", "own"}, {"service", "comment", "own"},
                                        {"service", "transition:*", "own"},
                                        // the approvals they are named on (service requests)
                                        {"approval", "transition:approve", "own"}, {"approval", "transition:reject", "own"}} +
             // service level management: the agreements, their targets and calendars; the
             // catalogue's importance schemes and the service reviews with the customers
             on_types({"agreement", "service_level_target", "business_calendar", "importance_scheme", "service_review"},
                      {"create", "update", "comment", "transition:*"}, "all") +
             kSeeColleagues + kReports + kOwnNotifications + kShareViews},
        {"security_officer", "Security officer", "情報セキュリティ責任者",
         "Reads everything including the journal, sessions and tokens, and ends others' sessions and tokens; works "
         "records; exports.",
         kWorkTickets + on_every_type({"export"}, "all") + kAudit + kReports +
             on_every_type({"read_restricted"}, "all") +
             std::vector<PermissionRow>{{"session", "delete", "all"}, {"token", "delete", "all"}, {"subscription", "mute", "own"}}},
        {"internal_auditor", "Internal auditor", "内部監査員",
         "Reads everything, including the journal, and exports it; changes nothing.",
         on_every_type({"read", "export"}, "all") + kAudit + kReports},
        {"requester", "Requester", "依頼者",
         "A customer's user: sees the service catalogue and their own organization; reports and follows their own tickets "
         "(reads and comments on the records they created or are named in); reads the published help articles meant for everyone.",
         std::vector<PermissionRow>{{"organization", "read", "organization"}, {"service", "read", "all"},
                                    {"user", "read", "own"}, {"incident", "create", "own"},
                                    {"incident", "transition:confirm", "own"}, {"incident", "transition:reopen", "own"},
                                    {"request_type", "read", "all"}, {"service_request", "create", "own"},
                                    // the help articles: published ones meant for everyone
                                    {"knowledge_article", "read_public", "all"},
                                    {"service_request", "transition:confirm", "own"},
                                    {"service_request", "transition:cancel", "own"},
                                    {"approval", "transition:approve", "own"}, {"approval", "transition:reject", "own"}} +
             on_every_type({"read", "comment"}, "own") +
             kOwnNotifications},
        {"top_management", "Top management", "トップマネジメント",
         "Dashboards and reports, the catalogue of services and organizations, incidents, problems and improvements, and the periodic activities (what is "
         "overdue); read-only. What they are told cannot be muted.",
         kReports + std::vector<PermissionRow>{{"service", "read", "all"}, {"organization", "read", "all"},
                                               {"periodic_activity", "read", "all"}, {"notification", "read", "own"},
                                               // what they are told of: major incidents, their
                                               // problems and improvements, the procedures
                                               {"incident", "read", "all"}, {"problem", "read", "all"},
                                               {"improvement", "read", "all"}, {"document", "read", "all"}}},
    };
  }();
  return roles;
}

namespace {
json permissions_json(const std::vector<PermissionRow>& rows) {
  json a = json::array();
  for (auto& p : rows) a.push_back({{"type", p.type}, {"action", p.action}, {"scope", p.scope}});
  return a;
}
}  // namespace

std::vector<std::string> sync_default_roles(store::Connection& c, EpochMs now, const store::Actor& by) {
  std::vector<std::string> done;
  // What the defaults were when this database last synchronised, by role.
  json seen = json::object();
  store::Rows meta = c.query("SELECT value FROM kanri_meta WHERE key = 'default_roles'");
  if (!meta.empty()) seen = json::parse(as_text(meta[0][0]), nullptr, false);
  if (!seen.is_object()) seen = json::object();
  json now_seen = json::object();
  for (auto& def : default_roles()) {
    std::vector<PermissionRow> wanted = def.permissions;
    std::sort(wanted.begin(), wanted.end());
    now_seen[def.name] = permissions_json(wanted);
    auto role = store::find_role_by_name(c, def.name);
    if (!role) {
      if (seen.contains(def.name)) continue;  // an administrator deleted it: leave it deleted
      store::Role r{0, def.name, def.label_en, def.label_ja, def.description, true, now, now, 1};
      store::insert_role(c, r);
      store::set_role_permissions(c, r.id, wanted);
      store::journal_event(c, by, now, "role", r.id, r.name, "create",
                           json{{"name", {nullptr, r.name}}, {"permissions", {nullptr, permissions_json(wanted)}}}.dump());
      done.push_back("create role " + def.name);
      continue;
    }
    if (!seen.contains(def.name) || !role->builtin) continue;
    std::set<PermissionRow> before_defaults;
    for (auto& p : seen[def.name])
      if (p.is_object()) before_defaults.insert({p.value("type", ""), p.value("action", ""), p.value("scope", "")});
    std::vector<PermissionRow> current = store::role_permissions(c, role->id);
    std::vector<PermissionRow> after = current;
    for (auto& p : wanted) {
      if (before_defaults.count(p)) continue;  // not new in this release
      bool held = std::any_of(current.begin(), current.end(),
                              [&](auto& q) { return q.type == p.type && q.action == p.action; });
      if (!held) after.push_back(p);
    }
    if (after.size() == current.size()) continue;
    std::sort(after.begin(), after.end());
    store::set_role_permissions(c, role->id, after);
    store::journal_event(c, by, now, "role", role->id, role->name, "update",
                         json{{"permissions", {permissions_json(current), permissions_json(after)}}}.dump());
    done.push_back("add the new default permissions of role " + def.name);
  }
  c.run("INSERT INTO kanri_meta (key, value) VALUES ('default_roles', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        {now_seen.dump()});
  return done;
}

}  // namespace kanri::auth
