#include "processes/registry.h"

#include "jobs/events.h"
#include "processes/resolution/failure.h"
#include "processes/resolution/resolution.h"
#include "processes/service_level/agreements.h"
#include "processes/service_level/importance.h"
#include "processes/service_level/reviews.h"
#include "processes/service_level/service_rules.h"
#include "processes/service_level/ticket_clocks.h"
#include "processes/service_level/sla_reports.h"
#include "processes/system/documents.h"
#include "processes/system/periodic_activities.h"

namespace kanri::processes {

void register_all(engine::RuleRegistry& rules) {
  service_level::register_rules(rules);
  service_level::register_agreement_rules(rules);
  service_level::register_importance_rules(rules);
  service_level::register_review_rules(rules);
  service_level::register_ticket_clock_rules(rules);
  service_level::register_outage_rules(rules);
  system::register_rules(rules);
  system::register_document_rules(rules);
  resolution::register_rules(rules);
  resolution::register_failure_rules(rules);
  // Every write's events for notifications; after the process rules, so their changes count.
  jobs::observe_record_events(rules);
}

void register_jobs(jobs::Registry& registry, engine::RecordService& records, const std::string& site_url) {
  system::register_jobs(registry, records, site_url);
  resolution::register_jobs(registry, records);
  service_level::register_ticket_clock_jobs(registry, records);
}

}  // namespace kanri::processes
