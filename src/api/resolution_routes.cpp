// Resolution (ISO/IEC 20000-1 8.6) beyond the generic record routes: suggestions of known
// errors and similar incidents for an incident, and the incident trend analysis on demand.
// Thin: the rules live in processes/resolution/.
#include "api/openapi.h"
#include "api/openapi_parts.h"
#include "api/route_groups.h"
#include "processes/resolution/service_desk.h"
#include "processes/service_level/ticket_clocks.h"

namespace kanri::api {

using nlohmann::json;

void register_resolution_routes(http::Router& router, ApiContext& ctx, std::shared_ptr<Gate> gate) {
  auto desk = std::make_shared<processes::resolution::ServiceDesk>(ctx.records);
  const model::TypeDef* incident = ctx.records.catalogue().type("incident");
  const model::TypeDef* proposal = ctx.records.catalogue().type("problem_proposal");
  if (incident)
    router.add("GET", "/api/v1/" + incident->collection + "/{key}/suggestions",
               gate->guarded([gate, desk, incident](Call& call) {
                 if (!call.request.query.empty()) {
                   Error e = Error::of(ErrorKind::bad_request, "query.invalid");
                   e.fields.push_back({call.request.query[0].first, "query.unknown_parameter", {}});
                   return gate->fail(call, e, incident);
                 }
                 auto found = desk->suggestions(call.principal, call.request.params.at(0));
                 if (!found) return gate->fail(call, found.error(), incident);
                 return json_response(200, *found);
               }));
  for (const char* type : {"incident", "service_request"}) {
    const model::TypeDef* ticket = ctx.records.catalogue().type(type);
    if (!ticket) continue;
    router.add("GET", "/api/v1/" + ticket->collection + "/{key}/clocks", gate->guarded([gate, &ctx, ticket](Call& call) {
                 if (!call.request.query.empty()) {
                   Error e = Error::of(ErrorKind::bad_request, "query.invalid");
                   e.fields.push_back({call.request.query[0].first, "query.unknown_parameter", {}});
                   return gate->fail(call, e, ticket);
                 }
                 auto clocks = processes::service_level::ticket_clocks_json(
                     ctx.records, call.principal, ticket->name, call.request.params.at(0), ctx.clock.now_ms());
                 if (!clocks) return gate->fail(call, clocks.error(), ticket);
                 return json_response(200, *clocks);
               }));
  }
  if (proposal)
    router.add("POST", "/api/v1/" + proposal->collection + "/analyse", gate->guarded([gate, desk, proposal](Call& call) {
                 auto run = desk->analyse(call.principal);
                 if (!run) return gate->fail(call, run.error(), proposal);
                 return json_response(200, {{"patterns", run->patterns},
                                            {"proposed", run->proposed},
                                            {"updated", run->updated},
                                            {"skipped", run->skipped}});
               }));
}

void add_resolution_openapi(json& paths, const model::Catalogue& catalogue) {
  auto responses = [](json ok) {
    json r{{"200", std::move(ok)}};
    r["401"] = oas::problem("Not signed in, or the token or session is not valid");
    r["403"] = oas::problem("Your roles do not allow this");
    r["404"] = oas::problem("No such record, or one you may not read");
    return r;
  };
  if (const model::TypeDef* t = catalogue.type("incident")) {
    json suggestion = {{"type", "object"},
                       {"properties",
                        {{"record", {{"type", "object"}}},
                         {"reasons", {{"type", "array"}, {"items", {{"type", "string"}, {"enum", {"service", "category", "text"}}}}}}}}};
    paths["/api/v1/" + t->collection + "/{key}/suggestions"] = {
        {"get",
         {{"operationId", "incidentSuggestions"},
          {"tags", json::array({t->name})},
          {"summary", "Known errors and similar incidents that may fit this incident (by service, category, text)"},
          {"parameters", json::array({{{"name", "key"}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}},
                                       {"description", "id or number"}}})},
          {"responses", responses(oas::ok_json("Suggestions, the best first",
                                               {{"type", "object"},
                                                {"properties",
                                                 {{"known_errors", {{"type", "array"}, {"items", suggestion}}},
                                                  {"incidents", {{"type", "array"}, {"items", suggestion}}}}}}))}}}};
    json text{{"type", "string"}}, moment{{"type", json::array({"string", "null"})}, {"format", "date-time"}};
    json ref{{"type", json::array({"object", "null"})}};
    json clock = {{"type", "object"},
                  {"properties",
                   {{"metric", {{"type", "string"}, {"enum", {"response", "resolution"}}}},
                    {"state", {{"type", "string"}, {"enum", {"running", "paused", "stopped"}}}},
                    {"target", ref},
                    {"agreement", ref},
                    {"agreement_version", {{"type", "integer"}}},
                    {"calendar", ref},
                    {"target_time", {{"type", json::array({"string", "null"})}}},
                    {"elapsed", text},
                    {"elapsed_ms", {{"type", "integer"}}},
                    {"started_at", text},
                    {"due_at", moment},
                    {"breached", {{"type", "boolean"}}},
                    {"breached_at", moment},
                    {"stopped_at", moment},
                    {"target_ref", text}}}};
    for (const char* type : {"incident", "service_request"}) {
      const model::TypeDef* ticket = catalogue.type(type);
      if (!ticket) continue;
      const bool inc = std::string(type) == "incident";
      paths["/api/v1/" + ticket->collection + "/{key}/clocks"] = {
          {"get",
           {{"operationId", inc ? "incidentClocks" : "requestClocks"},
            {"tags", json::array({ticket->name})},
            {"summary", std::string(inc ? "The incident's" : "The service request's") +
                            " SLA clocks (response, resolution): state, business time used, due time, breach, timeline"},
            {"parameters", json::array({{{"name", "key"}, {"in", "path"}, {"required", true},
                                         {"schema", {{"type", "string"}}}, {"description", "id or number"}}})},
            {"responses", responses(oas::ok_json("The clocks, by measure",
                                                 {{"type", "object"},
                                                  {"properties",
                                                   {{inc ? "incident" : "ticket", {{"type", "object"}}},
                                                    {"items", {{"type", "array"}, {"items", clock}}}}}}))}}}};
    }
  }
  if (const model::TypeDef* t = catalogue.type("problem_proposal")) {
    json count = {{"type", "integer"}};
    paths["/api/v1/" + t->collection + "/analyse"] = {
        {"post",
         {{"operationId", "analyseIncidentTrends"},
          {"tags", json::array({t->name})},
          {"summary", "Run the incident trend analysis now; patterns become problem proposals"},
          {"responses", responses(oas::ok_json("What the analysis found",
                                               {{"type", "object"},
                                                {"properties",
                                                 {{"patterns", count}, {"proposed", count}, {"updated", count}, {"skipped", count}}}}))}}}};
  }
}

}  // namespace kanri::api
