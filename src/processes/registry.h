// Every process module's rules, registered in one place at start-up.
#pragma once

#include "engine/rules.h"

namespace kanri::processes {

void register_all(engine::RuleRegistry& rules);

}  // namespace kanri::processes
