// What the service desk asks of the resolution process beyond records: the known errors and
// similar incidents that may fit an incident (8.6.1: use known errors and workarounds to
// respond quickly; 8.6.3: known errors available to the other activities), and running the
// trend analysis on demand.
#pragma once

#include <nlohmann/json.hpp>

#include "engine/record_service.h"
#include "processes/resolution/trends.h"

namespace kanri::processes::resolution {

class ServiceDesk {
 public:
  explicit ServiceDesk(engine::RecordService& records) : records_(records) {}

  // Known errors (not retired) and published knowledge articles sharing the incident's
  // service or category or matching its symptom or title, and recent incidents on the same
  // service and category or with the same symptom, each with why it was suggested; only what
  // `p` may read.
  Result<nlohmann::json> suggestions(const engine::Principal& p, std::string_view incident_key);
  // Runs the trend analysis now as `p`, who needs the right to create problem proposals with
  // the scope all (it reads every organization's incidents).
  Result<TrendRun> analyse(const engine::Principal& p);

 private:
  engine::RecordService& records_;
};

}  // namespace kanri::processes::resolution
