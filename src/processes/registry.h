// Every process module's rules, registered in one place at start-up.
#pragma once

#include <string>

#include "engine/record_service.h"
#include "engine/rules.h"
#include "jobs/scheduler.h"

namespace kanri::processes {

void register_all(engine::RuleRegistry& rules);
// Every process module's job handlers (timers and periodic work), acting through `records`.
void register_jobs(jobs::Registry& registry, engine::RecordService& records, const std::string& site_url);

}  // namespace kanri::processes
