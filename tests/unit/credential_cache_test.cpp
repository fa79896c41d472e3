// The credential cache answers only within its time to live and before the credential ends,
// and forgets a user, or everything, on demand.
#include <gtest/gtest.h>

#include "auth/credential_cache.h"

namespace kanri::auth {
namespace {

CachedCredential credential(std::int64_t user_id, EpochMs ends_at = std::numeric_limits<EpochMs>::max()) {
  CachedCredential c;
  c.principal.user_id = user_id;
  c.principal.username = "user" + std::to_string(user_id);
  c.ends_at = ends_at;
  return c;
}

TEST(CredentialCache, AnswersWithinTheTimeToLiveOnly) {
  CredentialCache cache(5000);
  cache.remember("secret-a", credential(1), 1000);
  ASSERT_TRUE(cache.find("secret-a", 1000).has_value());
  EXPECT_EQ(cache.find("secret-a", 5999)->principal.user_id, 1);
  EXPECT_FALSE(cache.find("secret-a", 6000).has_value());
  EXPECT_FALSE(cache.find("secret-a", 1001).has_value()) << "an expired entry is dropped, not revived";
}

TEST(CredentialCache, NeverOutlivesTheCredential) {
  CredentialCache cache(5000);
  cache.remember("secret-a", credential(1, 3000), 1000);
  EXPECT_TRUE(cache.find("secret-a", 2999).has_value());
  EXPECT_FALSE(cache.find("secret-a", 3000).has_value()) << "a token or session that ended is not served from the cache";
}

TEST(CredentialCache, DistinguishesSecretsAndForgetsAUserOrEverything) {
  CredentialCache cache(5000);
  cache.remember("secret-a", credential(1), 0);
  cache.remember("secret-b", credential(2), 0);
  cache.remember("secret-c", credential(2), 0);
  EXPECT_FALSE(cache.find("secret-d", 0).has_value());
  EXPECT_EQ(cache.find("secret-b", 0)->principal.user_id, 2);
  cache.forget_user(2);
  EXPECT_FALSE(cache.find("secret-b", 0).has_value());
  EXPECT_FALSE(cache.find("secret-c", 0).has_value());
  EXPECT_TRUE(cache.find("secret-a", 0).has_value());
  cache.clear();
  EXPECT_FALSE(cache.find("secret-a", 0).has_value());
}

TEST(CredentialCache, StartsAfreshWhenFull) {
  CredentialCache cache(5000, 2);
  cache.remember("a", credential(1), 0);
  cache.remember("b", credential(2), 0);
  cache.remember("c", credential(3), 0);
  EXPECT_FALSE(cache.find("a", 0).has_value());
  EXPECT_TRUE(cache.find("c", 0).has_value());
}

}  // namespace
}  // namespace kanri::auth
