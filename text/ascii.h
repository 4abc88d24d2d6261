// ASCII helpers of the fast paths (no locale, no ICU).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace dateline::text {

inline bool IsAscii(std::string_view s) {
  std::size_t i = 0;
  const std::size_t n = s.size();
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    if (w & 0x8080808080808080ULL) return false;
  }
  for (; i < n; ++i) {
    if (static_cast<unsigned char>(s[i]) & 0x80) return false;
  }
  return true;
}

inline char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// Lower-cases the n ASCII bytes at s, eight at a time: a byte's bit 0x20 is set where it lies in
// 'A'..'Z' (each test is an addition whose carry stays inside the byte, as all bytes are < 0x80).
inline void AsciiLowerInPlace(char* s, std::size_t n) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  auto lower8 = [](std::uint64_t w) {
    const std::uint64_t above_z = w + (0x7f - 'Z') * kOnes;  // bit 7 set where the byte > 'Z'
    const std::uint64_t from_a = w + (0x80 - 'A') * kOnes;   // bit 7 set where the byte >= 'A'
    return w | (((from_a & ~above_z) & 0x80 * kOnes) >> 2);
  };
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s + i, 8);
    w = lower8(w);
    std::memcpy(s + i, &w, 8);
  }
  if (i < n) {
    std::uint64_t w = 0;
    std::memcpy(&w, s + i, n - i);
    w = lower8(w);
    std::memcpy(s + i, &w, n - i);
  }
}

inline std::string AsciiLower(std::string_view s) {
  std::string out(s.size(), '\0');
  for (std::size_t i = 0; i < s.size(); ++i) out[i] = AsciiLower(s[i]);
  return out;
}

}  // namespace dateline::text
