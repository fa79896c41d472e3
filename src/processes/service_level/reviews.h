// Service reviews at planned intervals (ISO/IEC 20000-1 8.3.3, 8.3.2): the rules the model
// cannot state. A review names the agreement or the service it reviews, a period that ends no
// earlier than it starts, and is not held in the future. It fulfils a periodic activity (given,
// or the agreement's active SLA or supplier review activity): closing the review records that
// activity's completion with the review as its evidence, which moves the next review date on.
// An improvement whose source record is a review is linked to it as one of its actions. A
// periodic activity for an agreement takes the agreement's review interval when it gives no
// schedule of its own.
#pragma once

#include "engine/rules.h"

namespace kanri::processes::service_level {

void register_review_rules(engine::RuleRegistry& rules);

}  // namespace kanri::processes::service_level
