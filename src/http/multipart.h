// multipart/form-data bodies (RFC 7578), as browsers send file uploads.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace kanri::http {

struct FormPart {
  std::string name;          // the form field's name
  std::string file_name;     // empty for a plain field
  std::string content_type;  // as the client declared it (may be empty)
  std::string body;
};

// Whether a Content-Type header value names multipart/form-data.
bool is_multipart_form(const std::string& content_type);
// The parts of a multipart/form-data body, in order; nullopt when the body or its boundary is
// malformed.
std::optional<std::vector<FormPart>> parse_multipart(const std::string& content_type,
                                                     const std::string& body);

}  // namespace kanri::http
