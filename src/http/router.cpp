#include "http/router.h"

#include "http/problem.h"

namespace kanri::http {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < path.size()) {
    if (path[pos] == '/') {
      ++pos;
      continue;
    }
    size_t next = path.find('/', pos);
    if (next == std::string::npos) next = path.size();
    out.push_back(path.substr(pos, next - pos));
    pos = next;
  }
  return out;
}

void Router::add(const std::string& method, const std::string& pattern, Handler handler, std::size_t max_body_bytes) {
  routes_.push_back({method, pattern, split_path(pattern), std::move(handler), max_body_bytes});
}

const Router::Route* Router::match(const std::string& method, const std::vector<std::string>& segments,
                                   std::vector<std::string>* params, std::string* allow) const {
  for (auto& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    std::vector<std::string> captured;
    bool match = true;
    for (size_t i = 0; i < segments.size() && match; ++i) {
      const std::string& s = route.segments[i];
      if (s.size() > 1 && s.front() == '{' && s.back() == '}') captured.push_back(segments[i]);
      else match = s == segments[i];
    }
    if (!match) continue;
    if (route.method != method) {
      if (allow && allow->find(route.method) == std::string::npos)
        *allow += (allow->empty() ? "" : ", ") + route.method;
      continue;
    }
    if (params) *params = std::move(captured);
    return &route;
  }
  return nullptr;
}

std::size_t Router::body_limit(const std::string& method, const std::string& path) const {
  const Route* route = match(method, split_path(path), nullptr, nullptr);
  return route ? route->max_body_bytes : 0;
}

Response Router::dispatch(Request& request) const {
  std::string allow;
  std::vector<std::string> params;
  if (const Route* route = match(request.method, split_path(request.path), &params, &allow)) {
    request.params = std::move(params);
    return route->handler(request);
  }
  if (!allow.empty()) {
    Response r = simple_problem(405, "Method Not Allowed", "Use one of: " + allow + ".");
    r.set_header("Allow", allow);
    return r;
  }
  return simple_problem(404, "Not Found", "No resource at " + request.path + ".");
}

}  // namespace kanri::http
