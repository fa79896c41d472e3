// The OpenAPI 3.1 description of /api/v1, generated from the model.
#pragma once

#include <nlohmann/json.hpp>

#include "model/catalogue.h"

namespace kanri::api {

nlohmann::json openapi_document(const model::Catalogue& catalogue);

// Adds the paths and schemas of the platform's own resources (session, me, users, groups,
// roles, tokens, sessions, journal) to a document being built.
void add_identity_openapi(nlohmann::json& paths, nlohmann::json& schemas);
// Queues, jobs, the outbox and subscriptions.
void add_work_openapi(nlohmann::json& paths, nlohmann::json& schemas);
// Comments, work log and attachments of every record type; saved views.
void add_record_extras_openapi(nlohmann::json& paths, nlohmann::json& schemas, const model::Catalogue& catalogue);
// The resolution process's own routes (api/resolution_routes.cpp).
void add_resolution_openapi(nlohmann::json& paths, const model::Catalogue& catalogue);

}  // namespace kanri::api
