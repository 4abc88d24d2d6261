#include "index/block_codec.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "index/varint.h"

namespace dateline::index {
namespace {

void RoundTrip(const std::vector<std::uint32_t>& values) {
  std::string packed;
  PackBlock(values.data(), values.size(), packed);
  std::uint32_t out[kBlockSize];
  const auto* p = reinterpret_cast<const std::uint8_t*>(packed.data());
  ASSERT_EQ(UnpackBlock(p, p + packed.size(), values.size(), out), packed.size());
  for (std::size_t i = 0; i < values.size(); ++i) ASSERT_EQ(out[i], values[i]) << i;
  // Any truncation is refused instead of read past the end.
  if (packed.size() > 1) {
    EXPECT_EQ(UnpackBlock(p, p + packed.size() - 1, values.size(), out), 0u);
  }
}

TEST(BlockCodec, EdgeCases) {
  RoundTrip({});
  RoundTrip({0});
  RoundTrip(std::vector<std::uint32_t>(128, 0));
  RoundTrip(std::vector<std::uint32_t>(128, 0xffffffffu));
  RoundTrip({1, 0, 1, 0, 1});
  std::vector<std::uint32_t> powers;
  for (int b = 0; b < 32; ++b) powers.push_back(1u << b);
  RoundTrip(powers);
  RoundTrip(std::vector<std::uint32_t>(127, 7));
}

TEST(BlockCodec, RandomBlocksOfEveryWidth) {
  std::mt19937 rng(42);
  for (int bits = 0; bits <= 32; ++bits) {
    for (std::size_t n : {1u, 3u, 64u, 100u, 127u, 128u}) {
      std::vector<std::uint32_t> v(n);
      for (auto& x : v) {
        x = bits == 0 ? 0 : static_cast<std::uint32_t>(rng() & (bits == 32 ? 0xffffffffu : ((1u << bits) - 1)));
      }
      RoundTrip(v);
    }
  }
}

TEST(BlockCodec, WidthAbove32IsRefused) {
  const std::uint8_t bad[] = {33, 0, 0, 0, 0, 0};
  std::uint32_t out[kBlockSize];
  EXPECT_EQ(UnpackBlock(bad, bad + sizeof bad, 1, out), 0u);
}

TEST(Varint, RoundTripAndTruncation) {
  std::vector<std::uint8_t> buf;
  const std::uint32_t values[] = {0, 1, 127, 128, 16383, 16384, 0xffffffffu};
  for (std::uint32_t v : values) PutVarint(buf, v);
  const std::uint8_t* p = buf.data();
  for (std::uint32_t v : values) {
    std::uint32_t got = 0;
    ASSERT_TRUE(GetVarint(&p, buf.data() + buf.size(), &got));
    EXPECT_EQ(got, v);
  }
  const std::uint8_t cut[] = {0x80, 0x80};
  const std::uint8_t* q = cut;
  std::uint32_t got = 0;
  EXPECT_FALSE(GetVarint(&q, cut + 2, &got));
}

}  // namespace
}  // namespace dateline::index
