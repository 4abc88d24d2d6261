#include "core/crc32c.h"

#include <string>

#include <gtest/gtest.h>

namespace dateline {
namespace {

TEST(Crc32c, StandardVectors) {
  // RFC 3720, appendix B.4.
  EXPECT_EQ(crc32c::Value(std::string(32, '\0')), 0x8a9136aau);
  EXPECT_EQ(crc32c::Value(std::string(32, '\xff')), 0x62a8ab43u);
  std::string inc;
  for (int i = 0; i < 32; ++i) inc.push_back(static_cast<char>(i));
  EXPECT_EQ(crc32c::Value(inc), 0x46dd794eu);
  EXPECT_EQ(crc32c::Value("123456789"), 0xe3069283u);
}

TEST(Crc32c, ExtendEqualsWhole) {
  std::string s = "hello world, this is a longer string to cross the 8-byte blocks";
  for (std::size_t cut = 0; cut <= s.size(); ++cut) {
    std::uint32_t a = crc32c::Extend(0, s.data(), cut);
    EXPECT_EQ(crc32c::Extend(a, s.data() + cut, s.size() - cut), crc32c::Value(s));
  }
}

TEST(Crc32c, FastPathEqualsPortable) {
  std::string s;
  std::uint32_t x = 12345;
  for (int i = 0; i < 1000; ++i) {
    x = x * 1103515245u + 12345u;
    s.push_back(static_cast<char>(x >> 16));
  }
  for (std::size_t begin = 0; begin < 16; ++begin) {
    for (std::size_t n = 0; begin + n <= s.size(); n += 1 + n / 8) {
      EXPECT_EQ(crc32c::Extend(0x1234u, s.data() + begin, n),
                crc32c::ExtendPortable(0x1234u, s.data() + begin, n));
    }
  }
}

TEST(Crc32c, MaskRoundTrips) {
  std::uint32_t c = crc32c::Value("foo");
  EXPECT_NE(crc32c::Mask(c), c);
  EXPECT_EQ(crc32c::Unmask(crc32c::Mask(c)), c);
}

}  // namespace
}  // namespace dateline
