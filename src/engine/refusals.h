// The refusals every engine service gives alike, so that a record's services (RecordService,
// engine/record_extras.h) say "forbidden" and "frozen" in the same words.
#pragma once

#include <string>

#include "core/error.h"
#include "store/records.h"

namespace kanri::engine {

// 403 access.denied: `action` on type `t` is not granted on a record the principal can see.
inline Error access_denied(const std::string& action, const model::TypeDef& t) {
  return Error::of(ErrorKind::forbidden, "access.denied", {{"action", action}, {"type", t.name}});
}

// 409 record.frozen when the record's lifecycle state freezes it (a finalized record, 7.5).
inline Status check_not_frozen(const store::Record& r) {
  if (!r.type->lifecycle) return ok_status();
  const model::StateDef* s = r.type->lifecycle->state(r.state);
  if (s && s->frozen) return Error::of(ErrorKind::conflict, "record.frozen", {{"state", r.state}});
  return ok_status();
}

}  // namespace kanri::engine
