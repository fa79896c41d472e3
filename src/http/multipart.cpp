#include "http/multipart.h"

#include <Poco/Exception.h>
#include <Poco/Net/MediaType.h>
#include <Poco/Net/MessageHeader.h>
#include <Poco/Net/MultipartReader.h>
#include <Poco/Net/NameValueCollection.h>

#include <sstream>

namespace kanri::http {

bool is_multipart_form(const std::string& content_type) {
  try {
    Poco::Net::MediaType type(content_type);
    return type.matches("multipart", "form-data");
  } catch (const Poco::Exception&) {
    return false;
  }
}

std::optional<std::vector<FormPart>> parse_multipart(const std::string& content_type,
                                                     const std::string& body) {
  try {
    Poco::Net::MediaType type(content_type);
    if (!type.matches("multipart", "form-data") || !type.hasParameter("boundary"))
      return std::nullopt;
    std::istringstream in(body);
    Poco::Net::MultipartReader reader(in, type.getParameter("boundary"));
    std::vector<FormPart> parts;
    while (reader.hasNextPart()) {
      Poco::Net::MessageHeader header;
      reader.nextPart(header);
      FormPart part;
      std::string disposition;
      Poco::Net::NameValueCollection params;
      Poco::Net::MessageHeader::splitParameters(header.get("Content-Disposition", ""), disposition,
                                                params);
      part.name = params.get("name", "");
      part.file_name = params.get("filename", "");
      part.content_type = header.get("Content-Type", "");
      std::ostringstream content;
      content << reader.stream().rdbuf();
      part.body = content.str();
      parts.push_back(std::move(part));
    }
    return parts;
  } catch (const Poco::Exception&) {
    return std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace kanri::http
