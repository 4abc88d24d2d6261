// UTF-8 validation (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace dateline {

// Byte offset of the first invalid sequence, or nullopt when `s` is valid UTF-8.
std::optional<std::size_t> FindInvalidUtf8(std::string_view s);

inline bool IsValidUtf8(std::string_view s) { return !FindInvalidUtf8(s).has_value(); }

// Text from a source of unknown encoding: valid UTF-8 is kept; otherwise each byte is read as
// Windows-1252/Latin-1 (what old newswires and web pages use) and converted.
std::string ToUtf8Lenient(std::string_view s);

}  // namespace dateline
