// CRC-32C (Castagnoli), the checksum of story-log frames. Masked as in leveldb so that a CRC
// stored inside checksummed data does not checksum to itself.
#pragma once

#include <cstdint>
#include <string_view>

namespace dateline::crc32c {

// Uses the SSE4.2 crc32 instruction when the CPU has it, else ExtendPortable.
std::uint32_t Extend(std::uint32_t crc, const char* data, std::size_t n);
// Table-driven (slicing-by-8) version, the reference for the hardware one.
std::uint32_t ExtendPortable(std::uint32_t crc, const char* data, std::size_t n);
inline std::uint32_t Value(std::string_view d) { return Extend(0, d.data(), d.size()); }

constexpr std::uint32_t kMaskDelta = 0xa282ead8u;
inline std::uint32_t Mask(std::uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kMaskDelta; }
inline std::uint32_t Unmask(std::uint32_t m) {
  std::uint32_t rot = m - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

}  // namespace dateline::crc32c
