#include "http/problem.h"

#include <nlohmann/json.hpp>

namespace kanri::http {

Response simple_problem(int status, const std::string& title, const std::string& detail) {
  Response r;
  r.status = status;
  r.body = nlohmann::json{{"type", "about:blank"}, {"status", status}, {"title", title}, {"detail", detail},
                          {"errors", nlohmann::json::array()}}.dump();
  r.headers.emplace_back("Content-Type", "application/problem+json");
  return r;
}

}  // namespace kanri::http
