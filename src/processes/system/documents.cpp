#include "processes/system/documents.h"

#include "processes/record_fields.h"

namespace kanri::processes::system {

void register_document_rules(engine::RuleRegistry& rules) {
  rules.add_hook("document_approve", [](engine::TransitionContext& ctx) -> Status {
    set(ctx.after, "approved_by", ctx.principal.user_id ? Value(*ctx.principal.user_id) : Value());
    set(ctx.after, "approved_on", days_to_date(ctx.now / 86'400'000));
    return ok_status();
  });
}

}  // namespace kanri::processes::system
