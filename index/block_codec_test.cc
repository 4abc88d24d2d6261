#include "index/block_codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "index/bit_count.h"
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

// Random ascending docids in [first, last] with `last` itself among them, as a block's are.
std::vector<std::uint32_t> BlockDocs(std::mt19937& rng, std::uint32_t first, std::uint32_t last,
                                     std::size_t n) {
  std::vector<std::uint32_t> docs{last};
  while (docs.size() < n) {
    const std::uint32_t d = first + static_cast<std::uint32_t>(rng() % (last - first + 1));
    if (std::find(docs.begin(), docs.end(), d) == docs.end()) docs.push_back(d);
  }
  std::sort(docs.begin(), docs.end());
  return docs;
}

TEST(DocBitmap, RoundTripsAndOrsAtEveryAlignment) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 400; ++trial) {
    const std::size_t n = 1 + rng() % kBlockSize;
    const std::uint32_t first = rng() % 1000;
    const std::uint32_t last = first + static_cast<std::uint32_t>(n - 1 + rng() % (4 * n + 70));
    const std::vector<std::uint32_t> docs = BlockDocs(rng, first, last, n);
    std::string packed;
    PackDocBitmap(docs.data(), n, first, packed);
    ASSERT_EQ(packed.size(), DocBitmapBytes(first, last));
    const auto* p = reinterpret_cast<const std::uint8_t*>(packed.data());
    std::uint32_t out[kBlockSize];
    ASSERT_EQ(UnpackDocBitmap(p, p + packed.size(), first, last, n, out), packed.size());
    ASSERT_EQ(std::vector<std::uint32_t>(out, out + n), docs);
    // ORed into a segment bitmap from lo: the same bits as setting each document's, and the
    // bits already set there stay.
    const std::uint32_t lo = first - rng() % (first + 1);
    std::vector<std::uint64_t> got((last - lo) / 64 + 1), want(got.size());
    for (std::size_t w = 0; w < got.size(); ++w) got[w] = want[w] = rng() & rng() & rng();
    for (const std::uint32_t d : docs) want[(d - lo) >> 6] |= std::uint64_t{1} << ((d - lo) & 63);
    OrDocBitmap(p, first, last, lo, got.data());
    ASSERT_EQ(got, want) << "first " << first << " last " << last << " lo " << lo;
    // A truncated bitmap, a wrong count and a set padding bit are refused.
    EXPECT_EQ(UnpackDocBitmap(p, p + packed.size() - 1, first, last, n, out), 0u);
    EXPECT_EQ(UnpackDocBitmap(p, p + packed.size(), first, last, n - 1, out), 0u);
    if (n < kBlockSize) {
      EXPECT_EQ(UnpackDocBitmap(p, p + packed.size(), first, last, n + 1, out), 0u);
    }
    // Padding bits past the range are never read as documents.
    if ((last - first + 1) % 8 != 0) {
      std::string padded = packed;
      padded.back() = static_cast<char>(padded.back() | 0x80);
      const auto* q = reinterpret_cast<const std::uint8_t*>(padded.data());
      ASSERT_EQ(UnpackDocBitmap(q, q + padded.size(), first, last, n, out), padded.size());
      EXPECT_EQ(std::vector<std::uint32_t>(out, out + n), docs);
      std::vector<std::uint64_t> again((last - lo) / 64 + 1, 0);
      OrDocBitmap(q, first, last, lo, again.data());
      for (const std::uint32_t d : docs) {
        again[(d - lo) >> 6] &= ~(std::uint64_t{1} << ((d - lo) & 63));
      }
      EXPECT_EQ(again, std::vector<std::uint64_t>(again.size(), 0));
    }
  }
}

TEST(DocBitmap, PackedSizeIsWhatPackBlockAppends) {
  std::mt19937 rng(9);
  for (int bits = 0; bits <= 32; ++bits) {
    std::vector<std::uint32_t> v(1 + rng() % kBlockSize);
    for (auto& x : v) x = bits == 0 ? 0 : static_cast<std::uint32_t>(rng() >> (32 - bits));
    std::string packed;
    PackBlock(v.data(), v.size(), packed);
    EXPECT_EQ(PackedSize(v.data(), v.size()), packed.size()) << bits;
  }
}

void RiceRoundTrip(const std::vector<std::uint32_t>& values) {
  std::string packed;
  PackRice(values.data(), values.size(), packed);
  std::vector<std::uint32_t> out(values.size());
  const auto* p = reinterpret_cast<const std::uint8_t*>(packed.data());
  ASSERT_TRUE(UnpackRice(p, p + packed.size(), values.size(), out.data()));
  ASSERT_EQ(out, values);
  // Truncations are refused (a few trailing padding bits may be cut without loss).
  if (!values.empty()) {
    EXPECT_FALSE(UnpackRice(p, p + 1, values.size(), out.data()) && values.size() > 8);
    for (std::size_t cut = 2; cut < std::min<std::size_t>(packed.size(), 10); ++cut) {
      EXPECT_FALSE(UnpackRice(p, p + packed.size() - cut, values.size(), out.data()))
          << "cut " << cut << " of " << packed.size();
    }
  }
}

TEST(RiceCodec, RoundTripsPositionsOutliersAndEveryWidth) {
  RiceRoundTrip({});
  RiceRoundTrip({0});
  RiceRoundTrip({0xffffffffu});
  RiceRoundTrip({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  RiceRoundTrip({5, 0xffffffffu, 1, 0, 3, 100000, 2});  // escapes amid small values
  std::mt19937_64 rng(21);
  for (unsigned bits = 1; bits <= 32; ++bits) {
    std::vector<std::uint32_t> v(1 + rng() % 600);
    for (auto& x : v) {
      x = static_cast<std::uint32_t>(rng() & ((bits == 32 ? 0 : (1ull << bits)) - 1));
      if (rng() % 50 == 0) x = static_cast<std::uint32_t>(rng());  // an outlier
    }
    RiceRoundTrip(v);
  }
  // Positions of news text (first positions up to a few hundred, small gaps) take about a byte.
  std::vector<std::uint32_t> text;
  for (int i = 0; i < 1000; ++i) {
    text.push_back(static_cast<std::uint32_t>(rng() % 2 ? rng() % 200 : rng() % 30));
  }
  std::string packed;
  PackRice(text.data(), text.size(), packed);
  EXPECT_LT(packed.size(), text.size() * 1.1);
  RiceRoundTrip(text);
}

TEST(RiceCodec, DamagedInputIsRefusedOrReadInBounds) {
  const std::uint8_t big_k[] = {29, 0xff, 0xff, 0xff, 0xff};
  std::uint32_t out[64];
  EXPECT_FALSE(UnpackRice(big_k, big_k + sizeof big_k, 1, out));
  const std::uint8_t long_unary[] = {0, 0, 0, 0, 0x80};  // 31 zeros
  EXPECT_FALSE(UnpackRice(long_unary, long_unary + sizeof long_unary, 1, out));
  const std::uint8_t k28_big[] = {28, 0x00, 0x00, 0x02, 0xff, 0xff, 0xff, 0xff};  // q 17 << 28
  EXPECT_FALSE(UnpackRice(k28_big, k28_big + sizeof k28_big, 1, out));
  EXPECT_FALSE(UnpackRice(nullptr, nullptr, 1, out));
  EXPECT_TRUE(UnpackRice(nullptr, nullptr, 0, out));
  std::mt19937 rng(3);
  for (int trial = 0; trial < 3000; ++trial) {
    std::vector<std::uint8_t> bytes(1 + rng() % 40);
    for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
    if (trial % 2 == 0) bytes[0] %= 30;  // interleaved; otherwise any header, split ones too
    UnpackRice(bytes.data(), bytes.data() + bytes.size(), 1 + rng() % 64, out);
    RiceReader r;
    if (r.Start(bytes.data(), bytes.data() + bytes.size(), 64)) {
      (void)r.Skip(rng() % 64);
      (void)r.Read(1 + rng() % 8, out);
    }
  }
}

// A posting cursor reads one document's positions by skipping the codes before it: any mix of
// Skip and Read gives the values UnpackRice gives, and Skip refuses what Read refuses.
TEST(RiceCodec, ReaderSkipsAndReadsInPieces) {
  std::mt19937_64 rng(77);
  for (int trial = 0; trial < 400; ++trial) {
    const unsigned bits = 1 + static_cast<unsigned>(rng() % 32);
    std::vector<std::uint32_t> v(1 + rng() % 300);
    for (auto& x : v) {
      x = static_cast<std::uint32_t>(rng() & ((bits == 32 ? 0 : (1ull << bits)) - 1));
      if (rng() % 40 == 0) x = static_cast<std::uint32_t>(rng());  // an escape
    }
    std::string packed;
    PackRice(v.data(), v.size(), packed);
    const auto* p = reinterpret_cast<const std::uint8_t*>(packed.data());
    ASSERT_EQ((packed[0] & kRiceSplit) != 0, v.size() >= kRiceSplitMin);
    RiceReader r;
    ASSERT_TRUE(r.Start(p, p + packed.size(), v.size()));
    std::size_t at = 0;
    while (at < v.size()) {
      const std::size_t n = std::min<std::size_t>(v.size() - at, rng() % 12);
      if (rng() % 2) {
        ASSERT_TRUE(r.Skip(n));
      } else {
        std::vector<std::uint32_t> got(n);
        ASSERT_TRUE(r.Read(n, got.data()));
        for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(got[i], v[at + i]) << at + i;
      }
      at += n;
    }
    // Past the end, and on a truncated block, both refuse.
    EXPECT_FALSE(r.Skip(1));
    EXPECT_FALSE(r.Read(1, &v[0]));
    RiceReader cut;
    if (!cut.Start(p, p + packed.size() / 2, v.size())) continue;  // refused at the header
    std::vector<std::uint32_t> all(v.size());
    const bool read_ok = cut.Read(v.size(), all.data());
    ASSERT_TRUE(cut.Start(p, p + packed.size() / 2, v.size()));
    EXPECT_EQ(cut.Skip(v.size()), read_ok);
    EXPECT_FALSE(read_ok);
  }
  const std::uint8_t k28_big[] = {28, 0x00, 0x00, 0x02, 0xff, 0xff, 0xff, 0xff};  // q 17 << 28
  RiceReader r;
  ASSERT_TRUE(r.Start(k28_big, k28_big + sizeof k28_big, 1));
  EXPECT_FALSE(r.Skip(1));
  const std::uint8_t big_k[] = {29, 0xff};
  EXPECT_FALSE(r.Start(big_k, big_k + sizeof big_k, 1));
}

// A split run (kRiceSplitMin values or more) passes over values by counting quotient bits; its
// header, escape count and escape entries are checked.
TEST(RiceCodec, SplitRunsHeadersAndEscapes) {
  std::vector<std::uint32_t> v(100);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<std::uint32_t>(i % 7 + 1);
  v[10] = 5000;  // escapes (k is 5 to 7 here), kept whole at the end
  v[90] = 6000;
  std::string packed;
  PackRice(v.data(), v.size(), packed);
  const auto* p = reinterpret_cast<const std::uint8_t*>(packed.data());
  ASSERT_EQ(p[0] & (kRiceSplit | kRiceEscapes), kRiceSplit | kRiceEscapes);
  ASSERT_EQ(p[1], 2);  // two escapes
  RiceRoundTrip(v);
  // Skipping over an escape, then reading the next one.
  RiceReader r;
  ASSERT_TRUE(r.Start(p, p + packed.size(), v.size()));
  ASSERT_TRUE(r.Skip(50));
  std::uint32_t got[50];
  ASSERT_TRUE(r.Read(50, got));
  EXPECT_EQ(got[40], 6000u);
  EXPECT_EQ(got[39], v[89]);
  // A run said to be longer than the bytes can hold, or an escape entry pointing elsewhere.
  EXPECT_FALSE(r.Start(p, p + packed.size(), 8 * packed.size() + 1));
  std::string bad = packed;
  bad[bad.size() - 16] = 11;  // the first escape's index: 10 -> 11
  const auto* b = reinterpret_cast<const std::uint8_t*>(bad.data());
  std::vector<std::uint32_t> out(v.size());
  EXPECT_FALSE(UnpackRice(b, b + bad.size(), v.size(), out.data()));
  // An escape flag with no count, and unknown header bits.
  const std::uint8_t no_count[] = {kRiceSplit | kRiceEscapes | 2, 0x00, 0xff, 0xff};
  EXPECT_FALSE(r.Start(no_count, no_count + sizeof no_count, 1));
  const std::uint8_t unknown[] = {0x80 | kRiceSplit | 2, 0xff, 0xff};
  EXPECT_FALSE(r.Start(unknown, unknown + sizeof unknown, 1));
}

TEST(BitCount, OnesAndSelectAgreeWithABitByBitCount) {
  std::mt19937_64 rng(5);
  for (int trial = 0; trial < 20000; ++trial) {
    std::uint64_t x = rng();
    if (trial % 3 == 1) x &= rng() & rng();  // sparse words
    if (trial % 3 == 2) x |= rng() | rng();  // dense words
    if (trial == 0) x = ~0ull;
    if (trial == 1) x = 1ull << 63;
    unsigned ones = 0;
    for (unsigned bit = 0; bit < 64; ++bit) {
      if ((x >> bit & 1) == 0) continue;
      ++ones;
      ASSERT_EQ(SelectOne(x, ones), bit) << std::hex << x << " m " << std::dec << ones;
    }
    ASSERT_EQ(Ones(x), ones);
  }
}

TEST(BitCount, OnesBetweenCountsTheBitsOfARange) {
  std::mt19937_64 rng(9);
  std::vector<std::uint64_t> words(40);
  for (auto& w : words) w = rng() & rng();
  for (int trial = 0; trial < 5000; ++trial) {
    std::size_t from = rng() % (64 * words.size() + 1), to = rng() % (64 * words.size() + 1);
    if (trial % 4 == 0) to = from + rng() % 70;  // within a word or across one boundary
    to = std::min(to, 64 * words.size());
    std::uint32_t ones = 0;
    for (std::size_t i = from; i < to; ++i) ones += words[i >> 6] >> (i & 63) & 1;
    ASSERT_EQ(OnesBetween(words.data(), from, to), ones) << from << " " << to;
  }
}

TEST(BitCount, SetAscendingBitsSetsEachDocumentsBit) {
  std::mt19937_64 rng(13);
  for (int trial = 0; trial < 500; ++trial) {
    const std::uint32_t lo = static_cast<std::uint32_t>(rng() % 1000);
    std::vector<std::uint32_t> docs;
    const std::uint64_t gap = trial % 7 * 9 + 1;  // dense to sparse
    for (std::uint32_t d = lo; d < lo + 3000 && docs.size() < 128;
         d += 1 + static_cast<std::uint32_t>(rng() % gap)) {
      docs.push_back(d);
    }
    const std::size_t n = rng() % (docs.size() + 1);  // every length, odd ones too
    std::vector<std::uint64_t> bits(48, 0), want(48, 0);
    bits[5] = want[5] = 0x8000000000000001ull;  // bits already set stay set
    SetAscendingBits(docs.data(), docs.data() + n, lo, bits.data());
    for (std::size_t i = 0; i < n; ++i) want[(docs[i] - lo) >> 6] |= 1ull << ((docs[i] - lo) & 63);
    ASSERT_EQ(bits, want) << trial;
  }
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
