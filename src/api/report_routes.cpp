// Reports computed from records (/api/v1/reports/…): failure management (IPA/SEC §4.3 item
// 4), resolution and fulfilment (incidents, requests, problems) and service levels
// (agreement chain, attainment, at risk, breaches, availability); and the service catalogue
// as its audience sees it (/api/v1/catalogue). Thin: each lives in its process module and
// takes the query parameters as given.

#include "api/route_groups.h"
#include "processes/resolution/failure_report.h"
#include "processes/resolution/reports.h"
#include "processes/service_level/agreements.h"
#include "processes/service_level/catalogue.h"
#include "processes/service_level/sla_reports.h"

namespace kanri::api {

namespace {

using Report = Result<nlohmann::json> (*)(engine::RecordService&, const engine::Principal&,
                                          const std::vector<std::pair<std::string, std::string>>&, EpochMs);

}  // namespace

void register_report_routes(http::Router& router, ApiContext& context, std::shared_ptr<Gate> gate) {
  namespace res = processes::resolution;
  namespace sl = processes::service_level;
  const std::pair<const char*, Report> reports[] = {{"/api/v1/reports/failures", res::failure_report},
                                                    {"/api/v1/reports/incidents", res::incident_report},
                                                    {"/api/v1/reports/requests", res::request_report},
                                                    {"/api/v1/reports/problems", res::problem_report},
                                                    {"/api/v1/reports/agreement_chain", sl::agreement_chain_report},
                                                    {"/api/v1/reports/service_levels", sl::service_level_report},
                                                    {"/api/v1/reports/sla_at_risk", sl::sla_at_risk_report},
                                                    {"/api/v1/reports/sla_breaches", sl::sla_breach_report},
                                                    {"/api/v1/reports/availability", sl::availability_report},
                                                    {"/api/v1/catalogue", sl::service_catalogue}};
  for (auto& [path, report] : reports) {
    router.add("GET", path, gate->guarded([&context, gate, report](Call& call) {
      auto out = report(context.records, call.principal, call.request.query, context.clock.now_ms());
      if (!out) return gate->fail(call, out.error());
      return json_response(200, *out);
    }));
  }
}

}  // namespace kanri::api
