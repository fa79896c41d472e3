// Renders an engine Error as problem+json, with every message in the caller's language and
// each field error carrying its field's label.
#pragma once

#include <string>

#include "core/error.h"
#include "core/messages.h"
#include "http/message.h"
#include "model/catalogue.h"

namespace kanri::api {

int status_for(ErrorKind kind);

// `type` names the record type the request was about (for field labels); may be null.
http::Response problem(const Error& error, const MessageCatalogue& messages, const std::string& lang,
                       const model::TypeDef* type = nullptr);

}  // namespace kanri::api
