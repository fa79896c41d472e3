// The OpenAPI description of what every record carries besides its fields (comments and work
// log, attachments) and of saved list views.
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

json param(const std::string& name, const std::string& in, json schema, bool required,
           const std::string& d) {
  return {{"name", name},
          {"in", in},
          {"required", required},
          {"schema", std::move(schema)},
          {"description", d}};
}
json op(const std::string& id, const std::string& tag, const std::string& summary, json responses) {
  responses["400"] = problem("Malformed request");
  responses["401"] = problem("Not signed in, or the token or session is not valid");
  responses["403"] = problem("Your roles do not allow this (a record you may not see answers 404)");
  return {{"operationId", id},
          {"tags", json::array({tag})},
          {"summary", summary},
          {"responses", std::move(responses)}};
}
json datetime() { return {{"type", "string"}, {"format", "date-time"}}; }

}  // namespace

void add_record_extras_openapi(json& paths, json& schemas, const model::Catalogue& catalogue) {
  schemas["Comment"] = {
      {"type", "object"},
      {"properties",
       {{"id", {{"type", "integer"}}},
        {"kind", {{"type", "string"}, {"enum", json::array({"comment", "work_log"})}}},
        {"body", str()},
        {"author", sref("UserReference")},
        {"created_at", datetime()}}}};
  schemas["CommentInput"] = {
      {"type", "object"},
      {"required", json::array({"body"})},
      {"additionalProperties", false},
      {"properties",
       {{"body", {{"type", "string"}, {"minLength", 1}, {"maxLength", 20000}}},
        {"kind",
         {{"type", "string"},
          {"enum", json::array({"comment", "work_log"})},
          {"default", "comment"},
          {"description",
           "work_log: internal, needs update on the record and is listed only to those who may "
           "update it"}}}}}};
  schemas["Attachment"] = {{"type", "object"},
                           {"properties",
                            {{"id", {{"type", "integer"}}},
                             {"file_name", str()},
                             {"content_type", str()},
                             {"size", {{"type", "integer"}}},
                             {"sha256", str()},
                             {"uploaded_by", sref("UserReference")},
                             {"uploaded_at", datetime()},
                             {"download_url", str()}}}};
  schemas["SavedView"] = {
      {"type", "object"},
      {"properties",
       {{"id", {{"type", "integer"}}},
        {"type", str()},
        {"name", str()},
        {"shared", {{"type", "boolean"}}},
        {"query",
         {{"type", "string"},
          {"description", "The list's query string: filters, q, sort, columns"}}},
        {"owner", sref("UserReference")},
        {"mine", {{"type", "boolean"}}},
        {"may_change", {{"type", "boolean"}}},
        {"created_at", datetime()},
        {"updated_at", datetime()}}}};
  json view_props = {
      {"name", {{"type", "string"}, {"minLength", 1}, {"maxLength", 100}}},
      {"query", {{"type", "string"}, {"maxLength", 4000}}},
      {"shared",
       {{"type", "boolean"},
        {"description", "Visible to everyone who may list the type; needs view: share"}}}};
  json view_input = {{"type", "object"},
                     {"additionalProperties", false},
                     {"required", json::array({"type", "name"})},
                     {"properties", view_props}};
  view_input["properties"]["type"] = {{"type", "string"},
                                      {"description", "Record type name or collection"}};
  schemas["SavedViewInput"] = view_input;
  schemas["SavedViewPatch"] = {
      {"type", "object"}, {"additionalProperties", false}, {"properties", view_props}};

  json key_param = param("key", "path", str(), true, "Record id (42) or number (SVC-000042)");
  json id_param = param("id", "path", {{"type", "integer"}}, true, "Attachment id");
  for (auto& tp : catalogue.types()) {
    const model::TypeDef& t = *tp;
    std::string base = "/api/v1/" + t.collection + "/{key}";
    const std::string& tag = t.collection;
    json list = op(
        "comments_" + t.name, tag, "Comments and work log of a " + t.label.en + ", oldest first",
        {{"200",
          ok_json("Entries", {{"type", "object"},
                              {"properties",
                               {{"items", {{"type", "array"}, {"items", sref("Comment")}}},
                                {"next_after", {{"type", json::array({"integer", "null"})}}}}}})},
         {"404", problem("Not found")}});
    list["parameters"] = json::array(
        {param(
             "kind", "query", {{"type", "string"}, {"enum", json::array({"comment", "work_log"})}},
             false,
             "Only this kind; work-log entries are listed only to those who may update the record"),
         param("after", "query", {{"type", "integer"}, {"minimum", 0}}, false,
               "next_after of the previous page"),
         param("limit", "query", {{"type", "integer"}, {"minimum", 1}, {"maximum", 500}}, false,
               "Page size (default 200)")});
    json add =
        op("comment_" + t.name, tag, "Add a comment or work-log entry (append-only; journaled)",
           {{"201", ok_json("Added", sref("Comment"))},
            {"404", problem("Not found")},
            {"422", problem("Empty or too long body, or an unknown kind")}});
    add["requestBody"] = {{"required", true},
                          {"content", {{"application/json", {{"schema", sref("CommentInput")}}}}}};
    paths[base + "/comments"] = {
        {"parameters", json::array({key_param})}, {"get", list}, {"post", add}};

    json upload =
        op("attach_" + t.name, tag,
           "Attach a file: multipart/form-data (part \"file\") or the raw bytes with ?name= "
           "(journaled)",
           {{"201", ok_json("Attached", sref("Attachment"))},
            {"404", problem("Not found")},
            {"409", problem("The record is frozen")},
            {"413", problem("Larger than [attachments] max_bytes")},
            {"422", problem("Type not allowed, content not what its name says, or empty")}});
    upload["parameters"] =
        json::array({param("name", "query", str(), false,
                           "The file name, for a raw body (required then); e.g. report.pdf")});
    upload["requestBody"] = {
        {"required", true},
        {"content",
         {{"multipart/form-data",
           {{"schema",
             {{"type", "object"},
              {"required", json::array({"file"})},
              {"properties",
               {{"file",
                 {{"type", "string"}, {"contentMediaType", "application/octet-stream"}}}}}}}}},
          {"application/octet-stream",
           {{"schema", {{"type", "string"}, {"contentMediaType", "application/octet-stream"}}}}}}}};
    paths[base + "/attachments"] = {
        {"parameters", json::array({key_param})},
        {"get", op("attachments_" + t.name, tag, "Attachments of a " + t.label.en,
                   {{"200", ok_json("Attachments", items_of("Attachment"))},
                    {"404", problem("Not found")}})},
        {"post", upload}};
    json download =
        op("download_attachment_" + t.name, tag,
           "Download an attachment (always as a file, never inline)",
           {{"200",
             {{"description", "The file, with its stored content type"},
              {"content", {{"application/octet-stream", {{"schema", {{"type", "string"}}}}}}}}},
            {"404", problem("Not found")}});
    json detach = op("detach_attachment_" + t.name, tag, "Remove an attachment (soft; journaled)",
                     {{"204", {{"description", "Removed"}}},
                      {"404", problem("Not found")},
                      {"409", problem("The record is frozen")}});
    paths[base + "/attachments/{id}"] = {
        {"parameters", json::array({key_param, id_param})}, {"get", download}, {"delete", detach}};
  }

  json list_views = op(
      "list_views", "views", "One's own saved views and the shared ones",
      {{"200", ok_json("Views", items_of("SavedView"))}, {"404", problem("No such record type")}});
  list_views["parameters"] =
      json::array({param("type", "query", str(), false, "Record type name or collection")});
  json create_view =
      op("create_view", "views", "Save a list view (personal, or shared with view: share)",
         {{"201", ok_json("Saved", sref("SavedView"))},
          {"409", problem("A view of that name exists")},
          {"422", problem("Invalid fields")}});
  create_view["requestBody"] = {
      {"required", true},
      {"content", {{"application/json", {{"schema", sref("SavedViewInput")}}}}}};
  paths["/api/v1/views"] = {{"get", list_views}, {"post", create_view}};
  json patch_view =
      op("update_view", "views", "Change a saved view (one's own; a shared one needs view: share)",
         {{"200", ok_json("Changed", sref("SavedView"))},
          {"404", problem("No such view you can see")},
          {"409", problem("A view of that name exists")},
          {"422", problem("Invalid fields")}});
  patch_view["requestBody"] = {
      {"required", true},
      {"content", {{"application/json", {{"schema", sref("SavedViewPatch")}}}}}};
  paths["/api/v1/views/{id}"] = {
      {"parameters", json::array({param("id", "path", {{"type", "integer"}}, true, "View id")})},
      {"patch", patch_view},
      {"delete",
       op("delete_view", "views", "Delete a saved view",
          {{"204", {{"description", "Deleted"}}}, {"404", problem("No such view you can see")}})}};
}

}  // namespace kanri::api
