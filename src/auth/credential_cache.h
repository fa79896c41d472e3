// Recently verified credentials (API tokens and sessions) with the principal they stand for,
// so that a busy client's requests do not each query the database to learn who is calling
// and what they may do. Entries live a few seconds: a revocation, an expiry or a change of
// roles made in another server process is honoured at most that long afterwards; in this
// process the change clears the affected entries at once (docs/security.md).
#pragma once

#include <cstdint>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/time.h"
#include "engine/principal.h"

namespace kanri::auth {

struct CachedCredential {
  engine::Principal principal;
  EpochMs ends_at = std::numeric_limits<EpochMs>::max();  // expiry of the token or the session
};

class CredentialCache {
 public:
  explicit CredentialCache(EpochMs time_to_live_ms = 5000, size_t capacity = 10000)
      : ttl_(time_to_live_ms), capacity_(capacity) {}

  // The credential with this secret if it was verified less than the time to live ago and has
  // not ended since.
  std::optional<CachedCredential> find(const std::string& secret, EpochMs now);
  // Remembers a verified credential. When full, the cache starts afresh rather than growing.
  void remember(const std::string& secret, const CachedCredential& credential, EpochMs now);
  // Forgets every credential of this user (revocation, disabling, a new password).
  void forget_user(std::int64_t user_id);
  // Forgets everything (a role's permissions or a group changed: many users at once).
  void clear();

 private:
  struct Entry {
    CachedCredential credential;
    EpochMs verified_at;
  };
  EpochMs ttl_;
  size_t capacity_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> by_hash_;  // keyed by SHA-256, never by the secret
};

}  // namespace kanri::auth
