// Outbound webhooks: one signed JSON POST to a subscriber's URL per delivery attempt.
#pragma once

#include <cstdint>
#include <string>

#include "notify/delivery.h"

namespace kanri::notify {

struct WebhookRequest {
  std::string url;                // http:// or https://; user:password@ in it becomes Basic auth
  std::string secret;             // signs the request when not empty
  std::string body;               // JSON, sent as it is
  std::string event;              // X-Kanri-Event, e.g. "state_changed"
  std::string delivery_id;        // X-Kanri-Delivery: the same on every retry of one delivery
  std::int64_t timestamp_ms = 0;  // when the delivery was made; 0 means now
  int timeout_ms = 10000;         // for connecting and for each read or write
};

// "sha256=" + lowercase hex HMAC-SHA256(secret, "<timestamp seconds>.<body>"), keys of any
// length. A receiver recomputes it from X-Kanri-Timestamp and the raw body.
std::string webhook_signature(const std::string& secret, std::int64_t timestamp_ms,
                              const std::string& body);

// POSTs r.body with Content-Type: application/json; charset=utf-8, User-Agent: Kanri/<version>,
// X-Kanri-Event, X-Kanri-Delivery, X-Kanri-Timestamp (epoch seconds) and, with a secret,
// X-Kanri-Signature. ok on 2xx. permanent on other 4xx except 408 and 429, on any 3xx
// (redirects are not followed; reply names the Location) and on a URL that is not http(s)
// with a host. Temporary on 408, 429, 5xx, timeouts, connection errors and TLS failures
// (certificates are checked against the system CAs). reply is "HTTP <status> " + the first
// 300 bytes of the response body (line breaks as spaces), or the connection error.
// Never throws; safe to call from several threads at once.
DeliveryResult post_webhook(const WebhookRequest& r);

}  // namespace kanri::notify
