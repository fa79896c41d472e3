// Renders an engine Error as problem+json, with every message in the caller's language and
// each field error carrying its field's label.
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "core/error.h"
#include "core/messages.h"
#include "http/message.h"
#include "model/catalogue.h"

namespace kanri::api {

int status_for(ErrorKind kind);

// The problem document itself: status, title, detail and errors[] {field, code, message}. The
// web pages show the same messages inline.
nlohmann::json problem_body(const Error& error, const MessageCatalogue& messages, const std::string& lang,
                            const model::TypeDef* type = nullptr);
// `type` names the record type the request was about (for field labels); may be null.
http::Response problem(const Error& error, const MessageCatalogue& messages, const std::string& lang,
                       const model::TypeDef* type = nullptr);

}  // namespace kanri::api
