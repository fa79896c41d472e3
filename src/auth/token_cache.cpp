#include "auth/token_cache.h"

#include "core/crypto.h"

namespace kanri::auth {

std::optional<store::TokenOwner> TokenCache::find(const std::string& secret, EpochMs now) {
  std::string key = sha256_hex(secret);
  std::lock_guard lock(mutex_);
  auto it = by_hash_.find(key);
  if (it == by_hash_.end()) return std::nullopt;
  if (now - it->second.verified_at >= ttl_ || now < it->second.verified_at) {
    by_hash_.erase(it);
    return std::nullopt;
  }
  return it->second.owner;
}

void TokenCache::remember(const std::string& secret, const store::TokenOwner& owner, EpochMs now) {
  std::string key = sha256_hex(secret);
  std::lock_guard lock(mutex_);
  if (by_hash_.size() >= capacity_) by_hash_.clear();
  by_hash_[key] = Entry{owner, now};
}

void TokenCache::forget_user(std::int64_t user_id) {
  std::lock_guard lock(mutex_);
  for (auto it = by_hash_.begin(); it != by_hash_.end();) {
    if (it->second.owner.user.id == user_id) it = by_hash_.erase(it);
    else ++it;
  }
}

}  // namespace kanri::auth
