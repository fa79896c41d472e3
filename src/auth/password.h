// Password hashing with argon2id (libsodium), in the self-describing PHC string format, so
// parameters can be raised later and old hashes recognised for rehashing.
#pragma once

#include <string>

namespace kanri::auth {

// The argon2id hash of `password` at libsodium's INTERACTIVE limits.
std::string hash_password(const std::string& password);
// True when `password` matches `hash` (constant time in the password).
bool verify_password(const std::string& hash, const std::string& password);
// True when `hash` was made with other parameters than hash_password uses now.
bool needs_rehash(const std::string& hash);
// A random password of `length` characters that avoids look-alikes (0/O, 1/l).
std::string generate_password(size_t length = 20);

}  // namespace kanri::auth
