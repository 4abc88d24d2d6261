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

// Rice coding of a posting block's position codes (per document the first position, then the
// gaps): a byte k (0 .. kRiceMaxK), then per value v the quotient q = v >> k as q zero bits and
// a one bit, then the k low bits of v. A quotient of kRiceEscape or more is written as
// kRiceEscape zero bits, a one bit and v in 32 bits, so no value takes more than 57 bits. Bits
// fill each byte from its low bit; the last byte is zero-padded. k is chosen per block from the
// values' mean (about 1.0 byte a position on news text, against 1.27 as LEB128 varints).
inline constexpr unsigned kRiceMaxK = 28;
inline constexpr unsigned kRiceEscape = 24;
void PackRice(const std::uint32_t* values, std::size_t n, std::string& out);
// Decodes n values from [data, end) into values[0..n). False when the input is truncated or
// damaged (a k above kRiceMaxK, a quotient above kRiceEscape, a value above 32 bits); it never
// reads past `end`.
bool UnpackRice(const std::uint8_t* data, const std::uint8_t* end, std::size_t n,
                std::uint32_t* values);

// The same decoding a few values at a time: a posting cursor that needs the positions of one
// document of a block passes over the codes of the documents before it (Skip stores nothing and
// builds no positions) and decodes only that document's. Refuses what UnpackRice refuses.
class RiceReader {
 public:
  // Reads the k byte; false when it is missing or above kRiceMaxK.
  bool Start(const std::uint8_t* data, const std::uint8_t* end);
  // Decodes the next n values into values[0..n); false on damaged or truncated input.
  bool Read(std::size_t n, std::uint32_t* values);
  // Passes over the next n values; false on damaged or truncated input.
  bool Skip(std::size_t n);

 private:
  // Read (Store) or Skip: decodes n codes, keeping the values when Store.
  template <bool Store>
  bool Codes(std::size_t n, std::uint32_t* values);

  const std::uint8_t* p_ = nullptr;
  const std::uint8_t* end_ = nullptr;
  std::uint64_t buf_ = 0;
  unsigned avail_ = 0;
  unsigned k_ = 0;
};

}  // namespace dateline::index
