#include "auth/credential_cache.h"

#include "core/crypto.h"

namespace kanri::auth {

std::optional<CachedCredential> CredentialCache::find(const std::string& secret, EpochMs now) {
  std::string key = sha256_hex(secret);
  std::lock_guard lock(mutex_);
  auto it = by_hash_.find(key);
  if (it == by_hash_.end()) return std::nullopt;
  const Entry& e = it->second;
  if (now - e.verified_at >= ttl_ || now < e.verified_at || now >= e.credential.ends_at) {
    by_hash_.erase(it);
    return std::nullopt;
  }
  return e.credential;
}

void CredentialCache::remember(const std::string& secret, const CachedCredential& credential, EpochMs now) {
  std::string key = sha256_hex(secret);
  std::lock_guard lock(mutex_);
  if (by_hash_.size() >= capacity_) by_hash_.clear();
  by_hash_[key] = Entry{credential, now};
}

void CredentialCache::forget_user(std::int64_t user_id) {
  std::lock_guard lock(mutex_);
  for (auto it = by_hash_.begin(); it != by_hash_.end();) {
    if (it->second.credential.principal.user_id == user_id) it = by_hash_.erase(it);
    else ++it;
  }
}

void CredentialCache::clear() {
  std::lock_guard lock(mutex_);
  by_hash_.clear();
}

}  // namespace kanri::auth
