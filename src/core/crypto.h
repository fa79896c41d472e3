// Hashes and random tokens, from libsodium.
#pragma once

#include <string>
#include <string_view>

namespace kanri {

// Lower-case hex SHA-256 of the bytes.
std::string sha256_hex(std::string_view bytes);
// `bytes` bytes from the operating system's CSPRNG, base64url without padding.
std::string random_token(size_t bytes = 32);
// Constant-time equality of two strings of the same length.
bool constant_time_equal(std::string_view a, std::string_view b);
// Base64url (RFC 4648 §5) without padding, and back; decode returns false on bad input.
std::string base64url_encode(std::string_view bytes);
bool base64url_decode(std::string_view text, std::string& out);

}  // namespace kanri
