// The real-time segment: every story added is searchable as soon as Add returns. Postings grow
// per term in a shared byte pool (varint docid delta, tf, then position deltas for exact words),
// in slices that double in size and are chained by their last four bytes, so a posting is a
// few byte stores and never a reallocation. Term ids sorted by key when asked give prefix
// expansion; a flat open-addressing table answers key lookups and the per-word lookup of
// indexing with one probe.
// Not synchronised: the index serialises Add against searches with its lock.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "index/analyzed_story.h"
#include "index/segment.h"

namespace dateline::index {

class MemorySegment final : public Segment {
 public:
  MemorySegment() = default;
  MemorySegment(const MemorySegment&) = delete;
  MemorySegment& operator=(const MemorySegment&) = delete;

  // Appends one document; returns its docid.
  std::uint32_t Add(const AnalyzedStory& story);

  // Expects about as many documents, words and terms as `like` holds (the next memory segment
  // after a freeze expects as many as the last): its first Add makes the tables at that size,
  // so they do not grow along the way (the word table's growth rehashes every word each time).
  // A segment that stays empty holds no more memory than without.
  void ExpectLike(const MemorySegment& like);

  std::uint32_t doc_count() const override { return static_cast<std::uint32_t>(docs_.size()); }
  const DocRecord& doc(std::uint32_t d) const override { return docs_[d]; }
  std::string_view story_id(std::uint32_t d) const override {
    return std::string_view(ids_).substr(docs_[d].id_offset, docs_[d].id_length);
  }
  const std::uint32_t* paragraphs(std::uint32_t d) const override {
    return paras_.data() + docs_[d].para_offset;
  }
  const std::vector<std::string>& sources() const override { return sources_; }
  const std::vector<std::string>& languages() const override { return languages_; }
  std::uint64_t total_length() const override { return total_length_; }

  std::uint32_t DocFreq(std::string_view key) const override;
  std::unique_ptr<PostingCursor> Postings(std::string_view key) const override;
  TermRef Lookup(std::string_view key) const override;
  std::unique_ptr<PostingCursor> PostingsOf(const TermRef& term) const override;
  void ForEachKey(std::string_view prefix,
                  const std::function<bool(std::string_view)>& fn) const override;

  std::size_t memory_bytes() const { return memory_bytes_; }

  // For a flush, as DiskSegment::AppendPostingsAt: appends the postings of the i-th key in key
  // order (the order of a ForEachKey("") done since the last Add) to the vectors, docid d as
  // remap(d) (dropped when kNoDoc), positions as position codes (per document the first
  // position, then the gaps: the deltas this segment stores, copied without making positions).
  // The term's bytes are gathered from its slices into `bytes` (scratch) and decoded there.
  void AppendPostingsAt(std::size_t i, const DocRemap& remap,
                        std::vector<std::uint32_t>& docs, std::vector<std::uint32_t>& tfs,
                        std::vector<std::uint32_t>& position_codes,
                        std::vector<std::uint8_t>& bytes) const;

  // Byte pool of the postings: fixed-size blocks, addressed by a 32-bit offset (block number
  // times kPoolBlock plus the offset in the block); a slice never crosses a block. 32 bits
  // address 4 GiB of postings, some ten million stories: flush_docs keeps a memory segment far
  // below that.
  static constexpr std::uint32_t kPoolBlockBits = 16;
  static constexpr std::uint32_t kPoolBlock = 1u << kPoolBlockBits;
  // Size of a posting slice of level l (the last four bytes of a full slice hold the offset of
  // the next one, of level l + 1, at most kMaxSliceLevel).
  static constexpr std::uint32_t kMaxSliceLevel = 9;
  static constexpr std::uint32_t SliceSize(std::uint32_t level) { return 16u << level; }
  const std::uint8_t* PoolAt(std::uint32_t offset) const {
    return pool_[offset >> kPoolBlockBits].get() + (offset & (kPoolBlock - 1));
  }

 private:
  struct Term {
    std::uint32_t head = 0;    // pool offset of the first slice (valid when df > 0)
    std::uint32_t tail = 0;    // pool offset of the next byte to write
    std::uint32_t limit = 0;   // pool offset of the current slice's forwarding address
    std::uint32_t level = 0;   // level of the current slice
    std::uint32_t last_doc = kNoDoc;
    std::uint32_t df = 0;
    std::uint32_t key_offset = 0;  // the key's bytes in word_bytes_
    std::uint32_t key_length = 0;
    // While Add groups a story's words by term: the story last seen (kNoDoc: none), then the
    // term's count of words in it, then where its positions go in scratch_positions_.
    std::uint32_t story = kNoDoc;
    std::uint32_t story_at = 0;
  };
  // Term id of `key`, created when new.
  std::uint32_t TermId(std::string_view key);
  void Post(std::uint32_t term, std::uint32_t doc, std::uint32_t tf, const std::uint32_t* positions);
  std::uint32_t NewSlice(std::uint32_t level);
  void PutByte(Term& t, std::uint8_t b);
  void PutVarint(Term& t, std::uint32_t v);
  std::uint16_t Ordinal(std::vector<std::string>& table, const std::string& value);

  struct Expected {
    std::size_t docs = 0, words = 0, word_bytes = 0, terms = 0, ids = 0, paras = 0;
  };
  Expected expected_;  // ExpectLike: sizes the first Add reserves
  void Reserve(const Expected& e);
  std::vector<DocRecord> docs_;
  std::string ids_;
  std::vector<std::uint32_t> paras_;
  std::vector<std::string> sources_;
  std::vector<std::string> languages_;
  std::uint64_t total_length_ = 0;
  std::string_view Key(std::uint32_t term) const {
    return std::string_view(word_bytes_).substr(terms_[term].key_offset, terms_[term].key_length);
  }
  // Term ids in key order (prefix expansion, flushes), brought up to date by ForEachKey: the
  // terms made since the last walk (ids sorted_.size() and up) are sorted and merged in, one
  // batch sort instead of a tree insertion with its cache misses per new key while indexing.
  // Adds run under the index's write lock and walks under its read lock, so the ids change only
  // while no walk reads them; sorted_mu_ serialises walks that find them out of date.
  void SortKeys() const;
  mutable std::mutex sorted_mu_;
  mutable std::vector<std::uint32_t> sorted_;
  std::vector<Term> terms_;
  std::vector<std::unique_ptr<std::uint8_t[]>> pool_;
  std::uint32_t pool_used_ = kPoolBlock;  // bytes used in the last block (full: none yet)

  // One flat open-addressing table maps each distinct (language ordinal, folded word) to the
  // word's exact term, and each term key (space kKeySpace) to its term: one probe per word of
  // text instead of building keys, hashing them twice and stemming, and the key lookups of
  // searches. A slot holds the first kInline bytes, so most lookups touch one cache line.
  static constexpr std::uint32_t kKeySpace = 0xffff;  // above every language ordinal
  static constexpr std::size_t kInline = 16;
  struct Slot {
    std::uint32_t tag = 0;    // high half of the hash
    std::uint32_t word = 0;   // index into words_ + 1; 0: empty
    std::uint32_t term = 0;
    std::uint16_t length = 0;  // of the word, at most 0xffff
    std::uint16_t space = 0;   // language ordinal or kKeySpace
    char head[kInline] = {};   // first bytes of the word
  };
  static_assert(sizeof(Slot) == 32);
  struct Word {
    std::uint32_t offset;  // in word_bytes_
    std::uint32_t length;
    std::uint32_t space;   // language ordinal or kKeySpace
  };
  // The exact term of `word` (its Fold form; `stem` empty: stemmed here when new), made when
  // new. `hash` = HashWord(word, language).
  std::uint32_t WordTerm(std::string_view word, std::string_view stem, std::uint32_t language,
                         const std::string& language_code, std::uint64_t hash);
  void ReserveWords(std::size_t more);
  // Slot of (bytes, space): the one holding them, or the empty one where they belong.
  const Slot& Probe(std::string_view bytes, std::uint32_t space, std::uint64_t hash) const;
  Slot& Probe(std::string_view bytes, std::uint32_t space, std::uint64_t hash) {
    return const_cast<Slot&>(std::as_const(*this).Probe(bytes, space, hash));
  }
  // Term id of `key`, kNoDoc when absent.
  std::uint32_t FindTerm(std::string_view key) const;
  void Remember(Slot& slot, std::string_view bytes, std::uint32_t space, std::uint64_t hash,
                std::uint32_t term);
  void GrowWords();
  std::vector<Slot> word_slots_;
  std::vector<Word> words_;
  std::string word_bytes_;
  std::size_t memory_bytes_ = 0;

  // Scratch reused across Add calls so indexing does not allocate per word.
  std::vector<std::uint32_t> scratch_word_terms_;  // the exact term of each word
  std::vector<std::uint32_t> scratch_terms_;       // the story's terms, first seen first
  std::vector<std::uint64_t> scratch_hashes_;
  std::vector<std::uint32_t> scratch_positions_;
  std::string scratch_key_;
};

}  // namespace dateline::index
