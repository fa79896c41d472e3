#include "api/identity_json.h"

#include "core/time.h"

namespace kanri::api {

using nlohmann::json;

namespace {
json time_or_null(const std::optional<EpochMs>& t) { return t ? json(format_timestamp(*t)) : json(nullptr); }
json text_or_null(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }
}  // namespace

json user_json(const auth::UserView& v) {
  const store::User& u = v.user;
  json orgs = json::array();
  for (auto& o : v.organizations)
    orgs.push_back({{"id", o.id}, {"number", o.number}, {"display", o.name}, {"primary", o.primary}});
  return {{"id", u.id},
          {"username", u.username},
          {"display_name", u.display_name},
          {"email", text_or_null(u.email)},
          {"kind", u.kind},
          {"language", u.language},
          {"time_zone", u.time_zone},
          {"auth_source", u.auth_source},
          {"active", u.active},
          {"totp_enabled", !u.totp_secret.empty()},
          {"organizations", orgs},
          {"roles", v.roles},
          {"groups", v.groups},
          {"version", u.version},
          {"created_at", format_timestamp(u.created_at)},
          {"updated_at", format_timestamp(u.updated_at ? u.updated_at : u.created_at)},
          {"password_changed_at", time_or_null(u.password_changed_at)}};
}

json group_json(const auth::GroupView& v) {
  const store::Group& g = v.group;
  json org = nullptr;
  if (v.organization) org = {{"id", v.organization->id}, {"number", v.organization->number}, {"display", v.organization->name}};
  return {{"id", g.id},
          {"name", g.name},
          {"display_name", g.display_name},
          {"description", g.description},
          {"email", text_or_null(g.email)},
          {"organization", org},
          {"active", g.active},
          {"members", v.members},
          {"roles", v.roles},
          {"version", g.version},
          {"created_at", format_timestamp(g.created_at)},
          {"updated_at", format_timestamp(g.updated_at)}};
}

json role_json(const auth::RoleView& v) {
  json perms = json::array();
  for (auto& p : v.permissions) perms.push_back({{"type", p.type}, {"action", p.action}, {"scope", p.scope}});
  return {{"id", v.role.id},
          {"name", v.role.name},
          {"label", {{"en", v.role.label_en}, {"ja", v.role.label_ja}}},
          {"description", v.role.description},
          {"builtin", v.role.builtin},
          {"permissions", perms},
          {"holders", v.holders},
          {"version", v.role.version},
          {"created_at", format_timestamp(v.role.created_at)},
          {"updated_at", format_timestamp(v.role.updated_at)}};
}

json token_json(const auth::TokenView& v) {
  const store::ApiToken& t = v.token;
  return {{"id", t.id},
          {"user", v.username},
          {"label", t.label},
          {"created_at", format_timestamp(t.created_at)},
          {"created_by", t.created_by},
          {"expires_at", time_or_null(t.expires_at)},
          {"revoked_at", time_or_null(t.revoked_at)},
          {"last_used_at", time_or_null(t.last_used_at)}};
}

json session_json(const auth::SessionView& v, std::optional<std::int64_t> current_session) {
  const store::Session& s = v.session;
  return {{"id", s.id},
          {"user", v.username},
          {"created_at", format_timestamp(s.created_at)},
          {"last_seen_at", format_timestamp(s.last_seen_at)},
          {"expires_at", format_timestamp(s.expires_at)},
          {"ip", s.ip},
          {"user_agent", s.user_agent},
          {"method", s.method},
          {"enrolment_only", s.enrol_only},
          {"current", current_session == s.id}};
}

json permissions_json(const std::vector<engine::Permission>& permissions) {
  json a = json::array();
  for (auto& p : permissions)
    a.push_back({{"type", p.type}, {"action", p.action}, {"scope", std::string(engine::scope_name(p.scope))}});
  return a;
}

json journal_entry_json(const store::JournalEntry& e) {
  json changes = json::parse(e.changes, nullptr, false);
  return {{"seq", e.seq},
          {"at", format_timestamp(e.at)},
          {"principal", e.principal.empty() ? json(nullptr) : json(e.principal)},
          {"principal_id", e.principal_id ? json(*e.principal_id) : json(nullptr)},
          {"ip", e.ip},
          {"record_type", e.record_type},
          {"record_id", e.record_id},
          {"record_number", e.record_number},
          {"action", e.action},
          {"changes", changes.is_discarded() ? json(nullptr) : changes},
          {"hash", e.hash}};
}

}  // namespace kanri::api
