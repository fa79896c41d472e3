// Reports computed from records: /api/v1/reports/failures (failure management, IPA/SEC §4.3
// item 4). Thin: the report lives in its process module.

#include "api/route_groups.h"
#include "processes/resolution/failure_report.h"

namespace kanri::api {

void register_report_routes(http::Router& router, ApiContext& context, std::shared_ptr<Gate> gate) {
  router.add("GET", "/api/v1/reports/failures", gate->guarded([&context, gate](Call& call) {
    auto report = processes::resolution::failure_report(context.records, call.principal, call.request.query,
                                                        context.clock.now_ms());
    if (!report) return gate->fail(call, report.error());
    return json_response(200, *report);
  }));
}

}  // namespace kanri::api
