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

// A block of docids may instead be a bitmap of the docid range it spans: the byte kDocBitmap,
// then ceil(span / 8) bytes, bit i (from the low bit of byte i / 8) set for docid first + i.
// Setting a bitmap block's documents in a bitmap of the segment (an AND's meeting) is then a
// shift and an OR per 64 documents instead of a decode and a store per document.
inline constexpr std::uint8_t kDocBitmap = 0x40;
// The writer makes a block a bitmap when that takes at most this many times the bytes of its
// packed deltas: words in about a tenth or more of the documents. At a million stories the
// index grows by 1% and an AND's exact count takes a tenth less time (measured: 1 as the
// factor saved a third of that, 3 grew the index by 6%).
inline constexpr std::size_t kDocBitmapMaxGrowth = 2;

// The bytes a block of docids [first, last] in a bitmap takes, kDocBitmap's byte included.
inline std::size_t DocBitmapBytes(std::uint32_t first, std::uint32_t last) {
  return 1 + (std::size_t{last - first} + 1 + 7) / 8;
}

// The bytes PackBlock appends for values[0..n).
std::size_t PackedSize(const std::uint32_t* values, std::size_t n);

// Appends the ascending docs[0..n) (all in [first, docs[n - 1]]) as a bitmap block.
void PackDocBitmap(const std::uint32_t* docs, std::size_t n, std::uint32_t first,
                   std::string& out);

// Decodes a bitmap block of docids [first, last] from [data, end) into docs[0..n). Returns the
// bytes consumed, or 0 when the input is truncated or its bitmap does not hold exactly n
// documents in the range.
std::size_t UnpackDocBitmap(const std::uint8_t* data, const std::uint8_t* end,
                            std::uint32_t first, std::uint32_t last, std::size_t n,
                            std::uint32_t* docs);

// ORs the bitmap of a bitmap block of docids [first, last] (its bytes from data + 1, which
// DocBitmapBytes says are there) into `bits`, a bitmap of docids from `lo` <= first that holds
// bit last - lo.
void OrDocBitmap(const std::uint8_t* data, std::uint32_t first, std::uint32_t last,
                 std::uint32_t lo, std::uint64_t* bits);

// Rice coding of a posting block's position codes (per document the first position, then the
// gaps): per value v the quotient q = v >> k in unary (q zero bits and a one bit) and the k low
// bits of v. A quotient of kRiceEscape or more is an escape: kRiceEscape zero bits and a one
// bit, the value kept whole elsewhere. Bits fill each byte from its low bit. k (0 .. kRiceMaxK)
// is chosen per block from the values' mean (about 1.0 byte a position on news text, against
// 1.27 as LEB128 varints). The first byte tells two layouts apart:
//  - interleaved (first byte k), for runs of fewer than kRiceSplitMin values: per value its
//    unary quotient then its k low bits (an escape: then v in 32 bits); zero-padded to a byte.
//  - split (first byte kRiceSplit | k, with kRiceEscapes when there are escapes), for longer
//    runs: [when escapes: their count E, a varint] the n values' k low bits packed
//    (ceil(n k / 8) bytes), then the n unary quotients zero-padded to a byte, then per escape
//    its index in the run and its value (two little-endian 32-bit words, by index). Passing
//    over m values is then counting m one bits of the quotients, 64 bits at a time, and moving
//    m k bits on: a posting cursor skips the codes of the documents before the one it reads
//    without decoding them.
inline constexpr unsigned kRiceMaxK = 28;
inline constexpr unsigned kRiceEscape = 24;
inline constexpr std::uint8_t kRiceSplit = 0x20;
inline constexpr std::uint8_t kRiceEscapes = 0x40;
inline constexpr std::size_t kRiceSplitMin = 32;
void PackRice(const std::uint32_t* values, std::size_t n, std::string& out);
// Decodes n values from [data, end) into values[0..n) (n: the run's length, as packed). False
// when the input is truncated or damaged (a k above kRiceMaxK, a quotient above kRiceEscape, a
// value above 32 bits, an escape without its value); it never reads past `end`.
bool UnpackRice(const std::uint8_t* data, const std::uint8_t* end, std::size_t n,
                std::uint32_t* values);

// The same decoding a few values at a time: a posting cursor that needs the positions of one
// document of a block passes over the codes of the documents before it (Skip stores nothing and
// builds no positions) and decodes only that document's. Refuses what UnpackRice refuses, and
// Skip of a split run refuses too few quotients (it does not look into the ones it counts).
class RiceReader {
 public:
  // Reads the layout byte (and the escape count); `total` is the run's length in values (a
  // split run's quotients start after its total k-bit parts). False when the header is missing
  // or damaged.
  bool Start(const std::uint8_t* data, const std::uint8_t* end, std::size_t total);
  // Decodes the next n values into values[0..n); false on damaged or truncated input.
  bool Read(std::size_t n, std::uint32_t* values);
  // Passes over the next n values; false on damaged or truncated input.
  bool Skip(std::size_t n);

 private:
  // Interleaved runs: Read (Store) or Skip decode n codes, keeping the values when Store.
  template <bool Store>
  bool Codes(std::size_t n, std::uint32_t* values);
  // Split runs.
  bool ReadSplit(std::size_t n, std::uint32_t* values);
  bool SkipSplit(std::size_t n);

  const std::uint8_t* p_ = nullptr;    // the next byte of the (unary) bit stream
  const std::uint8_t* end_ = nullptr;  // its end
  std::uint64_t buf_ = 0;
  unsigned avail_ = 0;
  unsigned k_ = 0;
  bool split_ = false;
  // Split runs: the k-bit parts, the escapes, and the index of the next value.
  const std::uint8_t* low_ = nullptr;
  std::size_t low_bytes_ = 0;
  const std::uint8_t* escapes_ = nullptr;
  std::size_t escape_count_ = 0;
  std::size_t escape_at_ = 0;  // the first escape whose index is not below next_
  std::size_t next_ = 0;
  std::size_t total_ = 0;
};

}  // namespace dateline::index
