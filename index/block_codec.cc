#include "index/block_codec.h"

#include <array>
#include <bit>
#include <cstring>
#include <utility>

namespace dateline::index {

void PackBlock(const std::uint32_t* values, std::size_t n, std::string& out) {
  std::uint32_t all = 0;
  for (std::size_t i = 0; i < n; ++i) all |= values[i];
  const unsigned bits = static_cast<unsigned>(std::bit_width(all));
  out.push_back(static_cast<char>(bits));
  if (bits == 0) return;
  const std::size_t start = out.size();
  out.resize(start + (n * bits + 7) / 8, '\0');
  auto* dst = reinterpret_cast<std::uint8_t*>(out.data() + start);
  // A 64-bit accumulator flushed a byte at a time: simple and fast enough for indexing, where
  // analysis dominates.
  std::uint64_t acc = 0;
  unsigned filled = 0;
  std::size_t o = 0;
  for (std::size_t i = 0; i < n; ++i) {
    acc |= static_cast<std::uint64_t>(values[i]) << filled;
    filled += bits;
    while (filled >= 8) {
      dst[o++] = static_cast<std::uint8_t>(acc);
      acc >>= 8;
      filled -= 8;
    }
  }
  if (filled > 0) dst[o++] = static_cast<std::uint8_t>(acc);
}

namespace {

// A full block of width B: the packed bytes are first copied into a buffer with 8 bytes of
// slack, so that every value is one unaligned 64-bit load and a shift by constants the compiler
// knows (it unrolls and vectorises the loop per width).
template <unsigned B>
void UnpackFull(const std::uint8_t* src, std::uint32_t* values) {
  constexpr std::size_t kBytes = kBlockSize * B / 8;
  std::uint8_t buf[kBytes + 8];
  std::memcpy(buf, src, kBytes);
  std::memset(buf + kBytes, 0, 8);
  constexpr std::uint64_t kMask = B == 32 ? 0xffffffffull : ((1ull << B) - 1);
  for (std::size_t i = 0; i < kBlockSize; ++i) {
    std::uint64_t word;
    std::memcpy(&word, buf + i * B / 8, 8);
    values[i] = static_cast<std::uint32_t>((word >> (i * B % 8)) & kMask);
  }
}

using UnpackFn = void (*)(const std::uint8_t*, std::uint32_t*);

template <std::size_t... B>
constexpr auto MakeUnpackers(std::index_sequence<B...>) {
  return std::array<UnpackFn, sizeof...(B)>{&UnpackFull<static_cast<unsigned>(B) + 1>...};
}
constexpr auto kUnpackers = MakeUnpackers(std::make_index_sequence<32>{});

}  // namespace

std::size_t UnpackBlock(const std::uint8_t* data, const std::uint8_t* end, std::size_t n,
                        std::uint32_t* values) {
  if (data >= end || n > kBlockSize) return 0;
  const unsigned bits = data[0];
  if (bits > 32) return 0;
  const std::size_t bytes = (n * bits + 7) / 8;
  if (static_cast<std::size_t>(end - data) < 1 + bytes) return 0;
  const std::uint8_t* src = data + 1;
  if (bits == 0) {
    std::memset(values, 0, n * sizeof(std::uint32_t));
    return 1;
  }
  if (n == kBlockSize) {
    kUnpackers[bits - 1](src, values);
    return 1 + bytes;
  }
  const std::uint64_t mask = bits == 32 ? 0xffffffffull : ((1ull << bits) - 1);
  // A partial block (the last of a list): 8 bytes at a time where the block has them, the tail
  // byte by byte.
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t bit = i * bits;
    const std::size_t byte = bit / 8;
    const unsigned shift = static_cast<unsigned>(bit % 8);
    std::uint64_t word = 0;
    if (byte + 8 <= bytes) {
      std::memcpy(&word, src + byte, 8);
    } else {
      for (std::size_t k = 0; byte + k < bytes; ++k)
        word |= static_cast<std::uint64_t>(src[byte + k]) << (8 * k);
    }
    values[i] = static_cast<std::uint32_t>((word >> shift) & mask);
  }
  return 1 + bytes;
}

}  // namespace dateline::index
