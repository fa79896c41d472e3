#include "api/openapi.h"

namespace kanri::api {

using model::FieldType;
using nlohmann::json;

namespace {

std::string schema_name(const model::TypeDef& t) {
  std::string out;
  bool upper = true;
  for (char c : t.name) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return out;
}

json schema_ref(const std::string& name) { return {{"$ref", "#/components/schemas/" + name}}; }

json nullable(json schema) {
  if (schema.contains("type") && schema["type"].is_string()) {
    schema["type"] = json::array({schema["type"], "null"});
    return schema;
  }
  return {{"anyOf", json::array({schema, {{"type", "null"}}})}};
}

json field_schema(const model::FieldDef& f, bool input) {
  json s;
  switch (f.type) {
    case FieldType::text: case FieldType::longtext:
      s = {{"type", "string"}, {"maxLength", f.max_length}};
      break;
    case FieldType::integer:
      s = {{"type", "integer"}};
      if (f.min) s["minimum"] = *f.min;
      if (f.max) s["maximum"] = *f.max;
      break;
    case FieldType::decimal:
      s = {{"type", "number"}};
      if (f.min) s["minimum"] = *f.min;
      if (f.max) s["maximum"] = *f.max;
      break;
    case FieldType::boolean: s = {{"type", "boolean"}}; break;
    case FieldType::date: s = {{"type", "string"}, {"format", "date"}}; break;
    case FieldType::datetime: s = {{"type", "string"}, {"format", "date-time"}}; break;
    case FieldType::duration: s = {{"type", "string"}, {"format", "duration"}}; break;
    case FieldType::enumeration: {
      json values = json::array();
      for (auto& v : f.values) values.push_back(v.name);
      s = {{"type", "string"}, {"enum", values}};
      break;
    }
    case FieldType::ref: case FieldType::org: case FieldType::user:
      s = input ? json{{"oneOf", json::array({{{"type", "integer"}, {"minimum", 1}}, {{"type", "string"}, {"minLength", 1}}})}}
                : schema_ref(f.type == FieldType::user ? "UserReference" : "RecordReference");
      break;
    case FieldType::json: s = json::object(); break;
  }
  if (f.type == FieldType::json) return s;
  s = nullable(s);
  s["title"] = f.label.en;
  s["description"] = f.label.ja + (f.help.en.empty() ? "" : " — " + f.help.en);
  return s;
}

json problem_response(const std::string& description) {
  return {{"description", description}, {"content", {{"application/problem+json", {{"schema", schema_ref("Problem")}}}}}};
}

json json_response(const std::string& description, json schema) {
  return {{"description", description}, {"content", {{"application/json", {{"schema", std::move(schema)}}}}}};
}

json json_body(json schema) {
  return {{"required", true}, {"content", {{"application/json", {{"schema", std::move(schema)}}}}}};
}

json param(const std::string& name, const std::string& in, json schema, bool required, const std::string& description) {
  return {{"name", name}, {"in", in}, {"required", required}, {"schema", std::move(schema)}, {"description", description}};
}

json common_errors(json responses) {
  responses["400"] = problem_response("Malformed request");
  responses["401"] = problem_response("Not signed in, or the token or session is not valid");
  responses["403"] = problem_response("Your roles do not allow this (a record you may not see answers 404)");
  return responses;
}

}  // namespace

json openapi_document(const model::Catalogue& catalogue) {
  json schemas = json::object();
  schemas["Problem"] = {
      {"type", "object"},
      {"required", json::array({"type", "status", "title", "detail", "errors"})},
      {"properties",
       {{"type", {{"type", "string"}}},
        {"status", {{"type", "integer"}}},
        {"title", {{"type", "string"}}},
        {"detail", {{"type", "string"}}},
        {"errors",
         {{"type", "array"},
          {"items",
           {{"type", "object"},
            {"required", json::array({"field", "code", "message"})},
            {"properties", {{"field", {{"type", "string"}}}, {"code", {{"type", "string"}}}, {"message", {{"type", "string"}}}}}}}}}}}};
  schemas["RecordReference"] = {
      {"type", "object"},
      {"required", json::array({"id"})},
      {"properties", {{"id", {{"type", "integer"}}}, {"number", {{"type", json::array({"string", "null"})}}}, {"display", {{"type", json::array({"string", "null"})}}}}}};
  schemas["UserReference"] = {
      {"type", "object"},
      {"required", json::array({"id"})},
      {"properties", {{"id", {{"type", "integer"}}}, {"display", {{"type", json::array({"string", "null"})}}}}}};
  schemas["Link"] = {
      {"type", "object"},
      {"properties",
       {{"id", {{"type", "integer"}}},
        {"relation", {{"type", "string"}}},
        {"direction", {{"type", "string"}, {"enum", json::array({"outgoing", "incoming"})}}},
        {"label", {{"type", "string"}}},
        {"type", {{"type", "string"}}},
        {"collection", {{"type", "string"}}},
        {"record", schema_ref("RecordReference")},
        {"created_at", {{"type", "string"}, {"format", "date-time"}}}}}};
  schemas["HistoryEntry"] = {
      {"type", "object"},
      {"properties",
       {{"seq", {{"type", "integer"}}},
        {"at", {{"type", "string"}, {"format", "date-time"}}},
        {"principal", {{"type", json::array({"string", "null"})}, {"description", "Username; null for a user the caller may not read"}}},
        {"principal_id", {{"type", json::array({"integer", "null"})}}},
        {"ip", {{"type", "string"}}},
        {"action", {{"type", "string"}}},
        {"changes", {{"type", "object"}}},
        {"hash", {{"type", "string"}}}}}};

  json paths = json::object();
  json key_param = param("key", "path", {{"type", "string"}}, true, "Record id (42) or number (SVC-000042)");
  for (auto& tp : catalogue.types()) {
    const model::TypeDef& t = *tp;
    std::string name = schema_name(t);
    json props = {{"id", {{"type", "integer"}}},
                  {"number", {{"type", "string"}}},
                  {"type", {{"type", "string"}, {"const", t.name}}},
                  {"state", t.lifecycle ? json{{"type", json::array({"string", "null"})}} : json{{"type", "null"}}},
                  {"version", {{"type", "integer"}}},
                  {"created_at", {{"type", "string"}, {"format", "date-time"}}},
                  {"updated_at", {{"type", "string"}, {"format", "date-time"}}},
                  {"created_by", nullable(schema_ref("UserReference"))},
                  {"updated_by", nullable(schema_ref("UserReference"))}};
    json input_props = json::object();
    json required_input = json::array();
    for (auto& f : t.fields) {
      props[f.name] = field_schema(f, false);
      if (f.read_only || !f.computed.empty()) continue;
      input_props[f.name] = field_schema(f, true);
      if (f.required && !f.default_value) required_input.push_back(f.name);
    }
    schemas[name] = {{"type", "object"}, {"title", t.label.en}, {"description", t.description.en}, {"properties", props}};
    schemas[name + "Input"] = {{"type", "object"}, {"properties", input_props}, {"additionalProperties", false}};
    if (!required_input.empty()) schemas[name + "Input"]["required"] = required_input;
    schemas[name + "Patch"] = {{"type", "object"}, {"properties", input_props}, {"additionalProperties", false}};

    json list_params = json::array({param("q", "query", {{"type", "string"}}, false, "Full-text search (Japanese and English)"),
                                    param("sort", "query", {{"type", "string"}}, false, "Comma-separated columns, '-' for descending"),
                                    param("limit", "query", {{"type", "integer"}, {"minimum", 1}, {"maximum", 500}}, false, "Page size (default 50)"),
                                    param("cursor", "query", {{"type", "string"}}, false, "next_cursor of the previous page")});
    for (auto& f : t.fields)
      if (f.type != FieldType::json)
        list_params.push_back(param(f.name, "query", {{"type", "string"}}, false,
                                    "Filter; also " + f.name + "[gte], " + f.name + "[lte], " + f.name + "[in]"));
    std::string base = "/api/v1/" + t.collection;
    json tags = json::array({t.collection});
    paths[base] = {
        {"get",
         {{"operationId", "list_" + t.name},
          {"tags", tags},
          {"summary", "List " + t.plural.en},
          {"parameters", list_params},
          {"responses",
           common_errors({{"200", json_response("A page of records",
                                                {{"type", "object"},
                                                 {"properties", {{"items", {{"type", "array"}, {"items", schema_ref(name)}}},
                                                                 {"next_cursor", {{"type", json::array({"string", "null"})}}}}}})}})}}},
        {"post",
         {{"operationId", "create_" + t.name},
          {"tags", tags},
          {"summary", "Create a " + t.label.en},
          {"requestBody", json_body(schema_ref(name + "Input"))},
          {"responses", common_errors({{"201", json_response("Created", schema_ref(name))}, {"422", problem_response("Invalid fields")}})}}}};
    json export_params = list_params;
    export_params.push_back(param("format", "query", {{"type", "string"}, {"enum", json::array({"csv", "json", "xlsx"})}}, false,
                                  "csv (default), json or xlsx; without it, an Accept of the XLSX media type gives xlsx"));
    export_params.push_back(param("tz", "query", {{"type", "string"}, {"default", "UTC"}}, false,
                                  "IANA time zone in which an xlsx shows date-times (Asia/Tokyo); default UTC"));
    const std::string xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    paths[base + "/export"] = {
        {"get",
         {{"operationId", "export_" + t.name},
          {"tags", tags},
          {"summary", "Export every " + t.label.en + " matching the filters (journaled)"},
          {"description",
           "CSV: field names as header, references as their number, users as their name. XLSX: one sheet named "
           "after the type, a frozen bold header of field labels in the request's language, typed cells (numbers, "
           "booleans, dates and date-times, enum labels), an autofilter. The file is named <collection>-<yyyymmdd>.xlsx."},
          {"parameters", export_params},
          {"responses",
           common_errors({{"200", {{"description", "The records"},
                                   {"content", {{"text/csv", {{"schema", {{"type", "string"}}}}},
                                                {"application/json", {{"schema", {{"type", "object"}}}}},
                                                {xlsx, {{"schema", {{"type", "string"}, {"format", "binary"}}}}}}}}},
                          {"422", problem_response("Too many records match, or an unknown format or time zone")}})}}}};
    paths[base + "/{key}"] = {
        {"parameters", json::array({key_param})},
        {"get",
         {{"operationId", "get_" + t.name},
          {"tags", tags},
          {"responses", common_errors({{"200", json_response("The record", schema_ref(name))}, {"404", problem_response("Not found")}})}}},
        {"patch",
         {{"operationId", "update_" + t.name},
          {"tags", tags},
          {"parameters", json::array({param("If-Match", "header", {{"type", "string"}}, true, "The version last read")})},
          {"requestBody", json_body(schema_ref(name + "Patch"))},
          {"responses", common_errors({{"200", json_response("Updated", schema_ref(name))},
                                       {"404", problem_response("Not found")},
                                       {"409", problem_response("The record is frozen")},
                                       {"412", problem_response("Stale version")},
                                       {"422", problem_response("Invalid fields")},
                                       {"428", problem_response("If-Match missing")}})}}},
        {"delete",
         {{"operationId", "delete_" + t.name},
          {"tags", tags},
          {"parameters", json::array({param("If-Match", "header", {{"type", "string"}}, false, "The version last read")})},
          {"responses", common_errors({{"204", {{"description", "Deleted"}}},
                                       {"404", problem_response("Not found")},
                                       {"412", problem_response("Stale version")}})}}}};
    if (t.lifecycle) {
      json names = json::array();
      for (auto& tr : t.lifecycle->transitions) names.push_back(tr.name);
      paths[base + "/{key}/transitions/{transition}"] = {
          {"parameters", json::array({key_param, param("transition", "path", {{"type", "string"}, {"enum", names}}, true, "Transition name")})},
          {"post",
           {{"operationId", "transition_" + t.name},
            {"tags", tags},
            {"requestBody", {{"required", false}, {"content", {{"application/json", {{"schema", schema_ref(name + "Patch")}}}}}}},
            {"responses", common_errors({{"200", json_response("Transitioned", schema_ref(name))},
                                         {"404", problem_response("Not found")},
                                         {"409", problem_response("Not allowed from the current state")},
                                         {"422", problem_response("Missing or invalid fields")}})}}}};
    }
    json rel_names = json::array();
    for (auto& r : t.relations) rel_names.push_back(r.name);
    paths[base + "/{key}/links"] = {
        {"parameters", json::array({key_param})},
        {"get",
         {{"operationId", "links_" + t.name},
          {"tags", tags},
          {"responses", common_errors({{"200", json_response("Links from and to the record",
                                                             {{"type", "object"}, {"properties", {{"items", {{"type", "array"}, {"items", schema_ref("Link")}}}}}})},
                                       {"404", problem_response("Not found")}})}}},
        {"post",
         {{"operationId", "link_" + t.name},
          {"tags", tags},
          {"requestBody", json_body({{"type", "object"},
                                     {"required", json::array({"relation", "target"})},
                                     {"additionalProperties", false},
                                     {"properties", {{"relation", rel_names.empty() ? json{{"type", "string"}} : json{{"type", "string"}, {"enum", rel_names}}},
                                                     {"target", {{"oneOf", json::array({{{"type", "integer"}}, {{"type", "string"}}, {{"type", "object"}}})}}}}}})},
          {"responses", common_errors({{"201", json_response("Linked", schema_ref("Link"))},
                                       {"404", problem_response("Not found")},
                                       {"409", problem_response("Already linked")},
                                       {"422", problem_response("Invalid relation or target")}})}}}};
    paths[base + "/{key}/links/{link}"] = {
        {"parameters", json::array({key_param, param("link", "path", {{"type", "integer"}}, true, "Link id")})},
        {"delete",
         {{"operationId", "unlink_" + t.name},
          {"tags", tags},
          {"responses", common_errors({{"204", {{"description", "Unlinked"}}}, {"404", problem_response("Not found")}})}}}};
    paths[base + "/{key}/history"] = {
        {"parameters", json::array({key_param})},
        {"get",
         {{"operationId", "history_" + t.name},
          {"tags", tags},
          {"responses", common_errors({{"200", json_response("Journal entries of the record, oldest first",
                                                             {{"type", "object"}, {"properties", {{"items", {{"type", "array"}, {"items", schema_ref("HistoryEntry")}}}}}})},
                                       {"404", problem_response("Not found")}})}}}};
  }
  add_identity_openapi(paths, schemas);
  add_work_openapi(paths, schemas);
  add_record_extras_openapi(paths, schemas, catalogue);
  add_resolution_openapi(paths, catalogue);
  paths["/api/v1/types"] = {{"get", {{"operationId", "list_types"}, {"summary", "The data model"},
                                     {"responses", common_errors({{"200", json_response("Record types", {{"type", "object"}})}})}}}};

  return {{"openapi", "3.1.0"},
          {"info", {{"title", "Kanri API"}, {"version", KANRI_VERSION},
                    {"description", "Service management (ISO/IEC 20000-1) and ISMS (ISO/IEC 27001) records."}}},
          {"servers", json::array({{{"url", "/"}}})},
          {"security", json::array({{{"bearer", json::array()}}, {{"session", json::array()}}})},
          {"paths", paths},
          {"components", {{"schemas", schemas}, {"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}},
                                                               {"session", {{"type", "apiKey"}, {"in", "cookie"}, {"name", "kanri_session"},
                                                                            {"description", "Session cookie; writes also need X-CSRF-Token"}}}}}}}};
}

}  // namespace kanri::api
