#include "core/hash.h"

#include <cstring>

namespace dateline {
namespace {

constexpr std::uint64_t kMul = 0x9fb21c651e98df25ULL;

std::uint64_t Mix(std::uint64_t x) {
  // Finaliser with full avalanche (from the public-domain SplitMix64 / Stafford variant 13).
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

std::uint64_t Load64(const char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;  // little-endian machines only; ids are computed on x86-64 and arm64 (both LE)
}

}  // namespace

std::uint64_t Hash64(std::string_view data, std::uint64_t seed) {
  std::uint64_t h = Mix(seed + data.size() * kMul);
  const char* p = data.data();
  std::size_t n = data.size();
  while (n >= 8) {
    h = Mix(h ^ Load64(p)) * kMul;
    p += 8;
    n -= 8;
  }
  std::uint64_t tail = 0;
  std::memcpy(&tail, p, n);
  h = Mix(h ^ tail ^ (static_cast<std::uint64_t>(n) << 56));
  return h;
}

void Hasher::Add(std::string_view field) {
  h_ = Mix(h_ ^ Hash64(field, h_));
}

void Hasher::Add(std::uint64_t value) { h_ = Mix(h_ ^ Mix(value + kMul)); }

std::uint64_t Hasher::Finish() const { return Mix(h_); }

}  // namespace dateline
