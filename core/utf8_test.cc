#include "core/utf8.h"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace dateline {
namespace {

TEST(Utf8, AcceptsValid) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii text that is longer than eight bytes"));
  EXPECT_TRUE(IsValidUtf8("Japan\xE2\x80\x99s"));                 // ’
  EXPECT_TRUE(IsValidUtf8("\xE6\x97\xA5\xE6\x9C\xAC"));            // 日本
  EXPECT_TRUE(IsValidUtf8("\xF0\x9F\x93\xB0"));                    // U+1F4F0
}

TEST(Utf8, RejectsInvalidAndSaysWhere) {
  EXPECT_EQ(FindInvalidUtf8("abc\xFF"), 3u);
  EXPECT_EQ(FindInvalidUtf8("\xC0\xAF"), 0u);                      // overlong '/'
  EXPECT_EQ(FindInvalidUtf8("ab\xED\xA0\x80"), 2u);                // surrogate
  EXPECT_EQ(FindInvalidUtf8("\xF4\x90\x80\x80"), 0u);              // above U+10FFFF
  EXPECT_EQ(FindInvalidUtf8("0123456789\xE2\x80"), 10u);           // truncated
}

TEST(Utf8, RealInvalidFileFromBbcCorpus) {
  // The data README documents that this BBC story is not valid UTF-8.
  std::ifstream in(DATELINE_SHARED_DATA "/bbc/sport/199.txt", std::ios::binary);
  ASSERT_TRUE(in) << "missing shared data: " DATELINE_SHARED_DATA "/bbc/sport/199.txt";
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_FALSE(IsValidUtf8(ss.str()));
  std::string fixed = ToUtf8Lenient(ss.str());
  EXPECT_TRUE(IsValidUtf8(fixed));
}

TEST(Utf8, LenientConvertsCp1252) {
  EXPECT_EQ(ToUtf8Lenient("caf\xE9"), "caf\xC3\xA9");
  EXPECT_EQ(ToUtf8Lenient("\x93quoted\x94"), "\xE2\x80\x9Cquoted\xE2\x80\x9D");
  EXPECT_EQ(ToUtf8Lenient("already \xC3\xA9"), "already \xC3\xA9");
}

}  // namespace
}  // namespace dateline
