// Passwords: argon2id hashes (libsodium) in the self-describing PHC string format, so the
// cost can be raised later and old hashes are recognised and rehashed at the next sign-in;
// and the policy a new password must meet.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/error.h"

namespace kanri::auth {

class PasswordHasher {
 public:
  // argon2id with `opslimit` passes over `memlimit` bytes (libsodium's INTERACTIVE by default).
  // At most `parallel` hashes run at once (0: one per CPU, at least 2): each holds `memlimit`
  // bytes while it runs, so a flood of sign-ins queues instead of exhausting memory.
  explicit PasswordHasher(std::uint64_t opslimit = 2, std::uint64_t memlimit = 67108864, unsigned parallel = 0);
  ~PasswordHasher();
  PasswordHasher(const PasswordHasher&) = delete;
  PasswordHasher& operator=(const PasswordHasher&) = delete;
  class Slots;  // the hashes that may run at once
  std::string hash(const std::string& password) const;
  // True when `password` matches `hash`. An empty or malformed hash matches nothing.
  bool verify(const std::string& hash, const std::string& password) const;
  // True when `hash` was made with other parameters than this hasher's.
  bool needs_rehash(const std::string& hash) const;
  // Spends the time a verification takes, for an account that does not exist, so that the
  // answer's timing does not tell a wrong password from an unknown user.
  void verify_nothing(const std::string& password) const;

 private:
  std::uint64_t opslimit_;
  std::uint64_t memlimit_;
  std::unique_ptr<Slots> slots_;
  std::string dummy_hash_;
};

// The argon2id hash of `password` at libsodium's INTERACTIVE limits.
std::string hash_password(const std::string& password);
// A random password of `length` characters that avoids look-alikes (0/O, 1/l).
std::string generate_password(size_t length = 20);

// The field error for a password that is too short (counted in characters) or too long, that
// contains the username, or that is one of the most common passwords; nothing when it is fine.
std::optional<FieldError> check_password_policy(const std::string& field, const std::string& username,
                                                const std::string& password, int min_length);

}  // namespace kanri::auth
