// Maps "METHOD /path/{param}/…" to handlers. Routes are added at start-up; matching is then
// read-only and safe from many threads.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "http/message.h"

namespace kanri::http {

using Handler = std::function<Response(Request&)>;

class Router {
 public:
  // `pattern` is a path whose segments are literals or "{name}" (one segment each).
  void add(const std::string& method, const std::string& pattern, Handler handler);

  // Runs the matching handler. A path that exists with another method gives 405 with Allow;
  // no match gives 404. Both as problem+json.
  Response dispatch(Request& request) const;

  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
  };
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

// Splits "/a/b/c" into {"a","b","c"}.
std::vector<std::string> split_path(const std::string& path);

}  // namespace kanri::http
