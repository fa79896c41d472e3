// The outcome of one attempt to hand a notification to another system (an SMTP server, a
// webhook receiver), in the terms the outbox needs to decide what happens next.
#pragma once

#include <string>

namespace kanri::notify {

struct DeliveryResult {
  bool ok = false;         // the other side accepted the notification
  bool permanent = false;  // when !ok: retrying the same thing cannot succeed
  int code = 0;            // the SMTP or HTTP status that decided, 0 when none was received
  std::string reply;       // the server's reply text or the connection error, for the outbox
};

}  // namespace kanri::notify
