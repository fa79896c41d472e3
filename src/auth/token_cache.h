// Recently verified API tokens, so that a busy client's requests do not each query the
// database to learn who is calling. Entries live a few seconds: a revoked or expired token
// is refused at most that long after the change (documented in docs/architecture.md).
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/time.h"
#include "store/accounts.h"

namespace kanri::auth {

class TokenCache {
 public:
  explicit TokenCache(EpochMs time_to_live_ms = 5000, size_t capacity = 10000)
      : ttl_(time_to_live_ms), capacity_(capacity) {}

  // The owner of the token with this secret if it was verified less than the TTL ago.
  std::optional<store::TokenOwner> find(const std::string& secret, EpochMs now);
  // Remembers a verified owner. When full, the cache starts afresh rather than growing.
  void remember(const std::string& secret, const store::TokenOwner& owner, EpochMs now);
  // Forgets every token of this user (after a revocation or a role change in this process).
  void forget_user(std::int64_t user_id);

 private:
  struct Entry {
    store::TokenOwner owner;
    EpochMs verified_at;
  };
  EpochMs ttl_;
  size_t capacity_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> by_hash_;  // keyed by SHA-256, never by the secret
};

}  // namespace kanri::auth
