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

void Router::add(const std::string& method, const std::string& pattern, Handler handler) {
  routes_.push_back({method, pattern, split_path(pattern), std::move(handler)});
}

Response Router::dispatch(Request& request) const {
  auto segments = split_path(request.path);
  std::string allow;
  for (auto& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    std::vector<std::string> params;
    bool match = true;
    for (size_t i = 0; i < segments.size() && match; ++i) {
      const std::string& s = route.segments[i];
      if (s.size() > 1 && s.front() == '{' && s.back() == '}') params.push_back(segments[i]);
      else match = s == segments[i];
    }
    if (!match) continue;
    if (route.method != request.method) {
      if (allow.find(route.method) == std::string::npos) allow += (allow.empty() ? "" : ", ") + route.method;
      continue;
    }
    request.params = std::move(params);
    return route.handler(request);
  }
  if (!allow.empty()) {
    Response r = simple_problem(405, "Method Not Allowed", "Use one of: " + allow + ".");
    r.set_header("Allow", allow);
    return r;
  }
  return simple_problem(404, "Not Found", "No resource at " + request.path + ".");
}

}  // namespace kanri::http
