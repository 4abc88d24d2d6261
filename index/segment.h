// What the searcher needs from a segment, in memory or on disk: per-document records, a sorted
// term dictionary and posting cursors. Docids are segment-local and follow log seq order.
//
// Term keys (one sorted dictionary per segment, the first byte says the kind):
//   kExactTerm  + folded word                    docids, term frequencies and positions
//   kFieldTerm  + field + kSep + folded value     docids
//   kStemForm   + lang + kSep + stem + kSep + word   no postings: the exact words of a stem
//   kStemBound  + lang + kSep + stem + kSep       segment files only, for a stem of two or more
//                                                 words one of which is in more than kBlockSize
//                                                 documents: block bounds of the stem
//                                                 (Segment::StemBoundsOf)
// A bare word matches by stem: its documents in language L are those of the exact words listed
// under (L, stem), restricted to documents in L. Stems keep no postings of their own, which
// saves a posting per word of text in size and indexing time.
#pragma once

#include <bit>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "index/block_codec.h"

namespace dateline::index {

inline constexpr char kExactTerm = '\x01';
inline constexpr char kFieldTerm = '\x03';
inline constexpr char kStemForm = '\x04';
inline constexpr char kStemBound = '\x05';
inline constexpr char kSep = '\x1f';

inline std::string ExactKey(std::string_view word) {
  std::string k(1, kExactTerm);
  k.append(word);
  return k;
}
inline std::string FieldKey(std::string_view field, std::string_view value) {
  std::string k(1, kFieldTerm);
  k.append(field);
  k.push_back(kSep);
  k.append(value);
  return k;
}
inline std::string StemFormPrefix(std::string_view lang, std::string_view stem) {
  std::string k(1, kStemForm);
  k.append(lang);
  k.push_back(kSep);
  k.append(stem);
  k.push_back(kSep);
  return k;
}
inline std::string StemBoundKey(std::string_view lang, std::string_view stem) {
  std::string k = StemFormPrefix(lang, stem);
  k[0] = kStemBound;
  return k;
}
// Whether a segment file keeps a stem's bounds (its StemBoundKey) in a language: its words there
// are two or more and the most frequent is in more than kBlockSize documents (one posting block).
// The writer keeps them by this rule; a reader asks for them only where it holds.
inline bool StemBoundsKept(std::size_t words, std::uint64_t most_word_docs) {
  return words >= 2 && most_word_docs > kBlockSize;
}
inline bool HasPositions(std::string_view key) { return !key.empty() && key[0] == kExactTerm; }

// Fixed-size per-document record; the same layout in memory and in segment files.
struct DocRecord {
  std::uint64_t seq = 0;
  std::uint64_t id_hash = 0;      // StoryIdHash(story id)
  std::int64_t time_us = 0;       // published_us, or received_us when 0
  std::uint32_t id_offset = 0;    // story id bytes in the segment's id table
  std::uint32_t id_length = 0;
  std::uint32_t para_offset = 0;  // first paragraph start in the segment's paragraph table
  std::uint32_t para_count = 0;
  std::uint32_t length = 0;       // words (BM25 document length)
  std::uint32_t headline_words = 0;
  std::uint16_t source = 0;       // ordinal into the segment's source table
  std::uint8_t language = 0;      // ordinal into the segment's language table
  std::uint8_t priority = 0;
  std::uint32_t reserved = 0;
};
static_assert(sizeof(DocRecord) == 56);

std::uint64_t StoryIdHash(std::string_view id);

inline constexpr std::uint32_t kNoDoc = 0xffffffffu;

// How a flush or merge renumbers one input segment's documents: docid d becomes to[d] (kNoDoc:
// dropped; the kept documents' new docids ascend). When none is dropped, `offset` is set and
// to[d] == d + *offset: readers then add it to a whole block instead of a lookup per posting.
struct DocRemap {
  std::vector<std::uint32_t> to;
  std::optional<std::uint32_t> offset;

  std::uint32_t operator()(std::uint32_t d) const {
    if (d >= to.size()) return kNoDoc;
    return offset ? d + *offset : to[d];
  }
};

// BM25 parameters (the searcher's scoring and the block-max bounds the writer stores).
inline constexpr double kBm25K1 = 1.2;
inline constexpr double kBm25B = 0.75;
// The BM25 weight of a term without its idf: tf (k1 + 1) / (tf + k1 (1 - b + b len / avg)).
// Concave in tf, so the weight of a sum of term frequencies is at most the sum of the weights;
// for a larger `avg` it grows at most by the factor avg / the smaller one.
inline double TermWeight(double tf, double length, double avg_length) {
  return tf * (kBm25K1 + 1) / (tf + kBm25K1 * (1 - kBm25B + kBm25B * length / avg_length));
}
// Documents per run: segments that know them keep, per run of docids, the newest time and the
// shortest document (top-k bounds).
inline constexpr std::uint32_t kTimeRun = 1024;
struct RunStat {
  std::int64_t max_time;
  std::uint32_t min_length;
};

// A document length in one byte, never above the length: exact below 128, then four
// significant bits (at most a sixteenth low); lengths from 2^15 on share the last code. Top-k
// bounds read it instead of the 4-byte length: at a million stories the byte column (1 MB)
// stays in a core's L2 cache where the exact one (4 MB) does not, and a frequent word's pass
// reads it for every document it holds.
inline std::uint8_t LengthCode(std::uint32_t length) {
  if (length < 128) return static_cast<std::uint8_t>(length);
  const int e = std::bit_width(length) - 1;  // >= 7
  if (e > 14) return 255;
  return static_cast<std::uint8_t>(128 + (e - 7) * 16 + ((length >> (e - 4)) & 15));
}
// The least length of a code: LengthOfCode(LengthCode(l)) <= l.
inline std::uint32_t LengthOfCode(std::uint8_t code) {
  if (code < 128) return code;
  const int e = (code - 128) / 16 + 7;
  return (16u + (code & 15u)) << (e - 4);
}

// An upper bound of the term weight (TermWeight with the segment's own average length) and of
// the term frequency of the documents a term holds in [first_doc, last_doc].
struct WeightBound {
  std::uint32_t first_doc;
  std::uint32_t last_doc;
  float weight;
  std::uint32_t max_tf;
};

// Iterates one term's postings in docid order. Starts before the first document: call Next or
// Advance first.
class PostingCursor {
 public:
  virtual ~PostingCursor() = default;
  // Moves to the next document; kNoDoc at the end.
  virtual std::uint32_t Next() = 0;
  // Moves to the first document >= target (never backwards); kNoDoc at the end.
  virtual std::uint32_t Advance(std::uint32_t target) = 0;
  virtual std::uint32_t doc() const = 0;
  virtual std::uint32_t tf() const = 0;
  // Positions of the current document, ascending (exact terms only).
  virtual void Positions(std::vector<std::uint32_t>& out) = 0;
  // An upper bound of the term frequency of document `target` (0: the term does not hold it),
  // from the block maxima of the skip entries, without decoding or moving the cursor. Fastest
  // when called with ascending targets. The default knows no bound.
  virtual std::uint32_t MaxTf(std::uint32_t target) {
    (void)target;
    return kNoDoc;
  }
  // How many documents the postings hold, or kNoDoc when the cursor does not know (the
  // caller then asks Segment::DocFreq, a second dictionary lookup).
  virtual std::uint32_t DocCount() const { return kNoDoc; }
  // Appends the documents in [lo, hi) to `out` (lo at or after the current document) and leaves
  // the cursor on the first document >= hi.
  virtual void AppendRange(std::uint32_t lo, std::uint32_t hi, std::vector<std::uint32_t>& out) {
    for (std::uint32_t d = Advance(lo); d < hi; d = Next()) out.push_back(d);
  }
  // Sets bit d - lo of `bits` for every document d in [lo, hi) (lo at or after the current
  // document) and leaves the cursor on the first document >= hi (counting an OR).
  virtual void SetBits(std::uint32_t lo, std::uint32_t hi, std::uint64_t* bits) {
    for (std::uint32_t d = Advance(lo); d < hi; d = Next()) {
      bits[(d - lo) >> 6] |= std::uint64_t{1} << ((d - lo) & 63);
    }
  }
  // SetBits for a caller that keeps only the documents also set in `where` (a bitmap of the
  // same range, as an AND's documents so far): a list may leave out its blocks none of whose
  // documents is set there, so `bits` may miss documents not in `where`. The cursor is not to
  // be used afterwards.
  virtual void SetBitsWhere(std::uint32_t lo, std::uint32_t hi, std::uint64_t* bits,
                            const std::uint64_t* where) {
    (void)where;
    SetBits(lo, hi, bits);
  }
  // Moves to document d, set in `bits` (a bitmap of the documents from `lo` on) where SetBits
  // or SetBitsWhere set this list's documents, d having been in `where`: the cursor may find
  // d's place in its block by counting the bitmap's documents before it instead of decoding
  // the block. Returns whether the cursor is now at d; false leaves it where it was (the
  // caller then Advances), as does the default, which cannot.
  virtual bool MoveByBits(std::uint32_t d, const std::uint64_t* bits, std::uint32_t lo) {
    (void)d;
    (void)bits;
    (void)lo;
    return false;
  }
  // The last document of the block the cursor has decoded, which TakeBlock can hand out at
  // once: doc() as the default, which has no blocks.
  virtual std::uint32_t BlockLast() const { return doc(); }
  // The current document and the ones after it up to `limit` in the block the cursor has
  // decoded, as arrays of docids and tfs (n entries, docs[0] == doc()), and leaves the cursor
  // on the last of them: a pass over every document of a list checks them in a tight loop.
  // 0 (and no move) where the cursor cannot, as the default, or stands at no document.
  virtual std::size_t TakeBlock(std::uint32_t limit, const std::uint32_t** docs,
                                const std::uint32_t** tfs) {
    (void)limit;
    (void)docs;
    (void)tfs;
    return 0;
  }
  // The positions of many documents at once, as MoveByBits (else Advance) then Positions would
  // give them one by one: `docs` ascending, from the current document on, each of them in
  // `where` for the `bits` of MoveByBits; a document whose bit is clear holds none. Appends
  // each document's positions to `positions` and then its end there to `ends`.
  virtual void PositionsByBits(const std::uint32_t* docs, std::size_t n,
                               const std::uint64_t* bits, std::uint32_t lo,
                               std::vector<std::uint32_t>& positions,
                               std::vector<std::uint32_t>& ends);
};

// Per word, per term: a bitmap of a segment's documents, or empty (see MeetWords).
using TermBits = std::vector<std::vector<std::vector<std::uint64_t>>>;

// A key looked up once in a segment's dictionary: its document frequency and where the segment
// keeps it, so that its postings and weight bounds are reached without another lookup.
struct TermRef {
  std::uint32_t doc_freq = 0;  // 0: absent
  bool positional = false;     // HasPositions(key)
  std::uint64_t slot = 0;      // the segment's own position of the term
};

class Segment {
 public:
  virtual ~Segment() = default;
  virtual std::uint32_t doc_count() const = 0;
  virtual const DocRecord& doc(std::uint32_t docid) const = 0;
  virtual std::string_view story_id(std::uint32_t docid) const = 0;
  // Paragraph start positions of a document (ascending).
  virtual const std::uint32_t* paragraphs(std::uint32_t docid) const = 0;
  virtual const std::vector<std::string>& sources() const = 0;
  virtual const std::vector<std::string>& languages() const = 0;
  // Total words of all documents (BM25 average length).
  virtual std::uint64_t total_length() const = 0;

  // Documents containing `key`, 0 when absent.
  virtual std::uint32_t DocFreq(std::string_view key) const = 0;
  // Cursor over the postings of `key`; nullptr when absent.
  virtual std::unique_ptr<PostingCursor> Postings(std::string_view key) const = 0;
  // One dictionary lookup for DocFreq, PostingsOf and WeightBoundsOf (a search touches a term
  // three times: its document frequency for the idf, its postings and its bounds).
  virtual TermRef Lookup(std::string_view key) const = 0;
  // Lookup of each of `keys`. Keys in ascending order are found faster: a segment with a
  // sorted dictionary searches each from the place of the one before (a stem's exact forms lie
  // close together there); a key below the one before is searched from the top.
  virtual std::vector<TermRef> LookupAscending(const std::vector<std::string>& keys) const {
    std::vector<TermRef> out;
    out.reserve(keys.size());
    for (const std::string& k : keys) out.push_back(Lookup(k));
    return out;
  }
  // Cursor over the postings of a term found by Lookup; nullptr when absent.
  virtual std::unique_ptr<PostingCursor> PostingsOf(const TermRef& term) const = 0;
  // Calls fn(key) for every key starting with `prefix` in sorted order until fn returns false.
  virtual void ForEachKey(std::string_view prefix,
                          const std::function<bool(std::string_view)>& fn) const = 0;

  // Term weight bounds of `key`'s documents in docid order (see WeightBound); false when the
  // segment keeps none (the caller then knows no bound).
  virtual bool WeightBounds(std::string_view key, std::vector<WeightBound>& out) const {
    (void)key;
    out.clear();
    return false;
  }
  // How WeightBoundsOf bounds the documents of a list of one block (which has no skip entry):
  // each at its own length (the tightest bound), or at the least length of its length code
  // (LengthCodeColumn: one byte a document that every top-k reads, where the records are read
  // for few documents; a rare word's documents lie far apart in both).
  enum class OneBlock { kExactLength, kLengthCode };
  // WeightBounds of a term found by Lookup.
  virtual bool WeightBoundsOf(const TermRef& term, OneBlock one_block,
                              std::vector<WeightBound>& out) const {
    (void)term;
    (void)one_block;
    out.clear();
    return false;
  }
  // Block bounds of a stem in one language, from the term found by Lookup(StemBoundKey(...)):
  // the documents in that language holding any of the stem's words, in blocks of kBlockSize
  // docids of them, with the largest sum of the words' term frequencies and the largest
  // TermWeight of that sum (the segment's average length) per block. Tighter than the sum of
  // the words' own bounds. False when the segment keeps none for it (or they are damaged).
  virtual bool StemBoundsOf(const TermRef& term, std::vector<WeightBound>& out) const {
    (void)term;
    out.clear();
    return false;
  }
  // The newest time and the shortest length of each run of kTimeRun docids
  // (ceil(doc_count / kTimeRun) values), or nullptr when the segment keeps none.
  virtual const RunStat* Runs() const { return nullptr; }
  // The oldest time of each run (as many values as Runs()), or nullptr when the segment keeps
  // none: with Runs(), time ranges skip the runs that lie wholly outside them.
  virtual const std::int64_t* RunMinTimes() const { return nullptr; }
  // The time, the length and the source ordinal of every document as dense columns (scoring,
  // visibility and the source facet read them instead of the 56-byte records: a frequent word's
  // matches touch a record's cache line each), or nullptr when the segment keeps none.
  virtual const std::int64_t* TimeColumn() const { return nullptr; }
  virtual const std::uint32_t* LengthColumn() const { return nullptr; }
  virtual const std::uint16_t* SourceColumn() const { return nullptr; }
  // LengthCode of every document's length, or nullptr when the segment keeps none.
  virtual const std::uint8_t* LengthCodeColumn() const { return nullptr; }

  // Liveness (derived state: a newer version elsewhere hides a document). Guarded by the
  // index's lock.
  std::vector<std::uint8_t> live;
  // How many entries of `live` are 0 (0: every document is live, searches skip the check).
  std::uint32_t dead = 0;
  void Kill(std::uint32_t docid) {
    if (live[docid] != 0) {
      live[docid] = 0;
      ++dead;
    }
  }
};

}  // namespace dateline::index
