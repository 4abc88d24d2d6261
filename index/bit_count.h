// Counting and setting the bits of 64-bit words. Baseline x86-64 has no popcnt instruction
// (std::popcount there is a call into libgcc per word): Ones is then the same count inline (a
// few shifts, adds and one multiply), and a loop of it vectorises. A build for a CPU level with
// popcnt (and BMI2's pdep, for SelectOne) uses the instructions (see DATELINE_CPU in
// CMakeLists.txt).
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>
#if defined(__BMI2__)
#include <immintrin.h>
#endif

namespace dateline::index {

// The one bits of each byte of x, in that byte.
inline std::uint64_t ByteCounts(std::uint64_t x) {
  x = x - ((x >> 1) & 0x5555555555555555ull);
  x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
  return (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
}

inline unsigned Ones(std::uint64_t x) {
#if defined(__POPCNT__)
  return static_cast<unsigned>(__builtin_popcountll(x));
#else
  return static_cast<unsigned>((ByteCounts(x) * 0x0101010101010101ull) >> 56);
#endif
}

// The index of the m-th one bit of x, counted from the low end (m >= 1; x has at least m):
// the byte holding it is found from the bytes' running counts (one multiply), then the bit
// within that byte.
inline unsigned SelectOne(std::uint64_t x, unsigned m) {
#if defined(__BMI2__)
  // The m-th one deposited at its place, alone.
  return static_cast<unsigned>(__builtin_ctzll(_pdep_u64(std::uint64_t{1} << (m - 1), x)));
#else
  // Byte i: the ones of bytes 0..i.
  const std::uint64_t running = ByteCounts(x) * 0x0101010101010101ull;
  // A byte's high bit is set where its running count (at most 64) reaches m.
  const std::uint64_t reached =
      ((running | 0x8080808080808080ull) - 0x0101010101010101ull * m) & 0x8080808080808080ull;
  const unsigned byte = static_cast<unsigned>(__builtin_ctzll(reached)) / 8;
  const unsigned before = byte == 0 ? 0 : static_cast<unsigned>(running >> (8 * byte - 8)) & 0xff;
  auto bits = static_cast<unsigned>(x >> (8 * byte)) & 0xff;
  for (unsigned k = m - before; k > 1; --k) bits &= bits - 1;
  return 8 * byte + static_cast<unsigned>(__builtin_ctz(bits));
#endif
}

// The one bits of words[0, n).
inline std::uint64_t OnesIn(const std::uint64_t* words, std::size_t n) {
  std::uint64_t count = 0;
  for (std::size_t i = 0; i < n; ++i) count += Ones(words[i]);
  return count;
}

// The one bits of bits [from, to) of the bitmap `words` (bit i in word i / 64, bit i % 64).
inline std::uint32_t OnesBetween(const std::uint64_t* words, std::size_t from, std::size_t to) {
  if (from >= to) return 0;
  const std::size_t first = from >> 6, last = (to - 1) >> 6;
  const std::uint64_t head = ~std::uint64_t{0} << (from & 63);
  const std::uint64_t tail = ~std::uint64_t{0} >> (63 - ((to - 1) & 63));
  if (first == last) return Ones(words[first] & head & tail);
  return static_cast<std::uint32_t>(Ones(words[first] & head) +
                                    OnesIn(words + first + 1, last - first - 1) +
                                    Ones(words[last] & tail));
}

// Appends base + 64 w + i to `out` for each set bit i of words[w], w in [from, to), ascending:
// the documents of a bitmap as a sorted list.
inline void AppendSetBits(const std::uint64_t* words, std::size_t from, std::size_t to,
                          std::uint32_t base, std::vector<std::uint32_t>& out) {
  for (std::size_t w = from; w < to; ++w) {
    for (std::uint64_t x = words[w]; x != 0; x &= x - 1) {
      out.push_back(base + static_cast<std::uint32_t>(w * 64 + std::countr_zero(x)));
    }
  }
}

// Sets bit d - lo of `bits` for each docid d of the ascending [begin, end). Consecutive
// documents often share a 64-bit word, and a read-modify-write of a word waits on the store
// of the one before it: the range is cut in kLanes parts, interleaved so that as many such
// chains run at once.
inline void SetAscendingBits(const std::uint32_t* begin, const std::uint32_t* end, std::uint32_t lo,
                       std::uint64_t* bits) {
  constexpr std::size_t kLanes = 4;
  const auto n = static_cast<std::size_t>(end - begin);
  const std::size_t part = n / kLanes;
  for (std::size_t i = 0; i < part; ++i) {
    for (std::size_t l = 0; l < kLanes; ++l) {
      const std::uint32_t x = begin[l * part + i] - lo;
      bits[x >> 6] |= std::uint64_t{1} << (x & 63);
    }
  }
  for (const std::uint32_t* at = begin + kLanes * part; at < end; ++at) {
    const std::uint32_t x = *at - lo;
    bits[x >> 6] |= std::uint64_t{1} << (x & 63);
  }
}

}  // namespace dateline::index
