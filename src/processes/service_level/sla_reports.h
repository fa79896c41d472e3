// Service level reports (ISO/IEC 20000-1 8.3.3 "monitor, review and report"): attainment of
// the response and resolution targets, the tickets at risk now, the breaches with their
// timelines, and availability measured from outage records. Each reads with the caller's
// principal, so it counts only tickets the caller may read; each takes the query of every
// report (report_query.h) where it covers a date range.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "engine/record_service.h"
#include "engine/rules.h"

namespace kanri::processes::service_level {

using ReportParams = std::vector<std::pair<std::string, std::string>>;

// GET /api/v1/reports/service_levels: the clocks decided in each period (store/sla_clocks.h:
// breached then, or stopped within their target then), met and breached, and the attainment
// (met ÷ decided, %), per agreement, service or customer (group_by) and in total, with the
// change against the previous period as the trend. Extra parameters: group_by, metric.
Result<nlohmann::json> service_level_report(engine::RecordService& records, const engine::Principal& p,
                                            const ReportParams& query, EpochMs now);

// GET /api/v1/reports/sla_at_risk: running clocks due within `within` (default PT4H), earliest
// first — those already past their due time first of all — with the share of the target used
// and the business time left. Parameters: within, metric, service, limit (1–500, default 50).
Result<nlohmann::json> sla_at_risk_report(engine::RecordService& records, const engine::Principal& p,
                                          const ReportParams& query, EpochMs now);

// GET /api/v1/reports/sla_breaches: the clocks breached in the range, each with its ticket,
// target and timeline replayed from the journal. Extra parameters: metric, limit (1–500,
// default 100; `truncated` says when more breached).
Result<nlohmann::json> sla_breach_report(engine::RecordService& records, const engine::Principal& p,
                                         const ReportParams& query, EpochMs now);

// GET /api/v1/reports/availability: for each availability target of an active agreement and
// each service it covers, per period: the agreed service time (the agreement's calendar over
// the period), the downtime (the business time of the outages — incidents of the service with
// outage_started_at, until outage_ended_at or now — merged where they overlap) and
// (agreed − downtime) ÷ agreed, against the target. Extra parameter: agreement.
Result<nlohmann::json> availability_report(engine::RecordService& records, const engine::Principal& p,
                                           const ReportParams& query, EpochMs now);

// Outage records on incidents: the end not before the start, and no resolve while the service
// is still recorded as unavailable.
void register_outage_rules(engine::RuleRegistry& rules);

}  // namespace kanri::processes::service_level
