// A story as the query language sees it (docs/query-language.md, "What a story looks like to a
// query"): its words with positions, paragraph boundaries, language, time and keyword fields.
// Both the index and the linear-scan reference build their view of a story from this one
// function, so they agree on what the text *is* and differ only in how they search it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/story.h"

namespace dateline::index {

struct AnalyzedWord {
  std::string exact;        // text::Fold form
  std::string stem;         // text::Stem(exact, language)
  std::uint32_t position = 0;
  std::uint32_t paragraph = 0;  // 0 = headline, then summary and body blocks
};

struct AnalyzedStory {
  std::string id;
  std::uint64_t seq = 0;
  std::string source;            // as given (facets and entitlements use it)
  std::string language;          // primary subtag, detected when the story has none; "und"
  std::int64_t time_us = 0;      // published_us, or received_us when 0
  Priority priority = Priority::kNormal;
  std::uint32_t headline_words = 0;              // H: the headline holds positions 0..H-1
  std::vector<AnalyzedWord> words;               // in position order, positions 0, 1, 2, ...
  std::vector<std::uint32_t> paragraph_starts;   // first position of each non-empty paragraph
  // Keyword fields, folded: ("source", "reuters"), ("lang", "en"), ("priority", "normal"),
  // ("author", word) for every byline word, and (tag field, value) for every tag.
  std::vector<std::pair<std::string, std::string>> fields;
};

AnalyzedStory Analyze(const Story& story);

// Language used for stemming a story: PrimaryLanguage(story.language), or detected.
std::string StoryLanguage(const Story& story);

// The folded words of a query word or phrase word ("U.S.-based" may give several).
std::vector<std::string> QueryWords(std::string_view text);

// Stem with a per-thread cache (analysis calls it for every word; the vocabulary is small).
const std::string& CachedStem(const std::string& folded_word, const std::string& language);

}  // namespace dateline::index
