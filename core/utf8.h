// UTF-8 validation (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dateline {

// One code point decoded with bounds checks (RFC 3629: no overlongs, no surrogates, nothing above
// U+10FFFF). Never reads past `end`; an invalid sequence is length 0, so that callers can treat
// the byte as U+FFFD or as a separator.
struct DecodedCodePoint {
  char32_t cp = 0;
  std::size_t length = 0;  // 0: invalid sequence at this byte (overlong, surrogate, truncated …)
};

inline DecodedCodePoint DecodeUtf8(const unsigned char* p, const unsigned char* end) {
  const unsigned char c = p[0];
  if (c < 0x80) return {c, 1};
  std::size_t len;
  char32_t cp;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    cp = c & 0x07;
  } else {
    return {};
  }
  if (static_cast<std::size_t>(end - p) < len) return {};
  for (std::size_t k = 1; k < len; ++k) {
    const unsigned char cc = p[k];
    if ((cc & 0xC0) != 0x80) return {};
    cp = (cp << 6) | (cc & 0x3F);
  }
  if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
      (cp >= 0xD800 && cp <= 0xDFFF)) {
    return {};
  }
  return {cp, len};
}


// Byte offset of the first invalid sequence, or nullopt when `s` is valid UTF-8.
std::optional<std::size_t> FindInvalidUtf8(std::string_view s);

inline bool IsValidUtf8(std::string_view s) { return !FindInvalidUtf8(s).has_value(); }

// Text from a source of unknown encoding: valid UTF-8 is kept; otherwise each byte is read as
// Windows-1252/Latin-1 (what old newswires and web pages use) and converted.
std::string ToUtf8Lenient(std::string_view s);

}  // namespace dateline
