// The REST API /api/v1: routes for every record type in the model, authentication by bearer
// token, errors as RFC 9457 problem+json in the caller's language.
#pragma once

#include "core/messages.h"
#include "core/time.h"
#include "engine/record_service.h"
#include "http/router.h"

namespace kanri::api {

struct ApiContext {
  engine::RecordService& records;
  const MessageCatalogue& messages;
  const Clock& clock;
};

// Adds /healthz, /readyz and every /api/v1 route to `router`. `context` must outlive it.
void register_routes(http::Router& router, ApiContext& context);

}  // namespace kanri::api
