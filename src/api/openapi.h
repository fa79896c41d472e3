// The OpenAPI 3.1 description of /api/v1, generated from the model.
#pragma once

#include <nlohmann/json.hpp>

#include "model/catalogue.h"

namespace kanri::api {

nlohmann::json openapi_document(const model::Catalogue& catalogue);

}  // namespace kanri::api
