#include "index/analyzed_story.h"

#include <algorithm>
#include <unordered_map>

#include "text/analyzer.h"

namespace dateline::index {

std::string StoryLanguage(const Story& story) {
  std::string lang = text::PrimaryLanguage(story.language);
  if (!lang.empty()) return lang;
  std::string sample = story.headline;
  sample += '\n';
  sample += story.summary;
  for (const Block& b : story.body) {
    if (sample.size() > 4096) break;  // enough text to tell the language
    sample += '\n';
    sample += b.text;
  }
  lang = text::DetectLanguage(sample);
  return lang.empty() ? std::string("und") : lang;
}

const std::string& CachedStem(std::string_view folded_word, const std::string& language) {
  // Keyed by language + NUL + word; cleared when it grows past a bound so memory stays flat on
  // long runs with an open vocabulary (numbers, names).
  thread_local std::unordered_map<std::string, std::string> cache;
  thread_local std::string key;
  key.assign(language);
  key.push_back('\0');
  key.append(folded_word);
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  if (cache.size() > 500000) cache.clear();
  return cache.emplace(key, text::Stem(folded_word, language)).first->second;
}

std::vector<std::string> QueryWords(std::string_view text) {
  std::vector<text::Token> tokens;
  std::uint32_t next = 0;
  text::Tokenize(text, tokens, &next);
  std::vector<std::string> out;
  out.reserve(tokens.size());
  for (text::Token& t : tokens) out.push_back(std::move(t.exact));
  return out;
}

AnalyzedStory Analyze(const Story& story, bool stems) {
  AnalyzedStory a;
  a.id = story.id;
  a.seq = story.seq;
  a.source = story.source;
  a.language = StoryLanguage(story);
  a.time_us = story.published_us != 0 ? story.published_us : story.received_us;
  a.priority = story.priority;

  // About one word per six bytes of news text: reserving up front saves the regrowth of both
  // vectors.
  std::size_t text_bytes = story.headline.size() + story.summary.size();
  for (const Block& b : story.body) text_bytes += b.text.size();
  text::FoldedWords folded;
  folded.folded.reserve(text_bytes);
  folded.words.reserve(text_bytes / 6 + 16);
  a.words.reserve(text_bytes / 6 + 16);
  std::uint32_t next = 0;
  std::uint32_t paragraph = 0;
  auto add_paragraph = [&](std::string_view text) {
    const std::size_t before = folded.words.size();
    text::Tokenize(text, folded, &next);
    if (folded.words.size() > before) a.paragraph_starts.push_back(folded.words[before].position);
    for (std::size_t i = before; i < folded.words.size(); ++i) {
      const text::FoldedWord& f = folded.words[i];
      a.words.push_back({f.at, f.size, 0, 0, f.position, paragraph});
    }
    ++paragraph;
  };
  add_paragraph(story.headline);
  a.headline_words = next;
  if (!story.summary.empty()) add_paragraph(story.summary);
  for (const Block& b : story.body) add_paragraph(b.text);
  a.text = std::move(folded.folded);
  if (stems) {
    for (AnalyzedWord& w : a.words) {
      const std::string& stem = CachedStem(a.exact(w), a.language);
      w.stem_at = static_cast<std::uint32_t>(a.text.size());
      w.stem_size = static_cast<std::uint32_t>(stem.size());
      a.text += stem;
    }
  }

  a.fields.emplace_back("source", text::Fold(story.source));
  a.fields.emplace_back("lang", a.language);
  a.fields.emplace_back("priority", std::string(PriorityName(story.priority)));
  for (const std::string& byline : story.bylines) {
    std::vector<text::Token> bw;
    std::uint32_t p = 0;
    text::Tokenize(byline, bw, &p);
    for (text::Token& t : bw) a.fields.emplace_back("author", std::move(t.exact));
  }
  for (const Tag& tag : story.tags) a.fields.emplace_back(text::Fold(tag.field), text::Fold(tag.value));
  std::sort(a.fields.begin(), a.fields.end());
  a.fields.erase(std::unique(a.fields.begin(), a.fields.end()), a.fields.end());
  return a;
}

}  // namespace dateline::index
