// Reports computed from records (/api/v1/reports/…): failure management (IPA/SEC §4.3 item
// 4) and resolution and fulfilment (incidents, requests, problems); and the service catalogue
// as its audience sees it (/api/v1/catalogue). Thin: each lives in its process module and
// takes the query parameters as given.

#include "api/route_groups.h"
#include "processes/resolution/failure_report.h"
#include "processes/resolution/reports.h"
#include "processes/service_level/agreements.h"
#include "processes/service_level/catalogue.h"

namespace kanri::api {

namespace {

using Report = Result<nlohmann::json> (*)(engine::RecordService&, const engine::Principal&,
                                          const std::vector<std::pair<std::string, std::string>>&, EpochMs);

}  // namespace

void register_report_routes(http::Router& router, ApiContext& context, std::shared_ptr<Gate> gate) {
  namespace res = processes::resolution;
  const std::pair<const char*, Report> reports[] = {{"failures", res::failure_report},
                                                    {"incidents", res::incident_report},
                                                    {"requests", res::request_report},
                                                    {"problems", res::problem_report},
                                                    {"agreement_chain", processes::service_level::agreement_chain_report}};
  const std::pair<std::string, Report> views[] = {{"/api/v1/catalogue", processes::service_level::service_catalogue}};
  for (auto& [path, view] : views) {
    router.add("GET", path, gate->guarded([&context, gate, view](Call& call) {
      auto out = view(context.records, call.principal, call.request.query, context.clock.now_ms());
      if (!out) return gate->fail(call, out.error());
      return json_response(200, *out);
    }));
  }
  for (auto& [name, report] : reports) {
    router.add("GET", std::string("/api/v1/reports/") + name, gate->guarded([&context, gate, report](Call& call) {
      auto out = report(context.records, call.principal, call.request.query, context.clock.now_ms());
      if (!out) return gate->fail(call, out.error());
      return json_response(200, *out);
    }));
  }
}

}  // namespace kanri::api
