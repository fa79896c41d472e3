// The API's route groups; register_routes (api.h) adds them in this order. Each handler
// holds the shared gate, so it lives as long as the router.
#pragma once

#include <memory>

#include "api/api.h"
#include "api/gate.h"

namespace kanri::api {

// POST/DELETE /api/v1/session, /api/v1/me and its password and second factor.
void register_session_routes(http::Router& router, ApiContext& context, std::shared_ptr<Gate> gate);
// /api/v1/users, groups, roles, tokens, sessions, journal.
void register_identity_routes(http::Router& router, ApiContext& context, std::shared_ptr<Gate> gate);
// /api/v1/queues, jobs, notifications, subscriptions and /api/v1/me/subscriptions.
void register_work_routes(http::Router& router, ApiContext& context, std::shared_ptr<Gate> gate);
// /api/v1/{collection}/{key}/comments and …/attachments, /api/v1/views (before the record
// routes: /api/v1/views is not a collection).
void register_record_extras_routes(http::Router& router, ApiContext& context, std::shared_ptr<Gate> gate);
// /api/v1/incidents/{key}/suggestions and /api/v1/problem_proposals/analyse (before the
// record routes, whose {collection}/{key} would take them).
void register_resolution_routes(http::Router& router, ApiContext& context, std::shared_ptr<Gate> gate);
// /healthz, /readyz, /api/v1/types, /api/v1/openapi.json and every record collection.
void register_record_routes(http::Router& router, ApiContext& context, std::shared_ptr<Gate> gate);

}  // namespace kanri::api
