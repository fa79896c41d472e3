// RFC 9457 problem details: the one shape every error response takes.
#pragma once

#include <string>

#include "http/message.h"

namespace kanri::http {

// A problem+json response with no field errors.
Response simple_problem(int status, const std::string& title, const std::string& detail);

}  // namespace kanri::http
