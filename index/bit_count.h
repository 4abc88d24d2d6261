// Counting the one bits of 64-bit words. The build targets baseline x86-64, which has no
// popcnt instruction: std::popcount there is a call into libgcc per word. This is the same
// count inline (a few shifts, adds and one multiply), and a loop of it vectorises.
#pragma once

#include <cstddef>
#include <cstdint>

namespace dateline::index {

inline unsigned Ones(std::uint64_t x) {
  x = x - ((x >> 1) & 0x5555555555555555ull);
  x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
  x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
  return static_cast<unsigned>((x * 0x0101010101010101ull) >> 56);
}

// The one bits of words[0, n).
inline std::uint64_t OnesIn(const std::uint64_t* words, std::size_t n) {
  std::uint64_t count = 0;
  for (std::size_t i = 0; i < n; ++i) count += Ones(words[i]);
  return count;
}

}  // namespace dateline::index
