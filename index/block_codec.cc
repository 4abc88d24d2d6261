#include "index/block_codec.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <utility>

#include "index/bit_count.h"
#include "index/varint.h"

namespace dateline::index {

std::size_t PackedSize(const std::uint32_t* values, std::size_t n) {
  std::uint32_t all = 0;
  for (std::size_t i = 0; i < n; ++i) all |= values[i];
  return PackedBytes(n, static_cast<unsigned>(std::bit_width(all)));
}

void PackDocBitmap(const std::uint32_t* docs, std::size_t n, std::uint32_t first,
                   std::string& out) {
  out.push_back(static_cast<char>(kDocBitmap));
  if (n == 0) return;
  const std::size_t start = out.size();
  out.resize(start + DocBitmapBytes(first, docs[n - 1]) - 1, '\0');
  auto* bytes = reinterpret_cast<std::uint8_t*>(out.data() + start);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t x = docs[i] - first;
    bytes[x >> 3] = static_cast<std::uint8_t>(bytes[x >> 3] | (1u << (x & 7)));
  }
}

namespace {

// The 64 bits of a bitmap from byte `at` on (fewer at its end: the bytes past it read as 0).
std::uint64_t BitmapWord(const std::uint8_t* bytes, std::size_t size, std::size_t at) {
  std::uint64_t w = 0;
  if (at + 8 <= size) {
    std::memcpy(&w, bytes + at, 8);
  } else {
    for (std::size_t k = at; k < size; ++k) w |= std::uint64_t{bytes[k]} << (8 * (k - at));
  }
  if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap64(w);
  return w;
}

}  // namespace

std::size_t UnpackDocBitmap(const std::uint8_t* data, const std::uint8_t* end,
                            std::uint32_t first, std::uint32_t last, std::size_t n,
                            std::uint32_t* docs) {
  if (data >= end || data[0] != kDocBitmap || last < first) return 0;
  const std::size_t used = DocBitmapBytes(first, last);
  if (static_cast<std::size_t>(end - data) < used) return 0;
  const std::uint8_t* bytes = data + 1;
  const std::size_t size = used - 1;
  const std::uint64_t span = std::uint64_t{last} - first + 1;
  std::size_t got = 0;
  for (std::size_t at = 0; at < size; at += 8) {
    std::uint64_t w = BitmapWord(bytes, size, at);
    const std::uint64_t base = 8 * std::uint64_t{at};
    if (span - base < 64) w &= (std::uint64_t{1} << (span - base)) - 1;  // the padding bits
    if (got + static_cast<std::size_t>(std::popcount(w)) > n) return 0;
    while (w != 0) {
      docs[got++] = first + static_cast<std::uint32_t>(base + std::countr_zero(w));
      w &= w - 1;
    }
  }
  return got == n ? used : 0;
}

void OrDocBitmap(const std::uint8_t* data, std::uint32_t first, std::uint32_t last,
                 std::uint32_t lo, std::uint64_t* bits) {
  const std::uint8_t* bytes = data + 1;
  const std::size_t size = DocBitmapBytes(first, last) - 1;
  const std::uint32_t offset = first - lo;
  const unsigned shift = offset & 63;
  std::uint64_t* out = bits + (offset >> 6);
  // Each bitmap word goes to one word of `bits` and its high bits to the next (with the low
  // ones of the following bitmap word: one read-modify-write a word). (w >> 1) >> (63 - shift)
  // is w >> (64 - shift), and 0 for shift 0.
  const std::size_t final = (size - 1) / 8;  // the word holding the bitmap's last byte
  std::uint64_t carry = 0;
  for (std::size_t k = 0; k < final; ++k) {
    const std::uint64_t w = BitmapWord(bytes, size, 8 * k);
    out[k] |= (w << shift) | carry;
    carry = (w >> 1) >> (63 - shift);
  }
  std::uint64_t w = BitmapWord(bytes, size, 8 * final);
  const std::uint64_t span = std::uint64_t{last} - first + 1;
  const std::uint64_t base = 64 * std::uint64_t{final};
  if (span - base < 64) w &= (std::uint64_t{1} << (span - base)) - 1;  // the padding bits
  out[final] |= (w << shift) | carry;
  // The word after only when a bit goes there: bit last - lo is the bitmap's last.
  carry = (w >> 1) >> (63 - shift);
  if (carry != 0) out[final + 1] |= carry;
}

void PackBlock(const std::uint32_t* values, std::size_t n, std::string& out) {
  std::uint32_t all = 0;
  for (std::size_t i = 0; i < n; ++i) all |= values[i];
  const unsigned bits = static_cast<unsigned>(std::bit_width(all));
  out.push_back(static_cast<char>(bits));
  if (bits == 0) return;
  const std::size_t start = out.size();
  out.resize(start + (n * bits + 7) / 8, '\0');
  auto* dst = reinterpret_cast<std::uint8_t*>(out.data() + start);
  // A 64-bit accumulator flushed a byte at a time: simple and fast enough for indexing, where
  // analysis dominates.
  std::uint64_t acc = 0;
  unsigned filled = 0;
  std::size_t o = 0;
  for (std::size_t i = 0; i < n; ++i) {
    acc |= static_cast<std::uint64_t>(values[i]) << filled;
    filled += bits;
    while (filled >= 8) {
      dst[o++] = static_cast<std::uint8_t>(acc);
      acc >>= 8;
      filled -= 8;
    }
  }
  if (filled > 0) dst[o++] = static_cast<std::uint8_t>(acc);
}

namespace {

// A full block of width B: the packed bytes are first copied into a buffer with 8 bytes of
// slack, so that every value is one unaligned 64-bit load and a shift by constants the compiler
// knows (it unrolls and vectorises the loop per width).
template <unsigned B>
void UnpackFull(const std::uint8_t* src, std::uint32_t* values) {
  constexpr std::size_t kBytes = kBlockSize * B / 8;
  std::uint8_t buf[kBytes + 8];
  std::memcpy(buf, src, kBytes);
  std::memset(buf + kBytes, 0, 8);
  constexpr std::uint64_t kMask = B == 32 ? 0xffffffffull : ((1ull << B) - 1);
  for (std::size_t i = 0; i < kBlockSize; ++i) {
    std::uint64_t word;
    std::memcpy(&word, buf + i * B / 8, 8);
    values[i] = static_cast<std::uint32_t>((word >> (i * B % 8)) & kMask);
  }
}

using UnpackFn = void (*)(const std::uint8_t*, std::uint32_t*);

template <std::size_t... B>
constexpr auto MakeUnpackers(std::index_sequence<B...>) {
  return std::array<UnpackFn, sizeof...(B)>{&UnpackFull<static_cast<unsigned>(B) + 1>...};
}
constexpr auto kUnpackers = MakeUnpackers(std::make_index_sequence<32>{});

// The value of at most 57 bits (`mask`) starting at bit `bit` of src[0, bytes): 8 bytes at a
// time where src has them, the tail byte by byte.
std::uint64_t BitsAt(const std::uint8_t* src, std::size_t bytes, std::size_t bit,
                     std::uint64_t mask) {
  const std::size_t byte = bit / 8;
  std::uint64_t word = 0;
  if (byte + 8 <= bytes) {
    std::memcpy(&word, src + byte, 8);
  } else {
    for (std::size_t k = 0; byte + k < bytes; ++k) {
      word |= static_cast<std::uint64_t>(src[byte + k]) << (8 * k);
    }
  }
  return (word >> (bit % 8)) & mask;
}

}  // namespace

std::size_t UnpackBlock(const std::uint8_t* data, const std::uint8_t* end, std::size_t n,
                        std::uint32_t* values) {
  if (data >= end || n > kBlockSize) return 0;
  const unsigned bits = data[0];
  if (bits > 32) return 0;
  const std::size_t bytes = (n * bits + 7) / 8;
  if (static_cast<std::size_t>(end - data) < 1 + bytes) return 0;
  const std::uint8_t* src = data + 1;
  if (bits == 0) {
    std::memset(values, 0, n * sizeof(std::uint32_t));
    return 1;
  }
  if (n == kBlockSize) {
    kUnpackers[bits - 1](src, values);
    return 1 + bytes;
  }
  const std::uint64_t mask = bits == 32 ? 0xffffffffull : ((1ull << bits) - 1);
  // A partial block (the last of a list).
  for (std::size_t i = 0; i < n; ++i) {
    values[i] = static_cast<std::uint32_t>(BitsAt(src, bytes, i * bits, mask));
  }
  return 1 + bytes;
}

namespace {

// The bits of values[0..n) Rice-coded with k - 1, k and k + 1 (k >= 1), in one pass.
std::array<std::uint64_t, 3> RiceBits3(const std::uint32_t* values, std::size_t n, unsigned k) {
  std::array<std::uint64_t, 3> bits{};
  for (std::size_t i = 0; i < n; ++i) {
    for (unsigned j = 0; j < 3; ++j) {
      const unsigned kj = k - 1 + j;
      const std::uint32_t q = values[i] >> kj;
      bits[j] += q < kRiceEscape ? q + 1 + kj : kRiceEscape + 1 + 32;
    }
  }
  return bits;
}

// Appends bits to a string 64 at a time (the string grows by eight bytes per full word, not a
// byte at a time).
class BitWriter {
 public:
  explicit BitWriter(std::string& out) : out_(out) {}
  // Appends the low `bits` bits of v (1 <= bits <= 32; v has no bit above them).
  void Put(std::uint64_t v, unsigned bits) {
    acc_ |= v << filled_;
    filled_ += bits;
    if (filled_ >= 64) {
      char word[8];
      std::memcpy(word, &acc_, 8);  // little-endian: the first bits in the first byte
      out_.append(word, 8);
      filled_ -= 64;
      acc_ = filled_ == 0 ? 0 : v >> (bits - filled_);
    }
  }
  void Finish() {
    for (; filled_ > 0; filled_ = filled_ > 8 ? filled_ - 8 : 0) {
      out_.push_back(static_cast<char>(acc_));
      acc_ >>= 8;
    }
  }

 private:
  std::string& out_;
  std::uint64_t acc_ = 0;
  unsigned filled_ = 0;  // bits of acc_ not yet appended, < 64
};

}  // namespace

void PackRice(const std::uint32_t* values, std::size_t n, std::string& out) {
  // The mean gives the best k within one or two; the neighbours are tried.
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < n; ++i) sum += values[i];
  const std::uint64_t mean = n == 0 ? 0 : sum / n;
  const unsigned guess =
      mean == 0 ? 0 : std::min(kRiceMaxK, static_cast<unsigned>(std::bit_width(mean)) - 1);
  // guess - 1, guess and guess + 1 sized in one pass (from 0 to 2 when the guess is 0).
  const unsigned first = guess == 0 ? 0 : guess - 1;
  const std::array<std::uint64_t, 3> bits = RiceBits3(values, n, first + 1);
  unsigned k = guess;
  std::uint64_t best = bits[guess - first];
  for (unsigned j = 0; j < 3; ++j) {
    const unsigned c = first + j;
    if (c > kRiceMaxK || (guess == 0 && c > 1)) continue;
    if (bits[j] < best) {
      best = bits[j];
      k = c;
    }
  }
  const std::uint64_t low_mask = (1ull << k) - 1;
  if (n < kRiceSplitMin) {
    out.push_back(static_cast<char>(k));
    BitWriter w(out);
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint32_t q = values[i] >> k;
      if (q < kRiceEscape) {
        w.Put(1ull << q, q + 1);
        if (k > 0) w.Put(values[i] & low_mask, k);
      } else {
        w.Put(1ull << kRiceEscape, kRiceEscape + 1);
        w.Put(values[i], 32);
      }
    }
    w.Finish();
    return;
  }
  std::uint32_t escapes = 0;
  for (std::size_t i = 0; i < n; ++i) escapes += (values[i] >> k) >= kRiceEscape;
  out.push_back(static_cast<char>(kRiceSplit | (escapes > 0 ? kRiceEscapes : 0) | k));
  if (escapes > 0) PutVarint(out, escapes);
  {
    BitWriter w(out);
    if (k > 0) {
      for (std::size_t i = 0; i < n; ++i) w.Put(values[i] & low_mask, k);
    }
    w.Finish();
  }
  {
    BitWriter w(out);
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint32_t q = std::min<std::uint32_t>(values[i] >> k, kRiceEscape);
      w.Put(1ull << q, q + 1);
    }
    w.Finish();
  }
  auto put32 = [&](std::uint32_t v) {
    for (int b = 0; b < 4; ++b) out.push_back(static_cast<char>(v >> (8 * b)));
  };
  for (std::size_t i = 0; i < n; ++i) {
    if ((values[i] >> k) < kRiceEscape) continue;
    put32(static_cast<std::uint32_t>(i));
    put32(values[i]);
  }
}

bool UnpackRice(const std::uint8_t* data, const std::uint8_t* end, std::size_t n,
                std::uint32_t* values) {
  if (data >= end) return n == 0;
  RiceReader r;
  return r.Start(data, end, n) && r.Read(n, values);
}

bool RiceReader::Start(const std::uint8_t* data, const std::uint8_t* end, std::size_t total) {
  if (data >= end) return false;
  const std::uint8_t head = data[0];
  buf_ = 0;
  avail_ = 0;
  end_ = end;
  p_ = data + 1;
  next_ = 0;
  total_ = total;
  split_ = (head & kRiceSplit) != 0;
  k_ = head & (kRiceSplit - 1);
  if (k_ > kRiceMaxK) return false;
  if (!split_) return head <= kRiceMaxK;
  if ((head & ~(kRiceSplit | kRiceEscapes | (kRiceSplit - 1))) != 0) return false;
  std::uint32_t escapes = 0;
  if ((head & kRiceEscapes) != 0 && (!GetVarint(&p_, end, &escapes) || escapes == 0)) {
    return false;
  }
  // A value takes at least a quotient bit: more values than the bytes hold is damage.
  const auto size = static_cast<std::size_t>(end - p_);
  if (total > 8 * size || escapes > total) return false;
  low_bytes_ = (total * k_ + 7) / 8;
  const std::size_t escape_bytes = std::size_t{escapes} * 8;
  if (low_bytes_ + escape_bytes > size) return false;
  low_ = p_;
  p_ += low_bytes_;
  end_ = end - escape_bytes;
  escapes_ = end_;
  escape_count_ = escapes;
  escape_at_ = 0;
  return true;
}

// Read and Skip keep the bit buffer in locals (the members are written back once): through
// the members every code would wait for a store and a reload.
namespace {

struct Bits {
  const std::uint8_t* p;
  const std::uint8_t* end;
  std::uint64_t buf;
  unsigned avail;

  // Tops the buffer up to at least 56 bits where the input has them; bits above avail stay 0.
  [[gnu::always_inline]] inline void Refill() {
    if (end - p >= 8) {
      std::uint64_t word;
      std::memcpy(&word, p, 8);
      buf |= word << avail;
      p += (63 - avail) >> 3;
      avail |= 56;
      buf &= avail >= 64 ? ~0ull : ((1ull << avail) - 1);
      return;
    }
    while (avail <= 56 && p < end) {
      buf |= static_cast<std::uint64_t>(*p++) << avail;
      avail += 8;
    }
  }
};

// Reads (Store) or passes over n codes of parameter k; false on damage.
template <bool Store>
[[gnu::always_inline]] inline bool RiceCodes(Bits& b, unsigned k, std::size_t n,
                                             std::uint32_t* values) {
  const std::uint64_t low_mask = (1ull << k) - 1;
  // Quotients below `plain` are plain codes whose value fits 32 bits.
  const auto plain =
      static_cast<unsigned>(std::min<std::uint64_t>(kRiceEscape, (0xffffffffull >> k) + 1));
  for (std::size_t i = 0; i < n; ++i) {
    // A code takes at most kRiceEscape + 1 + 32 = 57 bits, a plain one at most 25 + k <= 53.
    if (b.avail < kRiceEscape + 1 + kRiceMaxK) b.Refill();
    if (b.buf == 0) return false;
    const auto q = static_cast<unsigned>(std::countr_zero(b.buf));
    if (q < plain) [[likely]] {
      if (b.avail < q + 1 + k) return false;
      const std::uint64_t rest = b.buf >> (q + 1);
      if constexpr (Store) values[i] = static_cast<std::uint32_t>(std::uint64_t{q} << k |
                                                                  (rest & low_mask));
      b.buf = rest >> k;
      b.avail -= q + 1 + k;
      continue;
    }
    if (q != kRiceEscape) return false;  // too long a quotient, or a value above 32 bits
    b.buf >>= kRiceEscape + 1;
    b.avail -= kRiceEscape + 1;
    if (b.avail < 32) b.Refill();
    if (b.avail < 32) return false;
    if constexpr (Store) values[i] = static_cast<std::uint32_t>(b.buf);
    b.buf >>= 32;
    b.avail -= 32;
  }
  return true;
}

}  // namespace

template <bool Store>
bool RiceReader::Codes(std::size_t n, std::uint32_t* values) {
  Bits b{p_, end_, buf_, avail_};  // the bit buffer in registers for the loop
  const bool ok = RiceCodes<Store>(b, k_, n, values);
  p_ = b.p;
  buf_ = b.buf;
  avail_ = b.avail;
  return ok;
}

namespace {

std::uint32_t Load32(const std::uint8_t* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;  // little-endian hosts only, as the rest of the format
}

}  // namespace

bool RiceReader::ReadSplit(std::size_t n, std::uint32_t* values) {
  if (n > total_ - next_) return false;
  Bits b{p_, end_, buf_, avail_};
  const std::uint64_t low_mask = (1ull << k_) - 1;
  const auto plain =
      static_cast<unsigned>(std::min<std::uint64_t>(kRiceEscape, (0xffffffffull >> k_) + 1));
  bool ok = true;
  for (std::size_t i = 0; i < n; ++i) {
    if (b.avail < kRiceEscape + 1) b.Refill();
    if (b.buf == 0) {
      ok = false;
      break;
    }
    const auto q = static_cast<unsigned>(std::countr_zero(b.buf));
    if (b.avail < q + 1) {
      ok = false;
      break;
    }
    b.buf >>= q + 1;
    b.avail -= q + 1;
    const std::size_t at = next_ + i;
    if (q < plain) [[likely]] {
      // The k low bits, read where they lie: independent of the quotients' bit stream.
      const std::uint64_t low = k_ > 0 ? BitsAt(low_, low_bytes_, at * k_, low_mask) : 0;
      values[i] = static_cast<std::uint32_t>(std::uint64_t{q} << k_ | low);
      continue;
    }
    // An escape: its value is kept whole, by index.
    while (escape_at_ < escape_count_ && Load32(escapes_ + 8 * escape_at_) < at) ++escape_at_;
    if (q != kRiceEscape || escape_at_ == escape_count_ ||
        Load32(escapes_ + 8 * escape_at_) != at) {
      ok = false;
      break;
    }
    values[i] = Load32(escapes_ + 8 * escape_at_ + 4);
  }
  p_ = b.p;
  buf_ = b.buf;
  avail_ = b.avail;
  if (ok) next_ += n;
  return ok;
}

bool RiceReader::SkipSplit(std::size_t n) {
  if (n > total_ - next_) return false;
  Bits b{p_, end_, buf_, avail_};
  // Every value's quotient ends in the one bit: pass over n of them.
  std::size_t left = n;
  bool ok = true;
  while (left > 0) {
    if (b.avail < 57) b.Refill();
    if (b.buf == 0) {
      ok = false;
      break;
    }
    const unsigned ones = Ones(b.buf);
    if (ones >= left) {
      const unsigned used = SelectOne(b.buf, static_cast<unsigned>(left)) + 1;
      b.buf = used == 64 ? 0 : b.buf >> used;
      b.avail -= used;
      break;
    }
    left -= ones;
    b.buf = 0;
    b.avail = 0;
  }
  p_ = b.p;
  buf_ = b.buf;
  avail_ = b.avail;
  if (ok) next_ += n;
  return ok;
}

bool RiceReader::Read(std::size_t n, std::uint32_t* values) {
  return split_ ? ReadSplit(n, values) : Codes<true>(n, values);
}

bool RiceReader::Skip(std::size_t n) { return split_ ? SkipSplit(n) : Codes<false>(n, nullptr); }

}  // namespace dateline::index
