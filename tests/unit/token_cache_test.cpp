// The token cache answers only within its time to live, and forgets a user on demand.
#include <gtest/gtest.h>

#include "auth/token_cache.h"

namespace kanri::auth {
namespace {

store::TokenOwner owner(std::int64_t user_id) {
  store::TokenOwner o;
  o.user.id = user_id;
  o.user.username = "user" + std::to_string(user_id);
  o.token_id = user_id * 10;
  return o;
}

TEST(TokenCache, AnswersWithinTheTimeToLiveOnly) {
  TokenCache cache(5000);
  cache.remember("secret-a", owner(1), 1000);
  ASSERT_TRUE(cache.find("secret-a", 1000).has_value());
  EXPECT_EQ(cache.find("secret-a", 5999)->user.id, 1);
  EXPECT_FALSE(cache.find("secret-a", 6000).has_value());
  EXPECT_FALSE(cache.find("secret-a", 1001).has_value()) << "an expired entry is dropped, not revived";
}

TEST(TokenCache, DistinguishesSecretsAndForgetsAUser) {
  TokenCache cache(5000);
  cache.remember("secret-a", owner(1), 0);
  cache.remember("secret-b", owner(2), 0);
  EXPECT_FALSE(cache.find("secret-c", 0).has_value());
  EXPECT_EQ(cache.find("secret-b", 0)->user.id, 2);
  cache.forget_user(1);
  EXPECT_FALSE(cache.find("secret-a", 0).has_value());
  EXPECT_TRUE(cache.find("secret-b", 0).has_value());
}

TEST(TokenCache, AClockGoingBackwardsDoesNotExtendAnEntry) {
  TokenCache cache(5000);
  cache.remember("secret-a", owner(1), 10000);
  EXPECT_FALSE(cache.find("secret-a", 9000).has_value());
}

TEST(TokenCache, StaysBoundedWhenFull) {
  TokenCache cache(5000, 3);
  for (int i = 0; i < 3; ++i) cache.remember("s" + std::to_string(i), owner(i), 0);
  cache.remember("s3", owner(3), 0);  // full: starts afresh with only this one
  EXPECT_FALSE(cache.find("s0", 0).has_value());
  EXPECT_TRUE(cache.find("s3", 0).has_value());
}

}  // namespace
}  // namespace kanri::auth
