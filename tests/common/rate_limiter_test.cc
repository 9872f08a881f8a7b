#include "common/rate_limiter.h"

#include <gtest/gtest.h>

namespace kb {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const Time kStart = Time(milliseconds(1'800'000'000'000));

TEST(RateLimiterTest, SpendsTheBurstThenRefillsAtTheRate) {
  RateLimiter limiter({2, 3});
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.Take("a", kStart), 0);
  EXPECT_EQ(limiter.Take("a", kStart), 1);  // half a second to the next token, rounded up
  EXPECT_EQ(limiter.Take("b", kStart), 0);  // keys are independent
  EXPECT_EQ(limiter.Take("a", kStart + milliseconds(500)), 0);
  EXPECT_EQ(limiter.Take("a", kStart + milliseconds(500)), 1);
  EXPECT_EQ(limiter.refused(), 2u);
  // A long pause refills only up to the burst.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.Take("a", kStart + seconds(60)), 0);
  EXPECT_GT(limiter.Take("a", kStart + seconds(60)), 0);
}

TEST(RateLimiterTest, TellsHowLongToWait) {
  RateLimiter limiter({0.1, 1});
  EXPECT_EQ(limiter.Take("a", kStart), 0);
  EXPECT_EQ(limiter.Take("a", kStart), 10);
  EXPECT_EQ(limiter.Take("a", kStart + seconds(4)), 6);
}

TEST(RateLimiterTest, ZeroRateMeansUnlimited) {
  RateLimiter limiter({0, 1});
  EXPECT_FALSE(limiter.enabled());
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(limiter.Take("a", kStart), 0);
  EXPECT_EQ(limiter.refused(), 0u);
}

TEST(RateLimiterTest, AClockThatStepsBackRefillsNothing) {
  RateLimiter limiter({1, 1});
  EXPECT_EQ(limiter.Take("a", kStart), 0);
  EXPECT_GT(limiter.Take("a", kStart - seconds(30)), 0);
  EXPECT_GT(limiter.Take("a", kStart), 0);  // the step back did not reset the bucket either
  EXPECT_EQ(limiter.Take("a", kStart + seconds(1)), 0);
}

TEST(RateLimiterTest, MemoryIsBoundedAndALimitedKeyStaysLimited) {
  RateLimiter limiter({1, 1}, /*max_keys=*/4);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(limiter.Take("old" + std::to_string(i), kStart - seconds(10)), 0);
  }
  EXPECT_EQ(limiter.Take("limited", kStart), 0);
  // The table is full: the refilled "old" buckets make room; the limited key keeps its state.
  EXPECT_EQ(limiter.Take("new", kStart), 0);
  EXPECT_GT(limiter.Take("limited", kStart), 0);
  // A flood of distinct keys, all in use, clears the table instead of refusing them.
  for (int i = 0; i < 100; ++i) EXPECT_EQ(limiter.Take("k" + std::to_string(i), kStart), 0);
}

}  // namespace
}  // namespace kb
