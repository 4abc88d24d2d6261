// The real-time segment: every story added is searchable as soon as Add returns. Postings grow
// as per-term byte vectors (varint docid delta, tf, then position deltas for exact terms); the
// sorted std::map gives prefix expansion, the hash map the per-word lookups of indexing.
// Not synchronised: the index serialises Add against searches with its lock.
#pragma once

#include <map>
#include <unordered_map>

#include "index/analyzed_story.h"
#include "index/segment.h"

namespace dateline::index {

class MemorySegment final : public Segment {
 public:
  // Appends one document; returns its docid.
  std::uint32_t Add(const AnalyzedStory& story);

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
  void ForEachKey(std::string_view prefix,
                  const std::function<bool(std::string_view)>& fn) const override;

  std::size_t memory_bytes() const { return memory_bytes_; }

 private:
  struct Term {
    std::vector<std::uint8_t> bytes;
    std::uint32_t last_doc = kNoDoc;
    std::uint32_t df = 0;
  };
  std::uint32_t TermId(const std::string& key);
  void Post(std::uint32_t term, std::uint32_t doc, std::uint32_t tf, const std::uint32_t* positions);
  std::uint16_t Ordinal(std::vector<std::string>& table, const std::string& value);

  std::vector<DocRecord> docs_;
  std::string ids_;
  std::vector<std::uint32_t> paras_;
  std::vector<std::string> sources_;
  std::vector<std::string> languages_;
  std::uint64_t total_length_ = 0;
  std::map<std::string, std::uint32_t, std::less<>> sorted_;
  std::unordered_map<std::string_view, std::uint32_t> by_key_;  // views of sorted_'s keys
  std::vector<Term> terms_;
  std::size_t memory_bytes_ = 0;

  // Scratch reused across Add calls so indexing does not allocate per word.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> scratch_exact_;  // (term, position)
  std::vector<std::uint32_t> scratch_stem_;
  std::vector<std::uint32_t> scratch_positions_;
  std::string scratch_key_;
};

}  // namespace dateline::index
