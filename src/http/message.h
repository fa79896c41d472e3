// HTTP requests and responses as plain values, so handlers never see the server library.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kanri::http {

struct Request {
  std::string method;
  std::string path;  // decoded path, without the query
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  std::map<std::string, std::string> headers;              // names lower-cased
  std::string body;
  std::string remote_ip;
  std::vector<std::string> params;  // path segments captured by the route's {placeholders}

  // The header's value, or "" when absent. `name` is lower-case.
  const std::string& header(const std::string& name) const;
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  static Response json(int status, std::string body);
  void set_header(std::string name, std::string value);
};

// Percent-encodes all but the unreserved characters (RFC 3986: letters, digits, -._~), for a
// query value, a path segment or a filename* parameter.
std::string percent_encode(std::string_view s);
// Content-Disposition of a download: always an attachment, with an ASCII stand-in for old
// clients and the UTF-8 name in filename* (RFC 6266, RFC 8187).
std::string attachment_disposition(const std::string& file_name);

}  // namespace kanri::http
