// A story analysed once per Match call, the way the query language sees it
// (docs/query-language.md, "What a story looks like to a query", and index/analyzed_story.cc):
// words with continuous positions (headline, then summary, then body blocks), paragraph numbers,
// language, time and keyword fields — held as small in-memory postings so that each candidate
// query is verified with lookups rather than scans.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/hash.h"
#include "core/story.h"

namespace dateline::match {

// String -> dense id, open addressing; built per story (a few hundred entries), never shrunk.
class WordTable {
 public:
  static constexpr std::uint32_t kMissing = 0xffffffffu;
  void Clear();
  // Id of `word`, adding it (with the next id) when new.
  std::uint32_t Intern(std::string_view word);
  std::uint32_t Find(std::string_view word) const { return Find(word, Hash64(word)); }
  // `hash` must be Hash64(word).
  std::uint32_t Find(std::string_view word, std::uint64_t hash) const;
  // False when the table surely lacks a word of this Hash64 (a 4,096-bit filter that fits in L1:
  // most words of a long OR are not in the story).
  bool MayContain(std::uint64_t hash) const {
    return (filter_[(hash >> 6) & 63] >> (hash & 63) & 1) != 0 &&
           (filter_[(hash >> 18) & 63] >> ((hash >> 12) & 63) & 1) != 0;
  }
  std::size_t size() const { return words_.size(); }
  const std::string& word(std::uint32_t id) const { return words_[id]; }
  std::uint64_t hash(std::uint32_t id) const { return hashes_[id]; }  // Hash64 of word(id)

 private:
  void Grow();
  std::vector<std::string> words_;
  std::vector<std::uint64_t> hashes_;
  std::vector<std::uint32_t> slots_;  // id + 1, 0 = empty
  std::uint64_t filter_[64] = {};
};

// The story's decision keys (presearch_keys.h) -> what they stand for (kind << 30 | id: an exact
// word id, a stem id, a field, or the first position of a pair of adjacent words), open
// addressing; built per story, never shrunk.
class DecideTable {
 public:
  static constexpr std::uint32_t kMissing = 0xffffffffu;
  static constexpr std::uint32_t kExact = 0, kStem = 1u << 30, kOther = 2u << 30, kBigram = 3u << 30;
  static constexpr std::uint32_t kKindMask = 3u << 30;
  // kOther: a field value (no id), a word prefix (length << 22 | id of a word with it), a stem or
  // an exact word of the headline (its id).
  static constexpr std::uint32_t kField = kOther, kPrefix = kOther | 1u << 28;
  static constexpr std::uint32_t kHeadlineStem = kOther | 2u << 28, kHeadlineExact = kOther | 3u << 28;
  static constexpr std::uint32_t kSubKindMask = 3u << 28;
  static constexpr std::uint32_t kMaxPrefixId = (1u << 22) - 1;
  // Sized for `n` keys (it grows past them) and emptied.
  void Reset(std::size_t n);
  void Insert(std::uint64_t key, std::uint32_t value);
  // `key` with its low flag bits cleared.
  std::uint32_t Find(std::uint64_t key) const {
    if (((filter_[FilterWord(key)] >> FilterBit(key)) & 1) == 0) return kMissing;
    for (std::size_t i = Home(key);; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.value == kMissing) return kMissing;
      if (s.key == key) return s.value;
    }
  }

 private:
  // Key and value side by side: a probe reads one cache line (the table outgrows L1 in a long
  // story: word pairs and prefixes).
  struct Slot {
    std::uint64_t key;
    std::uint32_t value;
  };
  std::size_t Home(std::uint64_t key) const { return static_cast<std::size_t>(key >> 40) & mask_; }
  // A bit per key in a filter of 4 bits per slot (at least 8 per key, 1/32 of the table's bytes):
  // most keys asked for are absent, and the filter stays in L1 when the table does not.
  std::size_t FilterWord(std::uint64_t key) const { return static_cast<std::size_t>(key >> 8) & filter_mask_; }
  static std::uint64_t FilterBit(std::uint64_t key) { return (key >> 2) & 63; }
  void FilterAdd(std::uint64_t key) { filter_[FilterWord(key)] |= std::uint64_t{1} << FilterBit(key); }
  std::vector<Slot> slots_ = std::vector<Slot>(1, Slot{0, kMissing});
  std::size_t mask_ = 0;
  std::vector<std::uint64_t> filter_ = std::vector<std::uint64_t>(1, 0);
  std::size_t filter_mask_ = 0;
  std::size_t count_ = 0;
};

struct StoryView {
  std::string language;          // primary subtag, detected when the story has none; "und"
  std::int64_t time_us = 0;      // published_us, or received_us when 0
  std::uint32_t headline_words = 0;
  // Per position 0..n-1.
  std::vector<std::uint32_t> exact_of;      // id in `exacts`
  std::vector<std::uint32_t> stem_of;       // id in `stems`
  std::vector<std::uint32_t> paragraph_of;  // 0 = headline, then summary and body blocks
  WordTable exacts;  // distinct folded words
  WordTable stems;   // distinct stems in the story's language
  // Positions of each exact word / stem, ascending: positions[offsets[id] .. offsets[id + 1]).
  std::vector<std::uint32_t> exact_offsets, exact_positions;
  std::vector<std::uint32_t> stem_offsets, stem_positions;
  // Keyword fields, folded, sorted and unique: ("source", "reuters"), ("lang", "en"),
  // ("priority", "normal"), ("author", word) per byline word, (tag field, tag value).
  std::vector<std::pair<std::string, std::string>> fields;
  // Exact word ids of each stem id: stem_exacts[stem_exact_offsets[id] .. stem_exact_offsets[id + 1]).
  std::vector<std::uint32_t> stem_exact_offsets, stem_exacts;
  // Decision keys: every exact word, every stem (English stories only: decided queries hold
  // English stems), every pair of words at adjacent positions, every field value, the headline's
  // words and stems, and the word prefixes of the lengths asked for. False in a story of more
  // distinct words than a prefix value can name: then nothing is decided, all is verified.
  DecideTable decide;
  bool decidable = true;
  // Presearch keys the story offers (presearch_keys.h), sorted and unique.
  std::vector<std::uint64_t> keys;
  // Word and field keys only (no prefixes): what the term statistics count. Unsorted, and may
  // repeat (a stem that is also a word of the story): sorted when counted.
  std::vector<std::uint64_t> statistics_keys;

  std::uint32_t size() const { return static_cast<std::uint32_t>(exact_of.size()); }
};

// Fills `view` (reusing its buffers) from `story`. Prefix keys are made only for the lengths set
// in `prefix_lengths` / `field_prefix_lengths` (bits as PrefixLengthBit; bit 0: 64 bytes and more).
void BuildStoryView(const Story& story, StoryView& view, std::uint64_t prefix_lengths = ~std::uint64_t{0},
                    std::uint64_t field_prefix_lengths = ~std::uint64_t{0});

// Language used for stemming a story: PrimaryLanguage(story.language), or detected; "und".
std::string StoryLanguage(const Story& story);

// The folded words of a query word or phrase word ("U.S.-based" gives two).
std::vector<std::string> QueryWords(std::string_view text);

// text::Stem through a per-thread cache (the vocabulary of news is small). The stem is valid
// until the next call on the same thread at least (a cached one, while the thread lives).
const std::string& CachedStem(std::string_view folded_word, std::string_view language);
// The same, given Hash64(folded_word).
const std::string& CachedStem(std::string_view folded_word, std::string_view language, std::uint64_t word_hash);

}  // namespace dateline::match
