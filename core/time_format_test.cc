#include "core/time_format.h"

#include <gtest/gtest.h>

namespace dateline {
namespace {

TEST(TimeFormat, RoundTrip) {
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00Z");
  auto t = ParseRfc3339("2013-11-02T09:30:00Z");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, 1383384600LL * 1000000);
  EXPECT_EQ(FormatRfc3339(*t), "2013-11-02T09:30:00Z");
  EXPECT_EQ(FormatRfc3339(*t + 123456), "2013-11-02T09:30:00.123456Z");
  EXPECT_EQ(FormatRfc3339(-1000000), "1969-12-31T23:59:59Z");
}

TEST(TimeFormat, ZonesAndDates) {
  EXPECT_EQ(*ParseRfc3339("2013-11-02T18:30:00+09:00"), *ParseRfc3339("2013-11-02T09:30:00Z"));
  EXPECT_EQ(*ParseRfc3339("2013-11-02"), *ParseRfc3339("2013-11-02T00:00:00Z"));
  EXPECT_EQ(*ParseRfc3339("1987-02-26T15:01:01.79Z") % 1000000, 790000);
}

TEST(TimeFormat, RejectsBadInput) {
  for (const char* bad : {"", "2013", "2013-13-01", "2013-02-30", "2013-11-02T25:00:00Z",
                          "2013-11-02T09:30:00X", "2013-11-02T09:30:00Zjunk", "yesterday"}) {
    auto r = ParseRfc3339(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_NE(r.status().message().find("RFC 3339"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace dateline
