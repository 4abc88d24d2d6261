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

// A word's forms are kept in its story's `text` (AnalyzedStory::exact and ::stem read them):
// a story's words then cost one string, not two each.
struct AnalyzedWord {
  std::uint32_t at = 0;         // text::Fold form: text.substr(at, size)
  std::uint32_t size = 0;
  std::uint32_t stem_at = 0;    // text::Stem(exact, language); stem_size 0 when not asked for
  std::uint32_t stem_size = 0;
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
  std::string text;                              // the words' forms back to back
  std::vector<std::uint32_t> paragraph_starts;   // first position of each non-empty paragraph
  // Keyword fields, folded: ("source", "reuters"), ("lang", "en"), ("priority", "normal"),
  // ("author", word) for every byline word, and (tag field, value) for every tag.
  std::vector<std::pair<std::string, std::string>> fields;

  // Appends a word made elsewhere (tests build stories word by word).
  void AddWord(std::string_view exact_form, std::string_view stem_form, std::uint32_t position,
               std::uint32_t paragraph = 0) {
    AnalyzedWord& w = words.emplace_back();
    w.at = static_cast<std::uint32_t>(text.size());
    w.size = static_cast<std::uint32_t>(exact_form.size());
    text += exact_form;
    w.stem_at = static_cast<std::uint32_t>(text.size());
    w.stem_size = static_cast<std::uint32_t>(stem_form.size());
    text += stem_form;
    w.position = position;
    w.paragraph = paragraph;
  }
  std::string_view exact(const AnalyzedWord& w) const {
    return std::string_view(text).substr(w.at, w.size);
  }
  std::string_view stem(const AnalyzedWord& w) const {
    return std::string_view(text).substr(w.stem_at, w.stem_size);
  }
};

// `stems` = false leaves every word's stem empty (the index stems each distinct word once).
AnalyzedStory Analyze(const Story& story, bool stems = true);

// Language used for stemming a story: PrimaryLanguage(story.language), or detected.
std::string StoryLanguage(const Story& story);

// The folded words of a query word or phrase word ("U.S.-based" may give several).
std::vector<std::string> QueryWords(std::string_view text);

// Stem with a per-thread cache (analysis calls it for every word; the vocabulary is small).
const std::string& CachedStem(std::string_view folded_word, const std::string& language);

}  // namespace dateline::index
