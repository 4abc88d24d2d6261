#include "server/url.h"

#include <gtest/gtest.h>

namespace dateline {
namespace {

TEST(Url, ParsesPathAndQuery) {
  auto t = ParseTarget("/api/v1/stories?after=10&limit=5&q=a%20b+c&empty=");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->path, "/api/v1/stories");
  EXPECT_EQ(*t->Param("after"), "10");
  EXPECT_EQ(*t->Param("q"), "a b c");
  EXPECT_EQ(*t->Param("empty"), "");
  EXPECT_EQ(t->Param("missing"), nullptr);
}

TEST(Url, BadEscapes) {
  EXPECT_FALSE(ParseTarget("/x?q=%zz").ok());
  EXPECT_FALSE(ParseTarget("/x?q=%4").ok());
  EXPECT_FALSE(ParseTarget("/x%").ok());
}

TEST(Url, UintParamNamesTheField) {
  auto t = ParseTarget("/x?after=abc&limit=5000&ok=7");
  ASSERT_TRUE(t.ok());
  auto a = t->UintParam("after", 0, 0, 100);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().field(), "after");
  auto l = t->UintParam("limit", 0, 1, 1000);
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.status().field(), "limit");
  EXPECT_EQ(*t->UintParam("ok", 0, 0, 10), 7u);
  EXPECT_EQ(*t->UintParam("absent", 3, 0, 10), 3u);
}

}  // namespace
}  // namespace dateline
