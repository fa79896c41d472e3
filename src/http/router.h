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
  // `max_body_bytes` > 0 lets this route take bodies up to that size instead of the server's
  // limit (file uploads); 0 keeps the server's.
  void add(const std::string& method, const std::string& pattern, Handler handler, std::size_t max_body_bytes = 0);

  // The body limit of the route `method path` would run, or 0 for the server's: asked before
  // the body is read.
  std::size_t body_limit(const std::string& method, const std::string& path) const;

  // Runs the matching handler. A path that exists with another method gives 405 with Allow;
  // no match gives 404. Both as problem+json.
  Response dispatch(Request& request) const;

  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
    std::size_t max_body_bytes = 0;
  };
  const std::vector<Route>& routes() const { return routes_; }

 private:
  // The first route whose pattern matches `segments` with `method`; fills `params`. When only
  // other methods match, null with their names in `allow`.
  const Route* match(const std::string& method, const std::vector<std::string>& segments,
                     std::vector<std::string>* params, std::string* allow) const;
  std::vector<Route> routes_;
};

// Splits "/a/b/c" into {"a","b","c"}.
std::vector<std::string> split_path(const std::string& path);

}  // namespace kanri::http
