#include "index/memory_segment.h"

#include <algorithm>

#include "index/varint.h"

namespace dateline::index {
namespace {

class MemoryCursor final : public PostingCursor {
 public:
  MemoryCursor(const std::uint8_t* p, const std::uint8_t* end, bool positional)
      : p_(p), end_(end), positional_(positional) {}

  std::uint32_t Next() override {
    SkipPositions();
    std::uint32_t delta = 0;
    if (p_ >= end_ || !GetVarint(&p_, end_, &delta) || !GetVarint(&p_, end_, &tf_)) {
      doc_ = kNoDoc;
      return doc_;
    }
    doc_ = started_ ? doc_ + 1 + delta : delta;
    started_ = true;
    positions_ = p_;
    positions_read_ = false;
    return doc_;
  }
  std::uint32_t Advance(std::uint32_t target) override {
    while (!started_ || (doc_ != kNoDoc && doc_ < target)) {
      if (Next() == kNoDoc) break;
    }
    return doc_;
  }
  std::uint32_t doc() const override { return doc_; }
  std::uint32_t tf() const override { return tf_; }
  void Positions(std::vector<std::uint32_t>& out) override {
    out.clear();
    if (!positional_ || doc_ == kNoDoc || !started_) return;
    const std::uint8_t* q = positions_;
    std::uint32_t pos = 0;
    for (std::uint32_t i = 0; i < tf_; ++i) {
      std::uint32_t d = 0;
      if (!GetVarint(&q, end_, &d)) break;
      pos += d;
      out.push_back(pos);
    }
  }

 private:
  void SkipPositions() {
    if (!positional_ || !started_ || doc_ == kNoDoc) return;
    for (std::uint32_t i = 0; i < tf_; ++i) {
      std::uint32_t d = 0;
      if (!GetVarint(&p_, end_, &d)) {
        p_ = end_;
        return;
      }
    }
  }

  const std::uint8_t* p_;
  const std::uint8_t* end_;
  const std::uint8_t* positions_ = nullptr;
  bool positional_;
  bool started_ = false;
  bool positions_read_ = false;
  std::uint32_t doc_ = kNoDoc;
  std::uint32_t tf_ = 0;
};

}  // namespace

std::uint32_t MemorySegment::TermId(const std::string& key) {
  auto it = by_key_.find(key);
  if (it != by_key_.end()) return it->second;
  const auto id = static_cast<std::uint32_t>(terms_.size());
  auto [pos, inserted] = sorted_.emplace(key, id);
  (void)inserted;
  by_key_.emplace(std::string_view(pos->first), id);
  terms_.emplace_back();
  memory_bytes_ += key.size() * 3 + 96;
  return id;
}

void MemorySegment::Post(std::uint32_t term, std::uint32_t doc, std::uint32_t tf,
                         const std::uint32_t* positions) {
  Term& t = terms_[term];
  const std::size_t before = t.bytes.size();
  PutVarint(t.bytes, t.last_doc == kNoDoc ? doc : doc - t.last_doc - 1);
  PutVarint(t.bytes, tf);
  if (positions != nullptr) {
    std::uint32_t prev = 0;
    for (std::uint32_t i = 0; i < tf; ++i) {
      PutVarint(t.bytes, positions[i] - prev);
      prev = positions[i];
    }
  }
  t.last_doc = doc;
  ++t.df;
  memory_bytes_ += t.bytes.size() - before;
}

std::uint16_t MemorySegment::Ordinal(std::vector<std::string>& table, const std::string& value) {
  for (std::size_t i = 0; i < table.size(); ++i) {
    if (table[i] == value) return static_cast<std::uint16_t>(i);
  }
  table.push_back(value);
  return static_cast<std::uint16_t>(table.size() - 1);
}

std::uint32_t MemorySegment::Add(const AnalyzedStory& s) {
  const auto docid = static_cast<std::uint32_t>(docs_.size());
  DocRecord r;
  r.seq = s.seq;
  r.id_hash = StoryIdHash(s.id);
  r.time_us = s.time_us;
  r.id_offset = static_cast<std::uint32_t>(ids_.size());
  r.id_length = static_cast<std::uint32_t>(s.id.size());
  ids_ += s.id;
  r.para_offset = static_cast<std::uint32_t>(paras_.size());
  r.para_count = static_cast<std::uint32_t>(s.paragraph_starts.size());
  paras_.insert(paras_.end(), s.paragraph_starts.begin(), s.paragraph_starts.end());
  r.length = static_cast<std::uint32_t>(s.words.size());
  r.headline_words = s.headline_words;
  r.source = Ordinal(sources_, s.source);
  r.language = static_cast<std::uint8_t>(Ordinal(languages_, s.language));
  r.priority = static_cast<std::uint8_t>(s.priority);
  docs_.push_back(r);
  live.push_back(1);
  total_length_ += r.length;
  memory_bytes_ += sizeof(DocRecord) + s.id.size() + 4 * s.paragraph_starts.size();

  // Exact words with positions; stems with counts; each (stem, word) pair once.
  scratch_exact_.clear();
  scratch_stem_.clear();
  for (const AnalyzedWord& w : s.words) {
    scratch_key_.assign(1, kExactTerm);
    scratch_key_ += w.exact;
    scratch_exact_.emplace_back(TermId(scratch_key_), w.position);
    scratch_key_.assign(1, kStemTerm);
    scratch_key_ += s.language;
    scratch_key_.push_back(kSep);
    scratch_key_ += w.stem;
    scratch_stem_.push_back(TermId(scratch_key_));
    scratch_key_.assign(1, kStemForm);
    scratch_key_ += s.language;
    scratch_key_.push_back(kSep);
    scratch_key_ += w.stem;
    scratch_key_.push_back(kSep);
    scratch_key_ += w.exact;
    TermId(scratch_key_);
  }
  std::stable_sort(scratch_exact_.begin(), scratch_exact_.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t i = 0; i < scratch_exact_.size();) {
    std::size_t j = i;
    scratch_positions_.clear();
    while (j < scratch_exact_.size() && scratch_exact_[j].first == scratch_exact_[i].first) {
      scratch_positions_.push_back(scratch_exact_[j].second);
      ++j;
    }
    Post(scratch_exact_[i].first, docid, static_cast<std::uint32_t>(j - i),
         scratch_positions_.data());
    i = j;
  }
  std::sort(scratch_stem_.begin(), scratch_stem_.end());
  for (std::size_t i = 0; i < scratch_stem_.size();) {
    std::size_t j = i;
    while (j < scratch_stem_.size() && scratch_stem_[j] == scratch_stem_[i]) ++j;
    Post(scratch_stem_[i], docid, static_cast<std::uint32_t>(j - i), nullptr);
    i = j;
  }
  for (const auto& [field, value] : s.fields) {  // sorted and unique
    Post(TermId(FieldKey(field, value)), docid, 1, nullptr);
  }
  return docid;
}

std::uint32_t MemorySegment::DocFreq(std::string_view key) const {
  auto it = by_key_.find(key);
  return it == by_key_.end() ? 0 : terms_[it->second].df;
}

std::unique_ptr<PostingCursor> MemorySegment::Postings(std::string_view key) const {
  auto it = by_key_.find(key);
  if (it == by_key_.end() || terms_[it->second].df == 0) return nullptr;
  const Term& t = terms_[it->second];
  return std::make_unique<MemoryCursor>(t.bytes.data(), t.bytes.data() + t.bytes.size(),
                                        HasPositions(key));
}

void MemorySegment::ForEachKey(std::string_view prefix,
                               const std::function<bool(std::string_view)>& fn) const {
  for (auto it = sorted_.lower_bound(prefix); it != sorted_.end(); ++it) {
    if (it->first.compare(0, prefix.size(), prefix) != 0) break;
    if (!fn(it->first)) break;
  }
}

}  // namespace dateline::index
