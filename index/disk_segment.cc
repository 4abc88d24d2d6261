#include "index/disk_segment.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>

#include <sanitizer/asan_interface.h>  // ASAN_POISON_MEMORY_REGION: no-ops without ASan

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/crc32c.h"
#include "index/bit_count.h"
#include "index/block_codec.h"
#include "index/varint.h"

namespace dateline::index {
namespace {

template <typename T>
T Load(const std::uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Postings of one term (n documents from the dictionary): a SkipEntry per block when there is
// more than one block, then the blocks (FOR-packed docid deltas, FOR-packed tf-1, and for exact
// terms the Rice-coded position codes). Every read is bounds-checked; damaged data ends the cursor
// instead of reading past the file.
// values[i] becomes first + values[0] + ... + values[i] + i (docids from the gaps minus one).
// Four lanes at a time with SSE2: the running sum is one dependent add per four values instead
// of two per value.
void PrefixSum(std::uint32_t* values, std::uint32_t n, std::uint32_t first) {
  std::uint32_t i = 0;
#if defined(__SSE2__)
  const __m128i one = _mm_set1_epi32(1);
  __m128i carry = _mm_set1_epi32(static_cast<int>(first - 1));
  for (; i + 4 <= n; i += 4) {
    __m128i x = _mm_add_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(values + i)), one);
    x = _mm_add_epi32(x, _mm_slli_si128(x, 4));
    x = _mm_add_epi32(x, _mm_slli_si128(x, 8));
    x = _mm_add_epi32(x, carry);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(values + i), x);
    carry = _mm_shuffle_epi32(x, 0xff);
  }
  std::uint32_t next = i == 0 ? first : values[i - 1] + 1;
#else
  std::uint32_t next = first;
#endif
  for (; i < n; ++i) {
    next += values[i];
    values[i] = next;
    ++next;
  }
}

// Whether any of bits a..b (inclusive) of `w` is set.
bool AnyBit(const std::uint64_t* w, std::uint32_t a, std::uint32_t b) {
  std::size_t i = a >> 6;
  const std::size_t j = b >> 6;
  const std::uint64_t head = ~std::uint64_t{0} << (a & 63);
  const std::uint64_t tail = ~std::uint64_t{0} >> (63 - (b & 63));
  if (i == j) return (w[i] & head & tail) != 0;
  if ((w[i] & head) != 0) return true;
  for (++i; i < j; ++i) {
    if (w[i] != 0) return true;
  }
  return (w[j] & tail) != 0;
}

// Freed cursors kept for the next ones made on the same thread (see DiskCursor::operator new),
// at most kCachedCursors of them (about 300 KB). Under AddressSanitizer a kept cursor's memory
// is poisoned until it is handed out again, so a use after its delete is still reported.
constexpr std::size_t kCachedCursors = 128;
// Trivially destructible, so that it stays usable while the thread's other objects are
// destroyed; CursorCacheCloser frees what it holds when the thread ends and closes it, and a
// cursor freed after that goes back to the allocator.
struct CursorCache {
  void* free[kCachedCursors] = {};
  std::size_t count = 0;
  std::size_t size = 0;  // of each (a cursor's)
  bool closed = false;
};
thread_local CursorCache cursor_cache;
struct CursorCacheCloser {
  ~CursorCacheCloser() {
    CursorCache& c = cursor_cache;
    for (std::size_t i = 0; i < c.count; ++i) {
      ASAN_UNPOISON_MEMORY_REGION(c.free[i], c.size);
      ::operator delete(c.free[i]);
    }
    c.count = 0;
    c.closed = true;
  }
};
thread_local CursorCacheCloser cursor_cache_closer;

class DiskCursor final : public PostingCursor {
 public:
  // A query makes and drops a cursor for every form of every word in every segment, each a
  // few kilobytes (its decoded block): too large for malloc's per-thread cache, so each cost a
  // trip through its bins. They are kept for reuse on their thread instead.
  static void* operator new(std::size_t size) {
    CursorCache& c = cursor_cache;
    if (size == sizeof(DiskCursor) && c.count > 0) {
      void* p = c.free[--c.count];
      ASAN_UNPOISON_MEMORY_REGION(p, size);
      return p;
    }
    return ::operator new(size);
  }
  static void operator delete(void* p, std::size_t size) {
    CursorCache& c = cursor_cache;
    if (size == sizeof(DiskCursor) && !c.closed && c.count < kCachedCursors) {
      if (c.count == 0) (void)&cursor_cache_closer;  // registers the thread's clean-up
      ASAN_POISON_MEMORY_REGION(p, size);
      c.size = size;
      c.free[c.count++] = p;
      return;
    }
    ::operator delete(p);
  }

  DiskCursor(const std::uint8_t* begin, const std::uint8_t* end, std::uint32_t n,
             bool positional, std::uint32_t doc_limit)
      : begin_(begin), end_(end), positional_(positional), doc_limit_(doc_limit), n_(n) {
    blocks_ = static_cast<std::uint32_t>((std::uint64_t{n} + kBlockSize - 1) / kBlockSize);
    const std::size_t skip_bytes =
        blocks_ > 1 ? std::size_t{blocks_} * sizeof(segfile::SkipEntry) : 0;
    if (skip_bytes > static_cast<std::size_t>(end - begin)) blocks_ = 0;
  }

  std::uint32_t Next() override {
    if (doc_ == kNoDoc && started_) return doc_;
    if (!Ready()) return kNoDoc;
    started_ = true;
    if (!loaded_) return LoadBlock(0);
    if (i_ + 1 < count_) {
      ++i_;
      doc_ = docs_[i_];
      return doc_;
    }
    return LoadBlock(block_ + 1);
  }

  std::uint32_t Advance(std::uint32_t target) override {
    if (started_ && (doc_ == kNoDoc || doc_ >= target)) return doc_;
    if (!Ready()) return kNoDoc;
    if (loaded_ && i_ + 1 < count_ && docs_[i_ + 1] >= target) {  // the next one: no skip work
      ++i_;
      return doc_ = docs_[i_];
    }
    return Seek(target);
  }

  // Advance's way over skip entries and blocks, out of line so that the common cases above
  // stay a few instructions.
  [[gnu::noinline]] std::uint32_t Seek(std::uint32_t target) {
    started_ = true;
    std::uint32_t b = loaded_ ? block_ : 0;
    if (blocks_ > 1) b = BlockOf(target, b);
    if (b >= blocks_) return End();
    if (!loaded_ || b != block_) {
      if (LoadBlock(b) == kNoDoc) return kNoDoc;
      // A fresh block: binary search (the target is often far into it).
      i_ = static_cast<std::uint32_t>(std::lower_bound(docs_, docs_ + count_, target) - docs_);
      if (i_ >= count_) return End();
    } else {
      while (docs_[i_] < target) {
        if (++i_ >= count_) return End();
      }
    }
    doc_ = docs_[i_];
    return doc_;
  }

  void AppendRange(std::uint32_t lo, std::uint32_t hi, std::vector<std::uint32_t>& out) override {
    if (!Ready()) return;
    if (Advance(lo) >= hi) return;
    while (true) {
      std::uint32_t i = i_;
      while (i < count_ && docs_[i] < hi) out.push_back(docs_[i++]);
      if (i < count_) {
        i_ = i;
        doc_ = docs_[i];
        return;
      }
      i_ = count_ - 1;
      if (LoadBlock(block_ + 1) >= hi) return;
    }
  }

  void SetBits(std::uint32_t lo, std::uint32_t hi, std::uint64_t* bits) override {
    if (!Ready()) return;
    if (Advance(lo) >= hi) return;
    while (true) {
      // The block's documents below hi, set without a store to a list.
      const std::uint32_t end =
          docs_[count_ - 1] < hi
              ? count_
              : static_cast<std::uint32_t>(std::lower_bound(docs_ + i_, docs_ + count_, hi) - docs_);
      SetAscendingBits(docs_ + i_, docs_ + end, lo, bits);
      if (end < count_) {
        i_ = end;
        doc_ = docs_[end];
        return;
      }
      i_ = count_ - 1;
      // Bitmap blocks wholly in [lo, hi) are ORed in without decoding their docids (damaged
      // skip entries may put one before lo).
      std::uint32_t b = block_ + 1;
      bool located = false;
      for (; b < blocks_; ++b) {
        located = Locate(b);
        if (!located || !bitmap_ || range_first_ < lo || range_last_ >= hi) break;
        OrDocBitmap(docs_at_, range_first_, range_last_, lo, bits);
      }
      // A block's docids start past the skip entry before it: one before lo is damage (the
      // bits are set from lo).
      if (b >= blocks_ || !located || !DecodeDocs() || docs_[0] < lo) {
        End();
        return;
      }
      i_ = 0;
      doc_ = docs_[0];
      if (doc_ >= hi) return;
    }
  }

  // Walks the skip entries: a block whose documents' range holds no document set in `where`
  // is not decoded (an AND of a rare and a frequent word decodes few of the frequent one's).
  void SetBitsWhere(std::uint32_t lo, std::uint32_t hi, std::uint64_t* bits,
                    const std::uint64_t* where) override {
    if (blocks_ <= 1 || started_ || lo >= hi) {
      SetBits(lo, hi, bits);
      return;
    }
    started_ = true;
    std::uint32_t first = 0;  // block b's documents lie in [first, its last_doc]
    for (std::uint32_t b = 0; b < blocks_ && first < hi; ++b) {
      const std::uint32_t last = Skip(b).last_doc;
      const std::uint32_t from = std::max(first, lo);
      const std::uint32_t to = std::min(last, hi - 1);
      if (last == kNoDoc) break;  // damaged: no block ends past every document
      // LoadBlock hands out only documents in [first, doc_limit_), whatever the file holds.
      const bool inside = first >= lo && hi >= doc_limit_;
      first = last + 1;
      if (from > to || !AnyBit(where, from - lo, to - lo)) continue;
      if (!Locate(b)) break;  // damaged
      if (bitmap_ && range_first_ >= lo && range_last_ < hi) {
        OrDocBitmap(docs_at_, range_first_, range_last_, lo, bits);
        continue;
      }
      if (!DecodeDocs()) break;  // damaged
      // The block's documents in [lo, hi): all of them, unless the range cuts the block.
      const std::uint32_t* const block = docs_;
      const std::uint32_t* const block_end = block + count_;
      const std::uint32_t* begin = inside ? block : std::lower_bound(block, block_end, lo);
      const std::uint32_t* end = inside ? block_end : std::lower_bound(begin, block_end, hi);
      SetAscendingBits(begin, end, lo, bits);
    }
    End();
  }

  // Weight bounds: the skip entries' block maxima, or for a list of one block (no skip entry)
  // each document's own weight, at its length from `docs` or else at the least length of its
  // code in `codes` (Segment::OneBlock).
  void Bounds(const DocRecord* docs, const std::uint8_t* codes, double avg_length,
              std::vector<WeightBound>& out) {
    out.clear();
    if (blocks_ > 1) {
      out.reserve(blocks_);
      std::uint32_t first = 0;
      for (std::uint32_t b = 0; b < blocks_; ++b) {
        const segfile::SkipEntry e = Skip(b);
        out.push_back({first, e.last_doc, e.max_weight, e.max_tf});
        first = e.last_doc + 1;
      }
      return;
    }
    for (std::uint32_t d = Next(); d != kNoDoc; d = Next()) {
      const std::uint32_t length = docs != nullptr ? docs[d].length : LengthOfCode(codes[d]);
      const double w = TermWeight(tf(), length, avg_length);
      out.push_back(
          {d, d, std::nextafter(static_cast<float>(w), std::numeric_limits<float>::max()), tf()});
    }
  }

  // Every document through remap (see DiskSegment::AppendPostingsAt), block by block, the
  // positions as decoded codes (no conversion to positions and back).
  void AppendAll(const DocRemap& remap, std::vector<std::uint32_t>& docs,
                 std::vector<std::uint32_t>& tfs, std::vector<std::uint32_t>& codes) {
    for (std::uint32_t b = 0; b < blocks_; ++b) {
      if (LoadBlock(b) == kNoDoc) return;
      if (positional_ && !DecodeCodes()) return;  // damaged
      const std::uint32_t* block_tfs = Tfs();
      // Every document of the segment kept (no dead one): the block goes over whole, its
      // docids shifted by one offset, without a lookup per document.
      if (remap.offset && docs_[count_ - 1] < remap.to.size()) {
        const std::uint32_t base = *remap.offset;
        const std::size_t at = docs.size();
        docs.resize(at + count_);
        for (std::uint32_t i = 0; i < count_; ++i) docs[at + i] = docs_[i] + base;
        tfs.insert(tfs.end(), block_tfs, block_tfs + count_);
        if (positional_) codes.insert(codes.end(), positions_.begin(), positions_.end());
        continue;
      }
      // The codes of the kept documents go in runs: one append per run of them (a whole
      // block when none is dropped).
      std::size_t at = 0;
      std::size_t run = 0;  // the codes [run, at) are kept and not yet appended
      auto append_run = [&](std::size_t end) {
        codes.insert(codes.end(), positions_.begin() + static_cast<std::ptrdiff_t>(run),
                     positions_.begin() + static_cast<std::ptrdiff_t>(end));
      };
      for (std::uint32_t i = 0; i < count_; ++i) {
        const std::size_t from = at;
        at += block_tfs[i];
        const std::uint32_t to = remap(docs_[i]);
        if (to == kNoDoc) {
          if (positional_) append_run(from);
          run = at;
          continue;
        }
        docs.push_back(to);
        tfs.push_back(block_tfs[i]);
      }
      if (positional_) append_run(at);
    }
  }

  // The index of d in its block is the count of the bitmap's documents before it there; the
  // block's docids stay undecoded until the cursor moves on by Next or Advance.
  bool MoveByBits(std::uint32_t d, const std::uint64_t* bits, std::uint32_t lo) override {
    if (started_ && (doc_ == kNoDoc || doc_ >= d)) return doc_ == d;
    if (d < lo || d >= doc_limit_ || blocks_ == 0) return false;
    std::uint32_t b = loaded_ ? block_ : 0;
    if (blocks_ > 1) {
      b = BlockOf(d, b);
      if (b >= blocks_) return false;
    }
    const std::uint32_t first = b == 0 ? 0 : Skip(b - 1).last_doc + 1;
    if (first < lo || first > d) return false;
    const bool same = loaded_ && b == block_ && started_ && doc_ != kNoDoc;
    // Within the current block, from the current document on.
    const std::uint32_t from = same ? doc_ + 1 : first;
    if (d - from > kMaxCountedDocs) return false;
    const std::uint32_t index = (same ? i_ + 1 : 0) + OnesBetween(bits, from - lo, d - lo);
    if (index >= BlockCount(b)) return false;
    if (!same && !Locate(b)) {
      loaded_ = false;
      return false;
    }
    started_ = true;
    i_ = index;
    doc_ = d;
    return true;
  }

  std::size_t TakeBlock(std::uint32_t limit, const std::uint32_t** docs,
                        const std::uint32_t** tfs) override {
    if (!started_ || doc_ == kNoDoc || doc_ > limit || !docs_ready_) return 0;
    const std::uint32_t* const from = docs_ + i_;
    const std::uint32_t* const block_end = docs_ + count_;
    const std::uint32_t end =
        docs_[count_ - 1] <= limit
            ? count_
            : static_cast<std::uint32_t>(std::upper_bound(from, block_end, limit) - docs_);
    *docs = docs_ + i_;
    *tfs = Tfs() + i_;
    const std::size_t n = end - i_;
    i_ = end - 1;
    doc_ = docs_[i_];
    return n;
  }

  std::uint32_t BlockLast() const override {
    return started_ && doc_ != kNoDoc && docs_ready_ ? docs_[count_ - 1] : doc_;
  }

  std::uint32_t doc() const override { return doc_; }
  std::uint32_t DocCount() const override { return n_; }
  std::uint32_t tf() const override { return doc_ == kNoDoc ? 0 : Tfs()[i_]; }

  std::uint32_t MaxTf(std::uint32_t target) override {
    if (blocks_ <= 1) return kNoDoc;  // one block: no skip entry, no bound
    std::uint32_t b = probe_;
    if (b > 0 && Skip(b - 1).last_doc >= target) b = 0;
    while (b < blocks_ && Skip(b).last_doc < target) ++b;
    probe_ = b;
    if (b >= blocks_) return 0;
    const std::uint32_t max_tf = Skip(b).max_tf;
    return max_tf == 0 ? kNoDoc : max_tf;  // 0 would be damage: no bound then
  }

  // Positions are decoded a document at a time when asked for: the codes of the block's
  // documents before it are passed over (Rice codes are read in order, so a later document of
  // the same block continues from there), and blocks none of whose documents is a candidate are
  // never read. Damaged codes give no positions.
  void Positions(std::vector<std::uint32_t>& out) override {
    out.clear();
    AppendPositions(out);
  }

  // The loop of the default with the calls made directly (this class is final), so that they
  // inline: a candidate of a phrase or NEAR costs no virtual call and no vector of its own.
  void PositionsByBits(const std::uint32_t* docs, std::size_t n, const std::uint64_t* bits,
                       std::uint32_t lo, std::vector<std::uint32_t>& positions,
                       std::vector<std::uint32_t>& ends) override {
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint32_t d = docs[i];
      const std::uint32_t bit = d - lo;
      if (d >= lo && ((bits[bit >> 6] >> (bit & 63)) & 1) != 0 &&
          (MoveByBits(d, bits, lo) || Advance(d) == d)) {
        AppendPositions(positions);
      }
      ends.push_back(static_cast<std::uint32_t>(positions.size()));
    }
  }

 private:
  // Appends the positions of the current document to `out`.
  void AppendPositions(std::vector<std::uint32_t>& out) {
    if (!positional_ || doc_ == kNoDoc || !started_) return;
    const std::uint32_t* tfs = Tfs();
    if (rice_state_ == RiceState::kUnread) {
      rice_codes_ = TfSum(tfs, 0, count_);  // the block's position codes
      rice_state_ = rice_.Start(positions_begin_, positions_end_, rice_codes_)
                        ? RiceState::kReading
                        : RiceState::kDamaged;
      rice_doc_ = 0;
    }
    const std::size_t at = out.size();
    if (i_ + 1 == rice_doc_ && rice_state_ == RiceState::kReading) {
      // Asked again (rare): read the block's codes from the start again.
      RiceReader again;
      out.resize(at + tfs[i_]);
      if (!again.Start(positions_begin_, positions_end_, rice_codes_) ||
          !again.Skip(TfSum(tfs, 0, i_)) ||
          !again.Read(tfs[i_], out.data() + at)) {
        out.resize(at);
      }
      ToPositions(out.data() + at, out.size() - at);
      return;
    }
    if (rice_state_ != RiceState::kReading || i_ < rice_doc_) return;
    // The codes of the documents between the last one read and this one are passed over.
    const std::uint64_t skip = TfSum(tfs, rice_doc_, i_);
    const std::uint32_t tf = tfs[i_];
    // A code takes at least a bit: more than the bytes hold is damage, not an allocation.
    const auto bytes = static_cast<std::size_t>(positions_end_ - positions_begin_);
    if (skip + tf > 8 * bytes || !rice_.Skip(skip)) {
      rice_state_ = RiceState::kDamaged;
      return;
    }
    out.resize(at + tf);
    if (!rice_.Read(tf, out.data() + at)) {
      out.resize(at);
      rice_state_ = RiceState::kDamaged;
      return;
    }
    rice_doc_ = i_ + 1;
    ToPositions(out.data() + at, tf);
  }

  // The sum of tfs[from, to): the position codes of those documents. Summed when asked, from
  // the last document read on (a phrase's candidates are a few documents of a block: a table
  // of every document's sum, made for each block entered, cost 2-3% of a phrase or NEAR count
  // at 200,000 stories).
  static std::uint64_t TfSum(const std::uint32_t* tfs, std::uint32_t from, std::uint32_t to) {
    std::uint64_t sum = 0;
    for (std::uint32_t j = from; j < to; ++j) sum += tfs[j];
    return sum;
  }

  // Codes to positions: the first, then gaps.
  static void ToPositions(std::uint32_t* codes, std::size_t n) {
    std::uint32_t pos = 0;
    for (std::size_t i = 0; i < n; ++i) {
      pos += codes[i];
      codes[i] = pos;
    }
  }

  // The first block from b on whose last docid is >= target (blocks_ when none is), by
  // galloping then binary search over the skip entries: far targets cost O(log blocks). Only
  // when blocks_ > 1.
  std::uint32_t BlockOf(std::uint32_t target, std::uint32_t b) const {
    if (Skip(b).last_doc >= target) return b;
    std::uint32_t step = 1, lo = b + 1, hi = b + 1;
    while (hi < blocks_ && Skip(hi).last_doc < target) {
      lo = hi + 1;
      hi = hi + step < blocks_ ? hi + step : blocks_;
      step *= 2;
    }
    while (lo < hi) {
      const std::uint32_t mid = lo + (hi - lo) / 2;
      if (Skip(mid).last_doc < target) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  // The documents of block b: 128 but in the last.
  std::uint32_t BlockCount(std::uint32_t b) const {
    return static_cast<std::uint32_t>(b + 1 < blocks_ ? kBlockSize
                                                      : n_ - (blocks_ - 1) * kBlockSize);
  }

  // MoveByBits counts at most this many documents' bits; decoding the block costs less than
  // counting more.
  static constexpr std::uint32_t kMaxCountedDocs = 4096;

  segfile::SkipEntry Skip(std::uint32_t b) const {  // only when blocks_ > 1
    return Load<segfile::SkipEntry>(begin_ + std::size_t{b} * sizeof(segfile::SkipEntry));
  }
  std::size_t BlockOffset(std::uint32_t b) const {
    return blocks_ > 1 ? Skip(b).offset : 0;
  }
  std::uint32_t End() {
    doc_ = kNoDoc;
    return doc_;
  }

  std::uint32_t LoadBlock(std::uint32_t b) {
    if (!Locate(b) || !DecodeDocs()) return End();
    i_ = 0;
    doc_ = docs_[0];
    return doc_;
  }

  // Makes block b the current one: where its tfs and position codes lie, its docids not yet
  // decoded (docs_ready_ false). False when b is past the end or damaged.
  bool Locate(std::uint32_t b) {
    if (b >= blocks_) return false;
    block_ = b;
    loaded_ = true;
    docs_ready_ = false;
    count_ = BlockCount(b);
    const std::size_t size = static_cast<std::size_t>(end_ - begin_);
    const std::size_t offset = BlockOffset(b);
    if (offset >= size || (begin_[offset] > 32 && begin_[offset] != kDocBitmap)) return false;
    const std::uint8_t* p = begin_ + offset;
    docs_at_ = p;
    std::size_t used = 0;
    bitmap_ = p[0] == kDocBitmap;
    if (bitmap_) {
      // Its docid range from the skip entries (a list of one block has none, and no bitmap).
      if (blocks_ <= 1) return false;
      const std::uint64_t from = b == 0 ? 0 : std::uint64_t{Skip(b - 1).last_doc} + 1;
      range_last_ = Skip(b).last_doc;
      if (range_last_ < from || range_last_ >= doc_limit_) return false;
      range_first_ = static_cast<std::uint32_t>(from);
      used = DocBitmapBytes(range_first_, range_last_);
    } else {
      used = PackedBytes(count_, p[0]);
    }
    if (static_cast<std::size_t>(end_ - p) < used) return false;
    p += used;
    // The tfs are unpacked when first asked for (matching without positions never needs them);
    // their size is checked now, as UnpackBlock would.
    if (p >= end_ || p[0] > 32) return false;
    used = PackedBytes(count_, p[0]);
    if (static_cast<std::size_t>(end_ - p) < used) return false;
    tfs_at_ = p;
    tfs_ready_ = false;
    p += used;
    positions_begin_ = p;
    rice_state_ = RiceState::kUnread;
    positions_end_ = b + 1 < blocks_ && BlockOffset(b + 1) <= size ? begin_ + BlockOffset(b + 1)
                                                                   : end_;
    return true;
  }

  // Decodes the current block's docids (Locate), leaving the cursor's document as it is.
  bool DecodeDocs() {
    if (bitmap_) {
      if (UnpackDocBitmap(docs_at_, end_, range_first_, range_last_, count_, docs_) == 0) {
        return false;
      }
      docs_ready_ = true;
      return true;
    }
    if (UnpackBlock(docs_at_, end_, count_, docs_) == 0) return false;
    // Docid deltas: the first against the previous block's last docid. The last docid is
    // summed in 64 bits first (where it cannot wrap): docids strictly increase, so when it lies
    // inside the segment no running sum wraps in 32 bits and every docid does too; damaged data
    // never hands out a docid past the segment.
    const std::uint64_t start = block_ == 0 ? 0 : std::uint64_t{Skip(block_ - 1).last_doc} + 1;
    std::uint64_t last = start + count_ - 1;
    for (std::uint32_t i = 0; i < count_; ++i) last += docs_[i];
    if (last >= doc_limit_) return false;
    PrefixSum(docs_, count_, static_cast<std::uint32_t>(start));
    docs_ready_ = true;
    return true;
  }

  // Before a move from a block entered by MoveByBits: its docids.
  bool Ready() {
    if (docs_ready_ || !loaded_ || doc_ == kNoDoc) return true;
    if (!DecodeDocs() || docs_[i_] != doc_) {
      End();
      return false;
    }
    return true;
  }

  // The block's position codes into positions_ (sum of its tfs values).
  bool DecodeCodes() {
    std::size_t total = 0;
    const std::uint32_t* tfs = Tfs();
    for (std::uint32_t i = 0; i < count_; ++i) total += tfs[i];
    // A code takes at least a bit: more than the bytes hold is damage, not an allocation.
    if (positions_end_ < positions_begin_ ||
        total > 8 * static_cast<std::size_t>(positions_end_ - positions_begin_)) {
      return false;
    }
    positions_.resize(total);
    return UnpackRice(positions_begin_, positions_end_, total, positions_.data());
  }

  const std::uint32_t* Tfs() const {
    if (!tfs_ready_) {
      if (UnpackBlock(tfs_at_, end_, count_, tfs_) == 0) std::fill_n(tfs_, count_, 0u);
      for (std::uint32_t i = 0; i < count_; ++i) tfs_[i] += 1;
      tfs_ready_ = true;
    }
    return tfs_;
  }

  const std::uint8_t* begin_;
  const std::uint8_t* end_;
  bool positional_;
  std::uint32_t doc_limit_;
  std::uint32_t n_;
  std::uint32_t blocks_ = 0;
  std::uint32_t block_ = 0;
  std::uint32_t probe_ = 0;  // MaxTf: the block of the last target
  bool loaded_ = false;
  bool started_ = false;
  std::uint32_t count_ = 0;
  std::uint32_t i_ = 0;
  std::uint32_t doc_ = kNoDoc;
  // Zeroed once per cursor (512 bytes): GCC's -O2 flow analysis cannot see that a block's
  // unpacking writes the first count_ entries before they are read, and says otherwise.
  std::uint32_t docs_[kBlockSize] = {};
  bool docs_ready_ = false;  // docs_ holds the current block's docids (see MoveByBits)
  const std::uint8_t* docs_at_ = nullptr;  // the current block's packed docid deltas
  bool bitmap_ = false;  // the current block's docids are a bitmap (kDocBitmap)
  std::uint32_t range_first_ = 0, range_last_ = 0;  // a bitmap block's docid range
  mutable std::uint32_t tfs_[kBlockSize];
  const std::uint8_t* tfs_at_ = nullptr;
  mutable bool tfs_ready_ = false;
  const std::uint8_t* positions_begin_ = nullptr;
  const std::uint8_t* positions_end_ = nullptr;
  std::vector<std::uint32_t> positions_;  // AppendAll's codes of one block
  // Positions: the block's Rice codes (rice_codes_ of them) are read up to the start of
  // document rice_doc_.
  enum class RiceState : std::uint8_t { kUnread, kReading, kDamaged };
  RiceState rice_state_ = RiceState::kUnread;
  RiceReader rice_;
  std::uint32_t rice_doc_ = 0;
  std::uint64_t rice_codes_ = 0;
};

Status Corrupt(const std::string& path, const std::string& what) {
  return Status::Corruption("index segment " + path + ": " + what);
}

bool ParseStrings(const std::uint8_t* p, std::size_t n, std::vector<std::string>& out) {
  // u32 count, then per string u32 length and bytes.
  if (n < 4) return false;
  const auto count = Load<std::uint32_t>(p);
  std::size_t off = 4;
  for (std::uint32_t i = 0; i < count; ++i) {
    if (n - off < 4) return false;
    const auto len = Load<std::uint32_t>(p + off);
    off += 4;
    if (n - off < len) return false;
    out.emplace_back(reinterpret_cast<const char*>(p + off), len);
    off += len;
  }
  return off == n;
}

}  // namespace

Result<std::unique_ptr<DiskSegment>> DiskSegment::Open(const std::string& path) {
  std::unique_ptr<DiskSegment> seg(new DiskSegment());
  seg->path_ = path;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) return Corrupt(path, "missing");  // listed by the manifest
  if (fd < 0) return Status::IOError("cannot open " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return Status::IOError("cannot stat " + path + ": " + std::strerror(errno));
  }
  seg->size_ = static_cast<std::size_t>(st.st_size);
  if (seg->size_ < sizeof(segfile::Header) + sizeof(segfile::Footer)) {
    ::close(fd);
    return Corrupt(path, "truncated (" + std::to_string(seg->size_) + " bytes)");
  }
  // Open reads every byte (checksum), so the pages are mapped in one go instead of one fault
  // per page.
  void* m = ::mmap(nullptr, seg->size_, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
  ::close(fd);
  if (m == MAP_FAILED) return Status::IOError("cannot map " + path + ": " + std::strerror(errno));
  seg->base_ = static_cast<const std::uint8_t*>(m);
  Status s = seg->Validate();
  if (!s.ok()) return s;
  return seg;
}

DiskSegment::~DiskSegment() {
  if (base_ != nullptr) ::munmap(const_cast<std::uint8_t*>(base_), size_);
}

Status DiskSegment::Validate() {
  const auto footer = Load<segfile::Footer>(base_ + size_ - sizeof(segfile::Footer));
  if (footer.magic != segfile::kFooterMagic || footer.body_length != size_ - sizeof footer) {
    return Corrupt(path_, "bad footer (truncated or not a segment file)");
  }
  const std::uint32_t crc = crc32c::Value(
      std::string_view(reinterpret_cast<const char*>(base_), footer.body_length));
  if (crc32c::Unmask(footer.crc) != crc) return Corrupt(path_, "checksum mismatch");
  const auto h = Load<segfile::Header>(base_);
  if (std::memcmp(h.magic, segfile::kMagic, sizeof h.magic) != 0) {
    return Corrupt(path_, "bad magic");
  }
  if (h.version < segfile::kOldestVersion || h.version > segfile::kVersion) {
    return Corrupt(path_, "format version " + std::to_string(h.version) + ", this build reads " +
                              std::to_string(segfile::kOldestVersion) + " to " +
                              std::to_string(segfile::kVersion) +
                              " (rebuild the index with `dateline reindex`)");
  }
  if (h.section_count != segfile::kSectionCount) return Corrupt(path_, "bad section count");
  const std::size_t table_end =
      sizeof(segfile::Header) + segfile::kSectionCount * sizeof(segfile::SectionRef);
  if (table_end > footer.body_length) return Corrupt(path_, "truncated section table");
  segfile::SectionRef sec[segfile::kSectionCount];
  for (std::uint32_t i = 0; i < segfile::kSectionCount; ++i) {
    sec[i] = Load<segfile::SectionRef>(base_ + sizeof(segfile::Header) +
                                       i * sizeof(segfile::SectionRef));
    if (sec[i].offset < table_end || sec[i].offset % 8 != 0 ||
        sec[i].offset > footer.body_length || sec[i].length > footer.body_length - sec[i].offset) {
      return Corrupt(path_, "section " + std::to_string(i) + " out of bounds");
    }
  }
  doc_count_ = h.doc_count;
  total_length_ = h.total_length;
  auto section = [&](std::uint32_t i) { return base_ + sec[i].offset; };
  auto section_end = [&](std::uint32_t i) { return base_ + sec[i].offset + sec[i].length; };
  if (!ParseStrings(section(segfile::kSources), sec[segfile::kSources].length, sources_) ||
      !ParseStrings(section(segfile::kLanguages), sec[segfile::kLanguages].length, languages_)) {
    return Corrupt(path_, "string tables");
  }
  if (!segcode::DecodeIds(section(segfile::kIds), section_end(segfile::kIds), ids_)) {
    return Corrupt(path_, "id table");
  }
  if (!segcode::DecodeDocs(section(segfile::kDocs), section_end(segfile::kDocs), doc_count_,
                           docs_)) {
    return Corrupt(path_, "document table");
  }
  if (!segcode::DecodeParagraphs(section(segfile::kParagraphs),
                                 section_end(segfile::kParagraphs), docs_, paras_)) {
    return Corrupt(path_, "paragraph table");
  }
  runs_.assign((std::size_t{doc_count_} + kTimeRun - 1) / kTimeRun,
               RunStat{std::numeric_limits<std::int64_t>::min(),
                       std::numeric_limits<std::uint32_t>::max()});
  run_min_times_.assign(runs_.size(), std::numeric_limits<std::int64_t>::max());
  times_.reserve(doc_count_);
  lengths_.reserve(doc_count_);
  source_ords_.reserve(doc_count_);
  length_codes_.reserve(doc_count_);
  for (std::uint32_t d = 0; d < doc_count_; ++d) {
    DocRecord& r = docs_[d];
    if (std::uint64_t{r.id_offset} + r.id_length > ids_.size() || r.source >= sources_.size() ||
        r.language >= languages_.size()) {
      return Corrupt(path_, "document " + std::to_string(d) + " out of bounds");
    }
    r.id_hash = StoryIdHash(story_id(d));
    times_.push_back(r.time_us);
    lengths_.push_back(r.length);
    source_ords_.push_back(r.source);
    length_codes_.push_back(LengthCode(r.length));
    RunStat& run = runs_[d / kTimeRun];
    run.max_time = std::max(run.max_time, r.time_us);
    run.min_length = std::min(run.min_length, r.length);
    run_min_times_[d / kTimeRun] = std::min(run_min_times_[d / kTimeRun], r.time_us);
  }
  postings_ = section(segfile::kPostings);
  postings_size_ = sec[segfile::kPostings].length;
  std::string error;
  if (!segcode::DecodeDictionary(section(segfile::kDictionary), section_end(segfile::kDictionary),
                                 doc_count_, postings_size_, dict_, error)) {
    return Corrupt(path_, error);
  }
  terms_ = dict_.size();
  BuildKeyHeads();
  live.assign(doc_count_, 1);
  return Status::Ok();
}

namespace {

// A key's first 16 bytes as a big-endian integer, zero-padded: for keys a < b (bytewise),
// Head(a) <= Head(b). Sixteen, not eight: a stem form key spends four on its kind and language
// ("\x04en\x1f"), and eight would leave four letters of the stem.
KeyHead Head(std::string_view key) {
  KeyHead h = 0;
  const std::size_t n = std::min<std::size_t>(key.size(), 16);
  for (std::size_t i = 0; i < n; ++i) {
    h |= KeyHead{static_cast<unsigned char>(key[i])} << (120 - 8 * i);
  }
  return h;
}

// The first of heads[0, n) not below q (`strict`: above q). Branchless: the loop is the same
// length for every q and the step compiles to conditional moves.
template <bool strict>
std::size_t HeadBound(const KeyHead* heads, std::size_t n, KeyHead q) {
  if (n == 0) return 0;
  const KeyHead* b = heads;
  while (n > 1) {
    const std::size_t half = n / 2;
    b += (strict ? b[half] <= q : b[half] < q) ? half : 0;
    n -= half;
  }
  return static_cast<std::size_t>(b - heads) + (strict ? *b <= q : *b < q);
}

}  // namespace

void DiskSegment::BuildKeyHeads() {
  key_heads_.clear();
  key_heads_.reserve((terms_ + kHeadStride - 1) / kHeadStride);
  for (std::size_t i = 0; i < terms_; i += kHeadStride) key_heads_.push_back(Head(Key(i)));
  top_heads_.clear();
  for (std::size_t j = 0; j < key_heads_.size(); j += kHeadStride) {
    top_heads_.push_back(key_heads_[j]);
  }
}

std::size_t DiskSegment::LowerBound(std::string_view key) const {
  // Sample j is key j * kHeadStride. The samples whose heads are below the key's are below the
  // key; those whose heads are above it are above it; the answer lies after the last of the
  // first kind and at or before the first of the second.
  const KeyHead q = Head(key);
  const KeyHead* heads = key_heads_.data();
  const std::size_t m = key_heads_.size();
  // The first sample not below q, in two steps: the top level (every kHeadStride-th sample,
  // small enough to stay in cache) brackets it to one run of kHeadStride samples, whose few
  // cache lines are fetched together and searched.
  const std::size_t top = HeadBound<false>(top_heads_.data(), top_heads_.size(), q);
  const std::size_t run_lo = top == 0 ? 0 : (top - 1) * kHeadStride + 1;
  const std::size_t run_hi = std::min(top * kHeadStride, m);
  for (std::size_t j = run_lo; j < run_hi; j += 4) __builtin_prefetch(heads + j);
  const std::size_t below = run_lo + HeadBound<false>(heads + run_lo, run_hi - run_lo, q);
  std::size_t above = below;
  if (above < m && heads[above] == q) {
    // Samples with the key's head: usually a few (keys sharing their first 16 bytes), so
    // gallop over them instead of searching all the rest.
    std::size_t step = 1;
    ++above;
    while (above < m && heads[above] == q) {
      const std::size_t next = std::min(m, above + step);
      if (heads[next - 1] != q) {
        above += HeadBound<true>(heads + above, next - above, q);
        break;
      }
      above = next;
      step *= 2;
    }
  }
  std::size_t lo = below == 0 ? 0 : (below - 1) * kHeadStride + 1;
  std::size_t hi = std::min(above * kHeadStride, terms_);
  if (lo < hi) {
    // The bracket's term records and key bytes are a few adjacent cache lines: ask for them
    // all at once rather than one miss after another at each step of the search below.
    const segcode::Term* terms = dict_.terms.data();
    const char* keys = dict_.keys.data();
    for (std::size_t i = lo; i <= hi && i < lo + 4 * kHeadStride; i += 4) {
      __builtin_prefetch(terms + i);
    }
    const char* from = keys + terms[lo].key_offset;
    const char* to = keys + terms[hi].key_offset;
    for (int line = 0; from < to && line < 8; from += 64, ++line) __builtin_prefetch(from);
  }
  return KeyBound(key, lo, hi);
}

std::size_t DiskSegment::KeyBound(std::string_view key, std::size_t lo, std::size_t hi) const {
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    if (Key(mid) < key) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

TermRef DiskSegment::TermAt(std::size_t i, std::string_view key) const {
  if (i >= terms_ || Key(i) != key) return {};
  return {dict_.terms[i].doc_freq, HasPositions(key), i};
}

std::uint32_t DiskSegment::DocFreq(std::string_view key) const {
  const std::size_t i = LowerBound(key);
  return i < terms_ && Key(i) == key ? dict_.terms[i].doc_freq : 0;
}

std::unique_ptr<PostingCursor> DiskSegment::Postings(std::string_view key) const {
  const std::size_t i = LowerBound(key);
  if (i >= terms_ || Key(i) != key) return nullptr;
  return PostingsAt(i);
}

std::unique_ptr<PostingCursor> DiskSegment::PostingsAt(std::size_t i) const {
  if (i >= terms_ || dict_.terms[i].doc_freq == 0) return nullptr;
  const std::string_view key = Key(i);
  if (key[0] == kStemBound) return nullptr;  // bounds, not postings
  const std::uint8_t* begin = postings_ + dict_.terms[i].postings_offset;
  return std::make_unique<DiskCursor>(begin, postings_ + dict_.terms[i + 1].postings_offset,
                                      dict_.terms[i].doc_freq,
                                      HasPositions(key), doc_count_);
}

void DiskSegment::AppendPostingsAt(std::size_t i, const DocRemap& remap,
                                   std::vector<std::uint32_t>& docs,
                                   std::vector<std::uint32_t>& tfs,
                                   std::vector<std::uint32_t>& position_codes) const {
  if (i >= terms_ || dict_.terms[i].doc_freq == 0 || Key(i)[0] == kStemBound) return;
  DiskCursor cur(postings_ + dict_.terms[i].postings_offset,
                 postings_ + dict_.terms[i + 1].postings_offset, dict_.terms[i].doc_freq,
                 HasPositions(Key(i)), doc_count_);
  cur.AppendAll(remap, docs, tfs, position_codes);
}

bool DiskSegment::WeightBounds(std::string_view key, std::vector<WeightBound>& out) const {
  return WeightBoundsOf(Lookup(key), OneBlock::kExactLength, out);
}

TermRef DiskSegment::Lookup(std::string_view key) const { return TermAt(LowerBound(key), key); }

std::vector<TermRef> DiskSegment::LookupAscending(const std::vector<std::string>& keys) const {
  std::vector<TermRef> out;
  out.reserve(keys.size());
  std::size_t at = 0;  // the previous key's place: no later key lies before it
  for (std::size_t k = 0; k < keys.size(); ++k) {
    const std::string_view key = keys[k];
    std::size_t i = 0;
    if (k == 0 || at >= terms_ || key < keys[k - 1]) {
      i = LowerBound(key);
    } else {
      // Gallop from the previous place (nearby keys are in cache lines just read), then
      // search the bracket it ends in, [lo, lo + step].
      std::size_t lo = at, step = 1;
      while (lo + step < terms_ && Key(lo + step) < key) {
        lo += step;
        step *= 2;
      }
      i = KeyBound(key, lo, std::min(lo + step, terms_));
    }
    at = i;
    out.push_back(TermAt(i, key));
  }
  return out;
}

std::unique_ptr<PostingCursor> DiskSegment::PostingsOf(const TermRef& term) const {
  if (term.doc_freq == 0 || term.slot >= terms_) return nullptr;
  return PostingsAt(static_cast<std::size_t>(term.slot));
}

bool DiskSegment::WeightBoundsOf(const TermRef& term, OneBlock one_block,
                                 std::vector<WeightBound>& out) const {
  out.clear();
  const auto i = static_cast<std::size_t>(term.slot);
  if (term.doc_freq == 0 || i >= terms_ || dict_.terms[i].doc_freq == 0) return true;
  if (Key(i)[0] == kStemBound) return false;
  const double avg = doc_count_ == 0 ? 1 : std::max(1.0, static_cast<double>(total_length_) /
                                                             doc_count_);
  DiskCursor cur(postings_ + dict_.terms[i].postings_offset,
                 postings_ + dict_.terms[i + 1].postings_offset, dict_.terms[i].doc_freq, false,
                 doc_count_);
  const bool exact = one_block == OneBlock::kExactLength || length_codes_.size() < doc_count_;
  cur.Bounds(exact ? docs_.data() : nullptr, length_codes_.data(), avg, out);
  return true;
}

void DiskSegment::ForEachKey(std::string_view prefix,
                             const std::function<bool(std::string_view)>& fn) const {
  for (std::size_t i = LowerBound(prefix); i < terms_; ++i) {
    const std::string_view k = Key(i);
    if (k.substr(0, prefix.size()) != prefix) break;
    if (!fn(k)) break;
  }
}

bool DiskSegment::StemBoundsOf(const TermRef& term, std::vector<WeightBound>& out) const {
  out.clear();
  const auto i = static_cast<std::size_t>(term.slot);
  if (term.doc_freq == 0 || i >= terms_ || dict_.terms[i].doc_freq == 0) return false;
  if (Key(i)[0] != kStemBound) return false;
  const std::uint64_t n = dict_.terms[i].doc_freq;
  const std::uint64_t entries = (n + kBlockSize - 1) / kBlockSize;
  const std::uint64_t begin = dict_.terms[i].postings_offset;
  const std::uint64_t bytes = dict_.terms[i + 1].postings_offset - begin;
  if (bytes != entries * sizeof(StemBoundEntry)) return false;
  out.reserve(entries);
  std::uint64_t next = 0;  // the first docid the next entry may start at
  for (std::uint64_t e = 0; e < entries; ++e) {
    const auto b = Load<StemBoundEntry>(postings_ + begin + e * sizeof(StemBoundEntry));
    if (b.first_doc < next || b.first_doc > b.last_doc || b.last_doc >= doc_count_ ||
        b.max_tf == 0 || !(b.max_weight > 0) || !std::isfinite(b.max_weight)) {
      out.clear();
      return false;  // damaged
    }
    out.push_back({b.first_doc, b.last_doc, b.max_weight, b.max_tf});
    next = std::uint64_t{b.last_doc} + 1;
  }
  return true;
}

}  // namespace dateline::index
