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
  auto report = [&](const std::string& path, const std::string& id, const std::string& summary,
                    const std::string& schema, const std::string& type, const json* own_parameters = nullptr) {
    paths[path] = {
        {"get",
         {{"operationId", id},
          {"tags", json::array({"reports"})},
          {"summary", summary},
          {"parameters", own_parameters ? *own_parameters : parameters},
          {"responses",
           {{"200", ok_json("The report", sref(schema))},
            {"400", problem("A parameter is missing or not valid")},
            {"401", problem("Not signed in, or the token or session is not valid")},
            {"403", problem("Your roles may not read " + type)}}}}}};
  };
  report("/api/v1/reports/failures", "report_failures",
         "Failures per severity grade, period and service against the yearly caps, and overdue roll-out tasks",
         "FailureReport", "failures");

  // The resolution reports: each section an object; breakdowns are [{value, count}], age
  // bands [{min_days, max_days, count}], item lists the records' numbers and key fields.
  json breakdown{{"type", "array"},
                 {"items", {{"type", "object"}, {"properties", {{"value", json::object()}, {"count", {{"type", "integer"}}}}}}}};
  json object{{"type", "object"}};
  json header{{"from", {{"type", "string"}, {"format", "date"}}},
              {"to", {{"type", "string"}, {"format", "date"}}},
              {"period", {{"type", "string"}}},
              {"tz", {{"type", "string"}}},
              {"periods", {{"type", "array"}, {"items", object}}},
              {"service", any_ref}};
  auto with = [&](json props) {
    json all = header;
    all.update(props);
    return json{{"type", "object"}, {"properties", all}};
  };
  schemas["IncidentReport"] = with({{"volume", object}, {"backlog", object}, {"escalations", object},
                                    {"resolution", object}, {"major_incidents", object}, {"changes", object}});
  schemas["RequestReport"] = with({{"volume", object}, {"fulfilment", object}, {"backlog", object}});
  schemas["ProblemReport"] = with({{"problems", object}, {"effectiveness", object}, {"known_errors", any_ref}});
  schemas["Breakdown"] = breakdown;
  report("/api/v1/reports/incidents", "report_incidents",
         "Incident volume by priority, category, service, channel and group per period; backlog and ageing; "
         "escalations; reopen rate; first-contact resolution; major incidents; incidents and changes",
         "IncidentReport", "incidents");
  report("/api/v1/reports/requests", "report_requests",
         "Service requests per type and state; fulfilment against the target time; overdue and ageing open requests",
         "RequestReport", "service requests");
  report("/api/v1/reports/problems", "report_problems",
         "Problems raised and fixed, recurrence after the fix, effectiveness results; known errors open and their age",
         "ProblemReport", "problems");

  // Chain consistency of the agreements (processes/service_level/agreements.cpp).
  json ref_object{{"type", json::array({"object", "null"})},
                  {"properties", {{"id", {{"type", "integer"}}}, {"number", {{"type", "string"}}}, {"display", {{"type", "string"}}}}}};
  schemas["AgreementChainReport"] = {
      {"type", "object"},
      {"properties",
       {{"services", {{"type", "integer"}}},
        {"targets_checked", {{"type", "integer"}}},
        {"findings",
         {{"type", "array"},
          {"items",
           {{"type", "object"},
            {"properties",
             {{"service", ref_object},
              {"problem", {{"type", "string"}, {"enum", json::array({"longer_time", "lower_availability", "unsupported"})}}},
              {"metric", {{"type", "string"}}},
              {"priority", {{"type", json::array({"string", "null"})}}},
              {"customer_agreement", ref_object},
              {"customer_target", ref_object},
              {"supporting_agreement", ref_object},
              {"supporting_target", ref_object}}}}}}}}}};
  json chain_parameters = json::array({{{"name", "service"}, {"in", "query"}, {"required", false},
                                        {"schema", {{"type", "string"}}},
                                        {"description", "Only this service (id or number)"}}});
  report("/api/v1/reports/agreement_chain", "report_agreement_chain",
         "Supporting targets (OLAs, underpinning contracts) that do not support the customer's SLA targets, per service",
         "AgreementChainReport", "agreements", &chain_parameters);

  // Service level attainment, at risk, breaches, availability (processes/service_level/sla_reports.cpp).
  auto own = [&](json base, std::initializer_list<std::pair<const char*, const char*>> extra) {
    for (auto& [name, description] : extra)
      base.push_back({{"name", name}, {"in", "query"}, {"required", false}, {"schema", {{"type", "string"}}},
                      {"description", description}});
    return base;
  };
  json number{{"type", json::array({"number", "null"})}};
  json cell{{"type", "object"},
            {"properties",
             {{"met", {{"type", "integer"}}}, {"breached", {{"type", "integer"}}}, {"decided", {{"type", "integer"}}},
              {"attainment", number}}}};
  json attainment_row = cell;
  attainment_row["properties"]["periods"] = {{"type", "array"}, {"items", cell}};
  attainment_row["properties"]["trend"] = number;
  schemas["ServiceLevelReport"] = with({{"group_by", {{"type", "string"}, {"enum", json::array({"agreement", "service", "customer"})}}},
                                        {"metric", {{"type", json::array({"string", "null"})}}},
                                        {"items", {{"type", "array"}, {"items", attainment_row}}},
                                        {"total", attainment_row}});
  json ticket{{"type", "object"},
              {"properties",
               {{"type", {{"type", "string"}}}, {"id", {{"type", "integer"}}}, {"number", {{"type", "string"}}},
                {"title", {{"type", "string"}}}, {"clocks", {{"type", "string"}}}}}};
  // A clock of a ticket as the at-risk and breach lists show it, with each list's own fields.
  auto clock_items = [&](json own) {
    json props{{"ticket", ticket},
               {"metric", {{"type", "string"}}},
               {"agreement", ref_object},
               {"target_ref", {{"type", "string"}}},
               {"target_time", {{"type", "string"}}}};
    props.update(own);
    return json{{"type", "array"}, {"items", {{"type", "object"}, {"properties", props}}}};
  };
  schemas["SlaAtRiskReport"] = {
      {"type", "object"},
      {"properties",
       {{"at", {{"type", "string"}, {"format", "date-time"}}},
        {"within", {{"type", "string"}}},
        {"truncated", {{"type", "boolean"}}},
        {"items", clock_items({{"due_at", {{"type", json::array({"string", "null"})}}},
                               {"elapsed_ms", {{"type", "integer"}}},
                               {"used_percent", number},
                               {"left", {{"type", "string"}}},
                               {"left_ms", {{"type", "integer"}}},
                               {"breached", {{"type", "boolean"}}}})}}}};
  schemas["SlaBreachReport"] = with({{"metric", {{"type", json::array({"string", "null"})}}},
                                     {"count", {{"type", "integer"}}},
                                     {"truncated", {{"type", "boolean"}}},
                                     {"items", clock_items({{"agreement_version", {{"type", "integer"}}},
                                                            {"breached_at", {{"type", "string"}, {"format", "date-time"}}},
                                                            {"state", {{"type", "string"}}},
                                                            {"timeline", {{"type", "array"}, {"items", object}}}})}});
  schemas["AvailabilityReport"] = with(
      {{"formula", {{"type", "string"}}},
       {"items",
        {{"type", "array"},
         {"items",
          {{"type", "object"},
           {"properties",
            {{"agreement", ref_object}, {"target", ref_object}, {"service", ref_object}, {"calendar", ref_object},
             {"target_percent", {{"type", "number"}}}, {"target_period", {{"type", "string"}}},
             {"periods", {{"type", "array"}, {"items", object}}}, {"agreed_ms", {{"type", "integer"}}},
             {"downtime_ms", {{"type", "integer"}}}, {"availability", number},
             {"met", {{"type", json::array({"boolean", "null"})}}},
             {"outages", {{"type", "array"}, {"items", object}}}}}}}}}});
  json attainment_parameters = own(parameters, {{"group_by", "agreement (default), service or customer"},
                                                {"metric", "response or resolution (default both)"}});
  report("/api/v1/reports/service_levels", "report_service_levels",
         "Service level attainment per agreement, service or customer and period: met, breached, attainment, trend",
         "ServiceLevelReport", "incidents and service requests", &attainment_parameters);
  json risk_parameters = own(json::array(), {{"within", "How far ahead (ISO 8601 duration, default PT4H)"},
                                             {"metric", "response or resolution"},
                                             {"service", "Only this service (id or number)"},
                                             {"limit", "1-500, default 50"}});
  report("/api/v1/reports/sla_at_risk", "report_sla_at_risk",
         "Running SLA clocks due soon or past due, earliest first, with the share used and the business time left",
         "SlaAtRiskReport", "incidents and service requests", &risk_parameters);
  json breach_parameters = own(parameters, {{"metric", "response or resolution"}, {"limit", "1-500, default 100"}});
  report("/api/v1/reports/sla_breaches", "report_sla_breaches",
         "SLA clocks breached in the range, each with its ticket, target and timeline", "SlaBreachReport",
         "incidents and service requests", &breach_parameters);
  json availability_parameters = own(parameters, {{"agreement", "Only this agreement (id or number)"}});
  report("/api/v1/reports/availability", "report_availability",
         "Availability per availability target and covered service and period, from outage records",
         "AvailabilityReport", "agreements", &availability_parameters);

  // The service catalogue as its audience sees it (processes/service_level/catalogue.cpp).
  schemas["ServiceCatalogue"] = {
      {"type", "object"},
      {"properties",
       {{"audience", {{"type", "string"}, {"enum", json::array({"provider", "customer"})}}},
        {"organizations", {{"type", "array"}, {"items", ref_object}}},
        {"services", {{"type", "array"}, {"items", {{"type", "object"}}}}}}}};
  json catalogue_parameters = json::array(
      {{{"name", "organization"}, {"in", "query"}, {"required", false}, {"schema", {{"type", "string"}}},
        {"description", "The customer organization (id or number) whose view to show; a requester may name only their own"}}});
  paths["/api/v1/catalogue"] = {
      {"get",
       {{"operationId", "service_catalogue"},
        {"tags", json::array({"service"})},
        {"summary",
         "The service catalogue for the caller: every service with its internal fields, customers, dependencies and "
         "agreements for the provider's people; the live services serving their organization with the customer-facing "
         "fields, service hours and agreed targets for a customer's user"},
        {"parameters", catalogue_parameters},
        {"responses",
         {{"200", ok_json("The catalogue", sref("ServiceCatalogue"))},
          {"400", problem("A parameter is not valid")},
          {"401", problem("Not signed in, or the token or session is not valid")},
          {"403", problem("Your roles may not read services")}}}}}};
}

}  // namespace kanri::api
