#include "processes/registry.h"

#include "processes/service_level/service_rules.h"

namespace kanri::processes {

void register_all(engine::RuleRegistry& rules) { service_level::register_rules(rules); }

}  // namespace kanri::processes
