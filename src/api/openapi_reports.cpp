// The OpenAPI description of the reports computed from records (/api/v1/reports/…).
#include "api/openapi.h"
#include "api/openapi_parts.h"

namespace kanri::api {

using nlohmann::json;
using oas::ok_json;
using oas::problem;
using oas::sref;

void add_report_openapi(json& paths, json& schemas) {
  json number_or_null{{"type", json::array({"integer", "null"})}};
  json any_ref{{"type", json::array({"object", "null"})}};
  schemas["FailureReport"] = {
      {"type", "object"},
      {"properties",
       {{"from", {{"type", "string"}, {"format", "date"}}},
        {"to", {{"type", "string"}, {"format", "date"}}},
        {"period", {{"type", "string"}, {"enum", json::array({"month", "quarter", "year"})}}},
        {"tz", {{"type", "string"}}},
        {"periods", {{"type", "array"}, {"items", {{"type", "object"}}}}},
        {"levels", {{"type", "array"}, {"items", {{"type", "string"}}}}},
        {"rows",
         {{"type", "array"},
          {"items",
           {{"type", "object"},
            {"properties",
             {{"service", any_ref},
              {"grade", {{"type", json::array({"string", "null"})}}},
              {"counts", {{"type", "array"}, {"items", {{"type", "integer"}}}}},
              {"total", {{"type", "integer"}}},
              {"cap", any_ref},
              {"remaining", number_or_null},
              {"breached", {{"type", json::array({"boolean", "null"})}}}}}}}}},
        {"overdue_rollout_tasks", {{"type", "array"}, {"items", {{"type", "object"}}}}}}}};
  json parameters = json::array();
  const char* params[][3] = {
      {"from", "date", "First day counted (YYYY-MM-DD), required"},
      {"to", "date", "Last day counted (YYYY-MM-DD), required"},
      {"period", "", "month (default), quarter or year, counted from `from`"},
      {"service", "", "Only this service (id or number)"},
      {"tz", "", "IANA time zone in which an occurrence falls on a date (default UTC)"},
  };
  for (auto& [name, format, description] : params) {
    json schema{{"type", "string"}};
    if (*format) schema["format"] = format;
    parameters.push_back({{"name", name}, {"in", "query"}, {"required", std::string(format) == "date"},
                          {"schema", schema}, {"description", description}});
  }
  paths["/api/v1/reports/failures"] = {
      {"get",
       {{"operationId", "report_failures"},
        {"tags", json::array({"reports"})},
        {"summary", "Failures per severity grade, period and service against the yearly caps, and overdue roll-out tasks"},
        {"parameters", parameters},
        {"responses",
         {{"200", ok_json("The report", sref("FailureReport"))},
          {"400", problem("A parameter is missing or not valid")},
          {"401", problem("Not signed in, or the token or session is not valid")},
          {"403", problem("Your roles may not read failures")}}}}}};
}

}  // namespace kanri::api
