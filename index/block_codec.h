// Frame-of-reference bit packing of up to 128 unsigned 32-bit integers (the block unit of the
// on-disk postings, like Lucene's and PISA's FOR blocks). A packed block is one byte holding the
// bit width b (0..32) followed by ceil(n * b / 8) bytes: value i occupies bits [i*b, i*b + b) in
// little-endian bit order. The count n is not stored; the postings know it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace dateline::index {

inline constexpr std::size_t kBlockSize = 128;

// Bytes PackBlock appends for `n` values of bit width `bits`, the width byte included.
inline std::size_t PackedBytes(std::size_t n, unsigned bits) { return 1 + (n * bits + 7) / 8; }

// Appends the packed form of values[0..n) (n <= kBlockSize) to `out`.
void PackBlock(const std::uint32_t* values, std::size_t n, std::string& out);

// Decodes n values from [data, end) into values[0..n). Returns the bytes consumed, or 0 when
// the input is truncated or the width byte is above 32 (corrupt input never reads past `end`).
std::size_t UnpackBlock(const std::uint8_t* data, const std::uint8_t* end, std::size_t n,
                        std::uint32_t* values);

}  // namespace dateline::index
