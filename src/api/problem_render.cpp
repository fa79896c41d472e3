#include "api/problem_render.h"

#include <nlohmann/json.hpp>

namespace kanri::api {

int status_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::bad_request: return 400;
    case ErrorKind::unauthorized: return 401;
    case ErrorKind::forbidden: return 403;
    case ErrorKind::not_found: return 404;
    case ErrorKind::conflict: return 409;
    case ErrorKind::precondition_failed: return 412;
    case ErrorKind::too_large: return 413;
    case ErrorKind::too_many_requests: return 429;
    case ErrorKind::invalid: return 422;
    case ErrorKind::precondition_required: return 428;
    case ErrorKind::unavailable: return 503;
    case ErrorKind::internal: return 500;
  }
  return 500;
}

namespace {
const char* title_key(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::bad_request: return "problem.bad_request";
    case ErrorKind::unauthorized: return "problem.unauthorized";
    case ErrorKind::forbidden: return "problem.forbidden";
    case ErrorKind::not_found: return "problem.not_found";
    case ErrorKind::conflict: return "problem.conflict";
    case ErrorKind::precondition_failed: return "problem.precondition_failed";
    case ErrorKind::precondition_required: return "problem.precondition_required";
    case ErrorKind::too_large: return "problem.too_large";
    case ErrorKind::too_many_requests: return "problem.too_many_requests";
    case ErrorKind::invalid: return "problem.invalid";
    case ErrorKind::unavailable: return "problem.unavailable";
    case ErrorKind::internal: return "problem.internal";
  }
  return "problem.internal";
}
}  // namespace

nlohmann::json problem_body(const Error& error, const MessageCatalogue& messages, const std::string& lang,
                            const model::TypeDef* type) {
  int status = status_for(error.kind);
  MessageArgs args = error.args;
  // The route's type names itself by its label; an error about another type keeps its name.
  if (type && args.count("type") && args["type"] == type->name) args["type"] = type->label.in(lang);
  nlohmann::json errors = nlohmann::json::array();
  for (auto& fe : error.fields) {
    MessageArgs fargs = fe.args;
    const model::FieldDef* f = type ? type->field(fe.field) : nullptr;
    fargs["label"] = f ? f->label.in(lang) : fe.field;
    if (type && fargs.count("type")) fargs["type"] = type->label.in(lang);
    errors.push_back({{"field", fe.field}, {"code", fe.code}, {"message", messages.text(lang, fe.code, fargs)}});
  }
  nlohmann::json body{{"type", "about:blank"},
                      {"status", status},
                      {"title", messages.text(lang, title_key(error.kind))},
                      {"detail", messages.text(lang, error.code, args)},
                      {"errors", std::move(errors)}};
  return body;
}

http::Response problem(const Error& error, const MessageCatalogue& messages, const std::string& lang,
                       const model::TypeDef* type) {
  http::Response r;
  r.status = status_for(error.kind);
  r.body = problem_body(error, messages, lang, type).dump();
  r.headers.emplace_back("Content-Type", "application/problem+json");
  r.headers.emplace_back("Content-Language", lang);
  return r;
}

}  // namespace kanri::api
