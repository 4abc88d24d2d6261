#include "auth/login_throttle.h"

#include <gtest/gtest.h>

namespace dateline {
namespace {

constexpr std::int64_t kSec = 1'000'000;

TEST(LoginThrottle, BackoffDoublesAndCaps) {
  ManualClock clock(0);
  LoginThrottleOptions o;
  o.lockout_after = 1000;  // backoff only
  LoginThrottle t(clock, o);
  for (int i = 0; i < 4; ++i) t.RecordFailure("a", "");
  EXPECT_EQ(t.RetryAfterSeconds("a", ""), 0);
  std::int64_t expect = 1;
  for (int i = 5; i < 30; ++i) {
    t.RecordFailure("a", "");
    EXPECT_EQ(t.RetryAfterSeconds("a", ""), std::min<std::int64_t>(expect, 900)) << i;
    expect *= 2;
  }
  EXPECT_EQ(t.RetryAfterSeconds("b", ""), 0);
  t.RecordSuccess("a");
  EXPECT_EQ(t.RetryAfterSeconds("a", ""), 0);
  EXPECT_EQ(t.AccountFailures("a"), 0);
}

TEST(LoginThrottle, LockoutReportedOnceAndForgetting) {
  ManualClock clock(0);
  LoginThrottle t(clock);
  int lockouts = 0;
  for (int i = 0; i < 10; ++i) {
    lockouts += t.RecordFailure("a", "1.2.3.4") ? 1 : 0;
    clock.Advance(1000 * kSec);  // past any backoff
  }
  EXPECT_EQ(lockouts, 1);
  EXPECT_EQ(t.AccountFailures("a"), 10);
  // Counters are forgotten after a day without failures.
  clock.Advance(25 * 3600 * kSec);
  EXPECT_EQ(t.AccountFailures("a"), 0);
  EXPECT_EQ(t.RetryAfterSeconds("a", "1.2.3.4"), 0);
}

}  // namespace
}  // namespace dateline
