// An immutable segment file, mmap-ed. Open verifies the footer checksum over the whole file
// and every offset the reader will follow, so a damaged file is a kCorruption error naming it.
// The document table, ids, paragraph starts and dictionary are decoded at open into arrays;
// posting lists are read in place.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "index/segment.h"
#include "index/segment_coding.h"
#include "index/segment_file.h"

namespace dateline::index {

__extension__ using KeyHead = unsigned __int128;  // DiskSegment's key heads

class DiskSegment final : public Segment {
 public:
  static Result<std::unique_ptr<DiskSegment>> Open(const std::string& path);
  ~DiskSegment() override;
  DiskSegment(const DiskSegment&) = delete;
  DiskSegment& operator=(const DiskSegment&) = delete;

  const std::string& path() const { return path_; }
  std::uint64_t file_bytes() const { return size_; }

  std::uint32_t doc_count() const override { return doc_count_; }
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
  std::vector<TermRef> LookupAscending(const std::vector<std::string>& keys) const override;
  std::unique_ptr<PostingCursor> PostingsOf(const TermRef& term) const override;
  bool WeightBoundsOf(const TermRef& term, OneBlock one_block,
                      std::vector<WeightBound>& out) const override;
  bool StemBoundsOf(const TermRef& term, std::vector<WeightBound>& out) const override;
  // Postings of the i-th key in dictionary order (the order of ForEachKey("")), without a
  // lookup: merges read every key in order. nullptr when it has none.
  std::unique_ptr<PostingCursor> PostingsAt(std::size_t i) const;
  // Appends the postings of the i-th key to the vectors, for a merge: docid d becomes remap(d)
  // (dropped when kNoDoc), and the positions are appended as position codes (per document the
  // first position, then the gaps; they do not depend on docids).
  void AppendPostingsAt(std::size_t i, const DocRemap& remap,
                        std::vector<std::uint32_t>& docs, std::vector<std::uint32_t>& tfs,
                        std::vector<std::uint32_t>& position_codes) const;
  void ForEachKey(std::string_view prefix,
                  const std::function<bool(std::string_view)>& fn) const override;
  // The position in dictionary order of the first key not below `key` (the key count when
  // none): every lookup's search. Sampled key heads (key_heads_) narrow it to about
  // kHeadStride keys, then a binary search over those keys.
  std::size_t LowerBound(std::string_view key) const;
  bool WeightBounds(std::string_view key, std::vector<WeightBound>& out) const override;
  const RunStat* Runs() const override { return runs_.data(); }
  const std::int64_t* RunMinTimes() const override { return run_min_times_.data(); }
  const std::int64_t* TimeColumn() const override { return times_.data(); }
  const std::uint32_t* LengthColumn() const override { return lengths_.data(); }
  const std::uint16_t* SourceColumn() const override { return source_ords_.data(); }
  const std::uint8_t* LengthCodeColumn() const override { return length_codes_.data(); }

 private:
  DiskSegment() = default;
  Status Validate();
  std::string_view Key(std::size_t i) const { return dict_.Key(i); }
  // The first position in [lo, hi) whose key is not below `key` (hi when none): a binary
  // search over the keys (LowerBound's last step, LookupAscending's after its gallop).
  std::size_t KeyBound(std::string_view key, std::size_t lo, std::size_t hi) const;
  // Lookup's answer for position i, found by a search for `key`.
  TermRef TermAt(std::size_t i, std::string_view key) const;
  void BuildKeyHeads();

  std::string path_;
  const std::uint8_t* base_ = nullptr;
  std::size_t size_ = 0;
  std::uint32_t doc_count_ = 0;
  std::uint64_t total_length_ = 0;
  // The compact sections, decoded at open (index/segment_coding.h).
  std::vector<DocRecord> docs_;
  std::string ids_;
  std::vector<std::uint32_t> paras_;
  std::vector<std::string> sources_;
  std::vector<std::string> languages_;
  segcode::Dictionary dict_;
  std::size_t terms_ = 0;
  // A key's first 16 bytes as a big-endian integer (zero-padded) for every kHeadStride-th key,
  // built at open: heads never decrease in key order, so a binary search over these integers
  // (no string compares, the upper levels in cache) brackets a lookup to about one stride of
  // keys. A binary search over the keys themselves touched a term record and its key bytes,
  // on another cache line each, at every one of its ~18 steps.
  static constexpr std::size_t kHeadStride = 16;
  std::vector<KeyHead> key_heads_;
  std::vector<KeyHead> top_heads_;  // every kHeadStride-th of key_heads_
  const std::uint8_t* postings_ = nullptr;
  std::size_t postings_size_ = 0;
  std::vector<RunStat> runs_;  // per kTimeRun docids, computed at open
  std::vector<std::int64_t> run_min_times_;
  std::vector<std::int64_t> times_;     // per document, copied from the records at open
  std::vector<std::uint32_t> lengths_;  // per document, copied from the records at open
  std::vector<std::uint16_t> source_ords_;  // per document, copied from the records at open
  std::vector<std::uint8_t> length_codes_;  // LengthCode per document, computed at open
};

// A stem bound entry as a segment file stores it (the postings bytes of a kStemBound key).
struct StemBoundEntry {
  std::uint32_t first_doc;
  std::uint32_t last_doc;
  std::uint32_t max_tf;
  float max_weight;  // rounded up, with the segment's average length
};
static_assert(sizeof(StemBoundEntry) == 16);

}  // namespace dateline::index
