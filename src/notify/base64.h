// Standard base64 (RFC 4648 section 4: padded, no line breaks), as MIME bodies, RFC 2047
// encoded words and SMTP AUTH want it. (core/crypto.h has only the URL-safe variant.)
#pragma once

#include <sodium.h>

#include <string>
#include <string_view>

namespace kanri::notify {

inline std::string base64(std::string_view bytes) {
  constexpr int variant = sodium_base64_VARIANT_ORIGINAL;
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), variant);
  out.pop_back();  // the terminating NUL sodium writes
  return out;
}

}  // namespace kanri::notify
