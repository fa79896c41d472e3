// The OpenAPI description of the platform's own resources: session, me, users, groups, roles,
// tokens, sessions and the journal.
#include "api/openapi.h"
#include "api/openapi_parts.h"

namespace kanri::api {

using nlohmann::json;
using oas::items_of;
using oas::ok_json;
using oas::problem;
using oas::sref;
using oas::str;

namespace {

json body(json schema) { return {{"required", true}, {"content", {{"application/json", {{"schema", std::move(schema)}}}}}}; }
json path_param(const std::string& name, const std::string& d) {
  return {{"name", name}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}, {"description", d}};
}
json query(const std::string& name, json schema, const std::string& d) {
  return {{"name", name}, {"in", "query"}, {"required", false}, {"schema", std::move(schema)}, {"description", d}};
}
json if_match() {
  return {{"name", "If-Match"}, {"in", "header"}, {"required", false}, {"schema", {{"type", "string"}}},
          {"description", "The version last read; a stale one gives 412"}};
}
json str_or_null() { return {{"type", json::array({"string", "null"})}}; }
json strings() { return {{"type", "array"}, {"items", str()}}; }
json obj(json props, json required = json::array()) {
  json s{{"type", "object"}, {"properties", std::move(props)}, {"additionalProperties", false}};
  if (!required.empty()) s["required"] = std::move(required);
  return s;
}

// An operation with the errors every authenticated call can give.
json op(const std::string& id, const std::string& tag, const std::string& summary, json responses) {
  responses["401"] = problem("Not signed in, or the token or session is not valid");
  responses["403"] = problem("Not allowed for your roles, or a missing CSRF token");
  return {{"operationId", id}, {"tags", json::array({tag})}, {"summary", summary}, {"responses", std::move(responses)}};
}

}  // namespace

void add_identity_openapi(json& paths, json& schemas) {
  json permission = obj({{"type", str()},
                         {"action", str()},
                         {"scope", {{"type", "string"}, {"enum", json::array({"own", "organization", "all"})}}}},
                        json::array({"type", "action", "scope"}));
  schemas["Permission"] = permission;
  schemas["User"] = {{"type", "object"},
                     {"properties",
                      {{"id", {{"type", "integer"}}},
                       {"username", str()},
                       {"display_name", str()},
                       {"email", str_or_null()},
                       {"kind", {{"type", "string"}, {"enum", json::array({"agent", "requester", "auditor", "administrator"})}}},
                       {"language", str()},
                       {"time_zone", str()},
                       {"auth_source", {{"type", "string"}, {"enum", json::array({"local", "ldap"})}}},
                       {"active", {{"type", "boolean"}}},
                       {"totp_enabled", {{"type", "boolean"}}},
                       {"organizations", {{"type", "array"}, {"items", sref("RecordReference")}}},
                       {"roles", strings()},
                       {"groups", strings()},
                       {"version", {{"type", "integer"}}},
                       {"created_at", str()},
                       {"updated_at", str()},
                       {"password_changed_at", str_or_null()}}}};
  json user_fields = {{"display_name", str()}, {"email", str()},    {"kind", str()},  {"language", str()},
                      {"time_zone", str()},    {"auth_source", str()}, {"active", {{"type", "boolean"}}},
                      {"organizations", strings()}, {"roles", strings()}, {"groups", strings()}};
  json user_input = user_fields;
  user_input["username"] = str();
  user_input["password"] = str();
  schemas["UserInput"] = obj(user_input, json::array({"username", "kind"}));
  schemas["UserPatch"] = obj(user_fields);
  schemas["Me"] = {{"allOf", json::array({sref("User"),
                                          {{"type", "object"},
                                           {"properties",
                                            {{"permissions", {{"type", "array"}, {"items", sref("Permission")}}},
                                             {"effective_roles", strings()},
                                             {"authentication", {{"type", "object"}}}}}}})}};
  schemas["Group"] = {{"type", "object"},
                      {"properties",
                       {{"id", {{"type", "integer"}}}, {"name", str()}, {"display_name", str()}, {"description", str()},
                        {"email", str_or_null()}, {"organization", {{"anyOf", json::array({sref("RecordReference"), {{"type", "null"}}})}}},
                        {"active", {{"type", "boolean"}}}, {"members", strings()}, {"roles", strings()},
                        {"version", {{"type", "integer"}}}}}};
  json group_fields = {{"display_name", str()}, {"description", str()}, {"email", str()}, {"organization", str()},
                       {"members", strings()},  {"roles", strings()},       {"active", {{"type", "boolean"}}}};
  json group_input = group_fields;
  group_input["name"] = str();
  schemas["GroupInput"] = obj(group_input, json::array({"name", "display_name"}));
  schemas["GroupPatch"] = obj(group_fields);
  json label = obj({{"en", str()}, {"ja", str()}}, json::array({"en", "ja"}));
  schemas["Role"] = {{"type", "object"},
                     {"properties",
                      {{"id", {{"type", "integer"}}}, {"name", str()}, {"label", label}, {"description", str()},
                       {"builtin", {{"type", "boolean"}}}, {"permissions", {{"type", "array"}, {"items", sref("Permission")}}},
                       {"holders", {{"type", "integer"}}}, {"version", {{"type", "integer"}}}}}};
  json role_fields = {{"label", label}, {"description", str()}, {"permissions", {{"type", "array"}, {"items", sref("Permission")}}}};
  json role_input = role_fields;
  role_input["name"] = str();
  schemas["RoleInput"] = obj(role_input, json::array({"name", "label"}));
  schemas["RolePatch"] = obj(role_fields);
  schemas["Token"] = {{"type", "object"},
                      {"properties",
                       {{"id", {{"type", "integer"}}}, {"user", str()}, {"label", str()}, {"created_at", str()},
                        {"created_by", str()}, {"expires_at", str_or_null()}, {"revoked_at", str_or_null()},
                        {"last_used_at", str_or_null()}, {"secret", {{"type", "string"}, {"description", "Only in the answer to POST, once"}}}}}};
  schemas["TokenInput"] = obj({{"label", str()}, {"expires_at", str()}, {"expires_in_days", {{"type", "integer"}}}, {"user", str()}},
                              json::array({"label"}));
  schemas["Session"] = {{"type", "object"},
                        {"properties",
                         {{"id", {{"type", "integer"}}}, {"user", str()}, {"created_at", str()}, {"last_seen_at", str()},
                          {"expires_at", str()}, {"ip", str()}, {"user_agent", str()}, {"method", str()},
                          {"enrolment_only", {{"type", "boolean"}}}, {"current", {{"type", "boolean"}}}}}};
  json no_body = {{"description", "Done"}};

  paths["/api/v1/session"] = {
      {"post",
       {{"operationId", "sign_in"},
        {"tags", json::array({"session"})},
        {"summary", "Sign in with username and password (and the TOTP code when enrolled); sets the session cookie"},
        {"security", json::array()},
        {"requestBody", body(obj({{"username", str()}, {"password", str()}, {"totp", str()}}, json::array({"username", "password"})))},
        {"responses",
         {{"201", ok_json("Signed in; the cookie kanri_session is set", {{"type", "object"}})},
          {"400", problem("Malformed body")},
          {"401", problem("Wrong username or password, or a TOTP code is needed")},
          {"422", problem("A field is missing")},
          {"429", problem("Too many failed attempts; see Retry-After")},
          {"503", problem("The LDAP directory cannot be reached")}}}}},
      {"delete", op("sign_out", "session", "Sign out: ends this session and clears the cookie", {{"204", no_body}})}};
  paths["/api/v1/me"] = {
      {"get", op("me", "session", "The caller with organizations, roles and permissions", {{"200", ok_json("The caller", sref("Me"))}})},
      {"patch",
       op("update_me", "session", "Change one's own display name, e-mail, language or time zone",
          {{"200", ok_json("The caller", sref("Me"))}, {"422", problem("Invalid fields")}})}};
  paths["/api/v1/me"]["patch"]["requestBody"] =
      body(obj({{"display_name", str()}, {"email", str()}, {"language", str()}, {"time_zone", str()}}));
  paths["/api/v1/me/password"] = {
      {"post", op("change_password", "session", "Change one's password; ends one's other sessions",
                  {{"204", no_body}, {"422", problem("Wrong current password or a weak new one")}})}};
  paths["/api/v1/me/password"]["post"]["requestBody"] =
      body(obj({{"current_password", str()}, {"new_password", str()}}, json::array({"current_password", "new_password"})));
  json code_body = body(obj({{"code", str()}}, json::array({"code"})));
  paths["/api/v1/me/totp"] = {
      {"post", op("begin_totp", "session", "Start enrolling a TOTP second factor: secret, otpauth URI and QR code",
                  {{"201", ok_json("Scan the QR code, then confirm a code", {{"type", "object"}})}, {"409", problem("Already enrolled or turned off")}})},
      {"delete", op("disable_totp", "session", "Remove one's second factor (needs a current code)",
                    {{"204", no_body}, {"409", problem("Required by policy or not enrolled")}, {"422", problem("Wrong code")}})}};
  paths["/api/v1/me/totp"]["delete"]["requestBody"] = code_body;
  paths["/api/v1/me/totp/confirm"] = {
      {"post", op("confirm_totp", "session", "Confirm the enrolment with a first code",
                  {{"204", no_body}, {"409", problem("No enrolment started")}, {"422", problem("Wrong code")}})}};
  paths["/api/v1/me/totp/confirm"]["post"]["requestBody"] = code_body;

  auto crud = [&](const std::string& plural, const std::string& singular, const std::string& schema, const std::string& param,
                  bool with_delete, json list_params) {
    std::string base = "/api/v1/" + plural;
    json list = op("list_" + plural, plural, "List " + plural, {{"200", ok_json("A page", items_of(schema, plural == "users"))}});
    if (!list_params.empty()) list["parameters"] = list_params;
    json create = op("create_" + singular, plural, "Create a " + singular,
                     {{"201", ok_json("Created", sref(schema))}, {"422", problem("Invalid fields")}});
    create["requestBody"] = body(sref(schema + "Input"));
    paths[base] = {{"get", list}, {"post", create}};
    json item{{"parameters", json::array({path_param(param, "Name or id")})},
              {"get", op("get_" + singular, plural, "One " + singular, {{"200", ok_json("Found", sref(schema))}, {"404", problem("Not found")}})},
              {"patch", op("update_" + singular, plural, "Change a " + singular,
                           {{"200", ok_json("Changed", sref(schema))}, {"404", problem("Not found")}, {"412", problem("Stale version")},
                            {"422", problem("Invalid fields")}})}};
    item["patch"]["parameters"] = json::array({if_match()});
    item["patch"]["requestBody"] = body(sref(schema + "Patch"));
    if (with_delete)
      item["delete"] = op("delete_" + singular, plural, "Delete a " + singular,
                          {{"204", no_body}, {"404", problem("Not found")}, {"409", problem("Still in use or built in")}});
    paths[base + "/{" + param + "}"] = item;
    paths[base + "/{key}/history"] = {
        {"parameters", json::array({path_param("key", "Name or id")})},
        {"get", op("history_" + singular, plural, "Journal entries about the " + singular,
                   {{"200", ok_json("Oldest first", items_of("HistoryEntry"))}, {"404", problem("Not found")}})}};
  };
  crud("users", "user", "User", "user", false,
       json::array({query("after", str(), "next_cursor of the previous page"),
                    query("limit", {{"type", "integer"}, {"minimum", 1}, {"maximum", 500}}, "Page size (default 100)")}));
  crud("groups", "group", "Group", "group", true, json::array());
  crud("roles", "role", "Role", "role", true, json::array());
  paths["/api/v1/users/{user}/password"] = {
      {"parameters", json::array({path_param("user", "Username or id")})},
      {"post", op("reset_password", "users", "Set a user's password; ends all their sessions",
                  {{"204", no_body}, {"404", problem("Not found")}, {"422", problem("Weak password")}})}};
  paths["/api/v1/users/{user}/password"]["post"]["requestBody"] = body(obj({{"password", str()}}, json::array({"password"})));
  paths["/api/v1/users/{user}/totp"] = {
      {"parameters", json::array({path_param("user", "Username or id")})},
      {"delete", op("remove_totp", "users", "Remove a user's second factor; ends their sessions",
                    {{"204", no_body}, {"404", problem("Not found")}})}};

  json owner_params = json::array({query("user", str(), "Another user's (needs the permission)"),
                                   query("all", {{"type", "string"}, {"enum", json::array({"true", "false"})}}, "Every user's you may see")});
  json tokens_list = op("list_tokens", "tokens", "API tokens (never their secrets)", {{"200", ok_json("Tokens", items_of("Token"))}});
  tokens_list["parameters"] = owner_params;
  json tokens_create = op("create_token", "tokens", "Create an API token; the secret is in this answer only",
                          {{"201", ok_json("Created", sref("Token"))}, {"422", problem("Invalid fields")}});
  tokens_create["requestBody"] = body(sref("TokenInput"));
  paths["/api/v1/tokens"] = {{"get", tokens_list}, {"post", tokens_create}};
  paths["/api/v1/tokens/{id}"] = {
      {"parameters", json::array({path_param("id", "Token id")})},
      {"delete", op("revoke_token", "tokens", "Revoke a token", {{"204", no_body}, {"404", problem("Not found")}, {"409", problem("Revoked already")}})}};
  json sessions_list = op("list_sessions", "sessions", "Open sessions", {{"200", ok_json("Sessions", items_of("Session"))}});
  sessions_list["parameters"] = owner_params;
  paths["/api/v1/sessions"] = {{"get", sessions_list}};
  paths["/api/v1/sessions/{id}"] = {
      {"parameters", json::array({path_param("id", "Session id")})},
      {"delete", op("revoke_session", "sessions", "End a session", {{"204", no_body}, {"404", problem("Not found")}, {"409", problem("Ended already")}})}};
  json journal = op("journal", "journal", "The journal, for auditors, by sequence number",
                    {{"200", ok_json("Entries", items_of("HistoryEntry", true))}, {"400", problem("Bad parameter")}});
  journal["parameters"] = json::array({query("record_type", str(), "Record type or user, group, role"),
                                       query("record_id", {{"type", "integer"}}, "Record id"),
                                       query("action", str(), "create, update, login, login_failed, export…"),
                                       query("principal", str(), "Who acted (username)"),
                                       query("since", {{"type", "string"}, {"format", "date-time"}}, "From (inclusive)"),
                                       query("until", {{"type", "string"}, {"format", "date-time"}}, "Until (exclusive)"),
                                       query("after", str(), "next_cursor of the previous page"),
                                       query("limit", {{"type", "integer"}, {"minimum", 1}, {"maximum", 1000}}, "Page size (default 100)")});
  paths["/api/v1/journal"] = {{"get", journal}};
  paths["/api/v1/journal/verify"] = {
      {"get", op("verify_journal", "journal", "Check the hash chain of the whole journal",
                 {{"200", ok_json("The verdict", {{"type", "object"}})}})}};
}

void add_work_openapi(json& paths, json& schemas) {
  json any_object = {{"type", "object"}};
  schemas["Job"] = any_object;
  schemas["Notification"] = any_object;
  schemas["Subscription"] = any_object;
  json limit = query("limit", {{"type", "integer"}, {"minimum", 1}, {"maximum", 500}}, "Page size (default 50)");
  json before = query("before", {{"type", "integer"}}, "Ids below this one (next_before of the previous page)");
  auto id_param = [](const std::string& what) { return json::array({path_param("id", "The " + what + "'s id")}); };
  paths["/api/v1/queues"] = {{"get", op("list_queues", "jobs", "Pending, running and dead jobs per kind",
                                        {{"200", ok_json("Counts", {{"type", "object"}})}})}};
  json list_jobs = op("list_jobs", "jobs", "Jobs, newest first", {{"200", ok_json("A page of jobs", items_of("Job"))}});
  list_jobs["parameters"] = {query("state", {{"type", "string"}, {"enum", json::array({"pending", "running", "done", "cancelled", "dead"})}}, "Only this state"),
                             query("kind", str(), "Only this kind"), query("key", str(), "Only the timer with this key"),
                             limit, before};
  paths["/api/v1/jobs"] = {{"get", list_jobs}};
  paths["/api/v1/jobs/{id}"] = {{"parameters", id_param("job")},
                                {"get", op("get_job", "jobs", "One job", {{"200", ok_json("The job", sref("Job"))},
                                                                         {"404", problem("No such job")}})}};
  for (const char* action : {"retry", "discard"}) {
    std::string a = action;
    paths["/api/v1/jobs/{id}/" + a] = {
        {"parameters", id_param("job")},
        {"post", op(a + "_job", "jobs", a == "retry" ? "Run a dead job again" : "Cancel a pending or dead job",
                    {{"200", ok_json("The job", sref("Job"))}, {"404", problem("No such job")},
                     {"409", problem("Not in a state that allows it")}})}};
  }
  json list_n = op("list_notifications", "notifications", "The outbox, newest first",
                   {{"200", ok_json("A page of notifications", items_of("Notification"))}});
  list_n["parameters"] = {query("state", str(), "queued, retrying, sent, dead or skipped"), query("channel", str(), "email or webhook"),
                          query("event", str(), "The event"), query("record", str(), "A record number, e.g. INC-000123"),
                          query("recipient", str(), "A username"), limit, before};
  paths["/api/v1/notifications"] = {{"get", list_n}};
  paths["/api/v1/notifications/{id}"] = {
      {"parameters", id_param("notification")},
      {"get", op("get_notification", "notifications", "One notification with its delivery log",
                 {{"200", ok_json("The notification", sref("Notification"))}, {"404", problem("No such notification")}})}};
  json create = op("create_subscription", "subscriptions", "Subscribe people or a URL to an event",
                   {{"201", ok_json("The subscription (a generated webhook secret is shown once)", sref("Subscription"))},
                    {"422", problem("Invalid fields")}});
  create["requestBody"] = body(any_object);
  paths["/api/v1/subscriptions"] = {
      {"get", op("list_subscriptions", "subscriptions", "Every subscription", {{"200", ok_json("Subscriptions", items_of("Subscription"))}})},
      {"post", create}};
  json patch = op("update_subscription", "subscriptions", "Change a subscription",
                  {{"200", ok_json("The subscription", sref("Subscription"))}, {"404", problem("No such subscription")},
                   {"412", problem("Stale version")}, {"422", problem("Invalid fields")}});
  patch["requestBody"] = body(any_object);
  patch["parameters"] = json::array({if_match()});
  paths["/api/v1/subscriptions/{id}"] = {
      {"parameters", id_param("subscription")},
      {"get", op("get_subscription", "subscriptions", "One subscription",
                 {{"200", ok_json("The subscription", sref("Subscription"))}, {"404", problem("No such subscription")}})},
      {"patch", patch},
      {"delete", op("delete_subscription", "subscriptions", "Delete a subscription",
                    {{"204", {{"description", "Deleted"}}}, {"404", problem("No such subscription")}})}};
  paths["/api/v1/me/subscriptions"] = {
      {"get", op("my_subscriptions", "subscriptions", "The e-mail subscriptions that can reach me, and whether I muted them",
                 {{"200", ok_json("Subscriptions", {{"type", "object"}})}})}};
  paths["/api/v1/me/subscriptions/{id}/mute"] = {
      {"parameters", id_param("subscription")},
      {"put", op("mute_subscription", "subscriptions", "Mute one (not a mandatory one)",
                 {{"204", {{"description", "Muted"}}}, {"404", problem("No such subscription")},
                  {"409", problem("Mandatory")}})},
      {"delete", op("unmute_subscription", "subscriptions", "Unmute one",
                    {{"204", {{"description", "Unmuted"}}}, {"404", problem("No such subscription")}})}};
}

}  // namespace kanri::api
