// Reports computed from records (/api/v1/reports/…): failure management (IPA/SEC §4.3 item
// 4), resolution and fulfilment (incidents, requests, problems) and service levels
// (agreement chain, attainment, at risk, breaches, availability). Thin: each report lives
// in its process module and takes the query parameters as given.

#include "api/route_groups.h"
#include "processes/resolution/failure_report.h"
#include "processes/resolution/reports.h"
#include "processes/service_level/agreements.h"
#include "processes/service_level/sla_reports.h"

namespace kanri::api {

namespace {

using Report = Result<nlohmann::json> (*)(engine::RecordService&, const engine::Principal&,
                                          const std::vector<std::pair<std::string, std::string>>&, EpochMs);

}  // namespace

void register_report_routes(http::Router& router, ApiContext& context, std::shared_ptr<Gate> gate) {
  namespace res = processes::resolution;
  namespace sl = processes::service_level;
  const std::pair<const char*, Report> reports[] = {{"failures", res::failure_report},
                                                    {"incidents", res::incident_report},
                                                    {"requests", res::request_report},
                                                    {"problems", res::problem_report},
                                                    {"agreement_chain", sl::agreement_chain_report},
                                                    {"service_levels", sl::service_level_report},
                                                    {"sla_at_risk", sl::sla_at_risk_report},
                                                    {"sla_breaches", sl::sla_breach_report},
                                                    {"availability", sl::availability_report}};
  for (auto& [name, report] : reports) {
    router.add("GET", std::string("/api/v1/reports/") + name, gate->guarded([&context, gate, report](Call& call) {
      auto out = report(context.records, call.principal, call.request.query, context.clock.now_ms());
      if (!out) return gate->fail(call, out.error());
      return json_response(200, *out);
    }));
  }
}

}  // namespace kanri::api
