// LEB128 varints for the growable in-memory postings, the position streams and the compact
// sections of segment files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace dateline::index {

inline void PutVarint(std::vector<std::uint8_t>& out, std::uint32_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<std::uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(v));
}

inline void PutVarint(std::string& out, std::uint32_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// Reads one varint from [*p, end). Returns false (and leaves *v undefined) on a truncated or
// over-long encoding, so a decoder of stored bytes never reads past `end`.
inline bool GetVarint(const std::uint8_t** p, const std::uint8_t* end, std::uint32_t* v) {
  std::uint32_t result = 0;
  for (int shift = 0; shift <= 28 && *p < end; shift += 7) {
    std::uint32_t byte = **p;
    ++*p;
    result |= (byte & 0x7f) << shift;
    if (byte < 0x80) {
      *v = result;
      return true;
    }
  }
  return false;
}

inline void PutVarint64(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

inline bool GetVarint64(const std::uint8_t** p, const std::uint8_t* end, std::uint64_t* v) {
  std::uint64_t result = 0;
  for (int shift = 0; shift <= 63 && *p < end; shift += 7) {
    const std::uint64_t byte = **p;
    ++*p;
    result |= (byte & 0x7f) << shift;
    if (byte < 0x80) {
      *v = result;
      return true;
    }
  }
  return false;
}

// Signed differences as small unsigned values: 0, -1, 1, -2, ... become 0, 1, 2, 3, ...
inline std::uint64_t ZigZag(std::int64_t v) {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
inline std::int64_t UnZigZag(std::uint64_t v) {
  return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

}  // namespace dateline::index
