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

#include "core/story.h"

namespace dateline::match {

// String -> dense id, open addressing; built per story (a few hundred entries), never shrunk.
class WordTable {
 public:
  static constexpr std::uint32_t kMissing = 0xffffffffu;
  void Clear();
  // Id of `word`, adding it (with the next id) when new.
  std::uint32_t Intern(std::string_view word);
  std::uint32_t Find(std::string_view word) const;
  std::size_t size() const { return words_.size(); }
  const std::string& word(std::uint32_t id) const { return words_[id]; }

 private:
  void Grow();
  std::vector<std::string> words_;
  std::vector<std::uint64_t> hashes_;
  std::vector<std::uint32_t> slots_;  // id + 1, 0 = empty
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
  // Presearch keys the story offers (presearch_keys.h), sorted and unique.
  std::vector<std::uint64_t> keys;
  // Word and field keys only (no prefixes): what the term statistics count.
  std::vector<std::uint64_t> statistics_keys;

  std::uint32_t size() const { return static_cast<std::uint32_t>(exact_of.size()); }
};

// Fills `view` (reusing its buffers) from `story`.
void BuildStoryView(const Story& story, StoryView& view);

// Language used for stemming a story: PrimaryLanguage(story.language), or detected; "und".
std::string StoryLanguage(const Story& story);

// The folded words of a query word or phrase word ("U.S.-based" gives two).
std::vector<std::string> QueryWords(std::string_view text);

// text::Stem through a per-thread cache (the vocabulary of news is small).
const std::string& CachedStem(std::string_view folded_word, std::string_view language);

}  // namespace dateline::match
