// Controlled documents (ISO/IEC 20000-1 7.5.4): an approval records who approved which
// version and when.
#pragma once

#include "engine/rules.h"

namespace kanri::processes::system {

// Registers the hook "document_approve".
void register_document_rules(engine::RuleRegistry& rules);

}  // namespace kanri::processes::system
