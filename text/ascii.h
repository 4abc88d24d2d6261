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

inline std::string AsciiLower(std::string_view s) {
  std::string out(s.size(), '\0');
  for (std::size_t i = 0; i < s.size(); ++i) out[i] = AsciiLower(s[i]);
  return out;
}

}  // namespace dateline::text
