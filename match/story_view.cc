#include "match/story_view.h"

#include <algorithm>
#include <deque>
#include <unordered_map>

#include "core/hash.h"
#include "match/presearch_keys.h"
#include "text/analyzer.h"

namespace dateline::match {

void WordTable::Clear() {
  words_.clear();
  hashes_.clear();
  std::fill(std::begin(filter_), std::end(filter_), 0);
  std::fill(slots_.begin(), slots_.end(), 0);
}

void WordTable::Grow() {
  slots_.assign(slots_.empty() ? 64 : slots_.size() * 2, 0);
  const std::size_t mask = slots_.size() - 1;
  for (std::uint32_t id = 0; id < words_.size(); ++id) {
    std::size_t i = hashes_[id] & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = id + 1;
  }
}

std::uint32_t WordTable::Find(std::string_view word, std::uint64_t h) const {
  if (slots_.empty() || !MayContain(h)) return kMissing;
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = h & mask;; i = (i + 1) & mask) {
    const std::uint32_t s = slots_[i];
    if (s == 0) return kMissing;
    if (hashes_[s - 1] == h && words_[s - 1] == word) return s - 1;
  }
}

std::uint32_t WordTable::Intern(std::string_view word) {
  // Load factor at most 1/2 keeps probe chains short.
  if ((words_.size() + 1) * 2 > slots_.size()) Grow();
  const std::uint64_t h = Hash64(word);
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = h & mask;
  for (; slots_[i] != 0; i = (i + 1) & mask) {
    const std::uint32_t s = slots_[i];
    if (hashes_[s - 1] == h && words_[s - 1] == word) return s - 1;
  }
  const auto id = static_cast<std::uint32_t>(words_.size());
  filter_[(h >> 6) & 63] |= std::uint64_t{1} << (h & 63);
  filter_[(h >> 18) & 63] |= std::uint64_t{1} << ((h >> 12) & 63);
  words_.emplace_back(word);
  hashes_.push_back(h);
  slots_[i] = id + 1;
  return id;
}

void DecideTable::Reset(std::size_t n) {
  std::size_t size = 16;
  while (size < 2 * n) size *= 2;
  if (slots_.size() != size) {
    slots_.assign(size, Slot{0, kMissing});
  } else {
    for (Slot& s : slots_) s.value = kMissing;
  }
  mask_ = size - 1;
  count_ = 0;
  filter_.assign(size / 16, 0);
  filter_mask_ = filter_.size() - 1;
}

void DecideTable::Insert(std::uint64_t key, std::uint32_t value) {
  if (2 * (count_ + 1) > slots_.size()) {
    // Load factor at most 1/2: rehash into twice the slots.
    std::vector<Slot> old(2 * slots_.size(), Slot{0, kMissing});
    old.swap(slots_);
    mask_ = slots_.size() - 1;
    // At least one word: a table never Reset starts with one slot.
    filter_.assign(std::max<std::size_t>(1, slots_.size() / 16), 0);
    filter_mask_ = filter_.size() - 1;
    for (const Slot& s : old) {
      if (s.value == kMissing) continue;
      std::size_t i = Home(s.key);
      while (slots_[i].value != kMissing) i = (i + 1) & mask_;
      slots_[i] = s;
      FilterAdd(s.key);
    }
  }
  std::size_t i = Home(key);
  for (; slots_[i].value != kMissing; i = (i + 1) & mask_) {
    if (slots_[i].key == key) return;  // the first kind wins; kinds never share a key
  }
  slots_[i] = Slot{key, value};
  FilterAdd(key);
  ++count_;
}

std::string StoryLanguage(const Story& story) {
  std::string lang = text::PrimaryLanguage(story.language);
  if (!lang.empty()) return lang;
  std::string sample = story.headline;
  sample += '\n';
  sample += story.summary;
  for (const Block& b : story.body) {
    if (sample.size() > 4096) break;  // DetectLanguage reads no more
    sample += '\n';
    sample += b.text;
  }
  lang = text::DetectLanguage(sample);
  return lang.empty() ? std::string("und") : lang;
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

const std::string& CachedStem(std::string_view folded_word, std::string_view language) {
  return CachedStem(folded_word, language, Hash64(folded_word));
}

const std::string& CachedStem(std::string_view folded_word, std::string_view language, std::uint64_t word_hash) {
  // Open addressing over entries that never move (a deque: callers hold the returned stem), each
  // slot holding 32 bits of the hash beside the entry number, so a probe of another word rarely
  // reads its entry. Once full it stops growing and stems what it lacks each time: an open
  // vocabulary (numbers, names) cannot grow it without limit, and no call pays for clearing it.
  constexpr std::size_t kMaxEntries = 1 << 20;
  struct Entry {
    std::string language;
    std::string word;
    std::string stem;
  };
  thread_local std::deque<Entry> entries;
  thread_local std::vector<std::uint64_t> slots(1024, 0);  // hash >> 32 << 32 | entry + 1; 0 empty
  thread_local std::string uncached;
  thread_local std::string last_language;
  thread_local std::uint64_t language_mix = Hash64("") * 0x9e3779b97f4a7c15ULL;
  if (language != last_language) {
    last_language.assign(language);
    language_mix = Hash64(language) * 0x9e3779b97f4a7c15ULL;
  }
  const std::uint64_t h = word_hash ^ language_mix;
  const std::uint64_t tag = h >> 32 << 32;
  std::size_t mask = slots.size() - 1;
  std::size_t i = h & mask;
  for (; slots[i] != 0; i = (i + 1) & mask) {
    if ((slots[i] & ~std::uint64_t{0xffffffff}) != tag) continue;
    const Entry& e = entries[(slots[i] & 0xffffffff) - 1];
    if (e.word == folded_word && e.language == language) return e.stem;
  }
  if (entries.size() >= kMaxEntries) {
    uncached = text::Stem(folded_word, language);
    return uncached;
  }
  entries.push_back(Entry{std::string(language), std::string(folded_word), text::Stem(folded_word, language)});
  slots[i] = tag | entries.size();
  if (2 * entries.size() > slots.size()) {
    // Load factor at most 1/2: rehash into twice the slots (entries keep their numbers).
    std::vector<std::uint64_t> old(2 * slots.size(), 0);
    old.swap(slots);
    mask = slots.size() - 1;
    for (std::uint64_t s : old) {
      if (s == 0) continue;
      const Entry& e = entries[(s & 0xffffffff) - 1];
      std::size_t j = (Hash64(e.word) ^ (Hash64(e.language) * 0x9e3779b97f4a7c15ULL)) & mask;
      while (slots[j] != 0) j = (j + 1) & mask;
      slots[j] = s;
    }
  }
  return entries.back().stem;
}

namespace {

// Postings of a table of ids: a counting sort of positions by id.
void BuildPostings(const std::vector<std::uint32_t>& id_of, std::size_t ids,
                   std::vector<std::uint32_t>& offsets, std::vector<std::uint32_t>& positions) {
  offsets.assign(ids + 1, 0);
  for (std::uint32_t id : id_of) ++offsets[id + 1];
  for (std::size_t i = 1; i <= ids; ++i) offsets[i] += offsets[i - 1];
  positions.resize(id_of.size());
  std::vector<std::uint32_t> fill(offsets.begin(), offsets.end() - 1);
  for (std::uint32_t p = 0; p < id_of.size(); ++p) positions[fill[id_of[p]]++] = p;
}

}  // namespace

void BuildStoryView(const Story& story, StoryView& v, std::uint64_t prefix_lengths,
                    std::uint64_t field_prefix_lengths) {
  v.language = StoryLanguage(story);
  v.time_us = story.published_us != 0 ? story.published_us : story.received_us;
  v.exact_of.clear();
  v.stem_of.clear();
  v.paragraph_of.clear();
  v.exacts.Clear();
  v.stems.Clear();
  v.fields.clear();
  v.keys.clear();
  v.statistics_keys.clear();

  thread_local std::vector<text::Token> tokens;
  tokens.clear();
  std::uint32_t next = 0;
  std::uint32_t paragraph = 0;
  auto add_paragraph = [&](std::string_view text) {
    const std::size_t before = tokens.size();
    text::Tokenize(text, tokens, &next);
    for (std::size_t i = before; i < tokens.size(); ++i) {
      v.exact_of.push_back(v.exacts.Intern(tokens[i].exact));
      v.paragraph_of.push_back(paragraph);
    }
    ++paragraph;
  };
  add_paragraph(story.headline);
  v.headline_words = next;
  if (!story.summary.empty()) add_paragraph(story.summary);
  for (const Block& b : story.body) add_paragraph(b.text);

  // Stems once per distinct word.
  std::vector<std::uint32_t> stem_of_exact(v.exacts.size());
  for (std::uint32_t id = 0; id < v.exacts.size(); ++id) {
    stem_of_exact[id] = v.stems.Intern(CachedStem(v.exacts.word(id), v.language, v.exacts.hash(id)));
  }
  v.stem_of.resize(v.exact_of.size());
  for (std::size_t p = 0; p < v.exact_of.size(); ++p) v.stem_of[p] = stem_of_exact[v.exact_of[p]];
  BuildPostings(v.exact_of, v.exacts.size(), v.exact_offsets, v.exact_positions);
  BuildPostings(v.stem_of, v.stems.size(), v.stem_offsets, v.stem_positions);

  v.fields.emplace_back("source", text::Fold(story.source));
  v.fields.emplace_back("lang", v.language);
  v.fields.emplace_back("priority", std::string(PriorityName(story.priority)));
  for (const std::string& byline : story.bylines) {
    std::vector<text::Token> bw;
    std::uint32_t p = 0;
    text::Tokenize(byline, bw, &p);
    for (text::Token& t : bw) v.fields.emplace_back("author", std::move(t.exact));
  }
  for (const Tag& tag : story.tags) v.fields.emplace_back(text::Fold(tag.field), text::Fold(tag.value));
  std::sort(v.fields.begin(), v.fields.end());
  v.fields.erase(std::unique(v.fields.begin(), v.fields.end()), v.fields.end());

  // Exact words of each stem (matched terms of decided queries), by a counting sort.
  v.stem_exact_offsets.assign(v.stems.size() + 1, 0);
  for (std::uint32_t s : stem_of_exact) ++v.stem_exact_offsets[s + 1];
  for (std::size_t i = 1; i < v.stem_exact_offsets.size(); ++i) v.stem_exact_offsets[i] += v.stem_exact_offsets[i - 1];
  v.stem_exacts.resize(stem_of_exact.size());
  {
    std::vector<std::uint32_t> fill(v.stem_exact_offsets.begin(), v.stem_exact_offsets.end() - 1);
    for (std::uint32_t id = 0; id < stem_of_exact.size(); ++id) v.stem_exacts[fill[stem_of_exact[id]]++] = id;
  }

  const bool english = v.language == "en";
  v.decide.Reset(v.exacts.size() + (english ? v.stems.size() : 0) + v.fields.size() + v.exact_of.size());
  thread_local std::vector<std::uint64_t> word_keys;
  word_keys.resize(v.exacts.size());
  for (std::uint32_t id = 0; id < v.exacts.size(); ++id) {
    const std::uint64_t key = WordKey(v.exacts.word(id));
    word_keys[id] = key;
    v.keys.push_back(key);
    v.decide.Insert(key & ~kDecideFlags, DecideTable::kExact | id);
  }
  for (std::size_t p = 0; p + 1 < v.exact_of.size(); ++p) {
    v.decide.Insert(BigramDecideKey(word_keys[v.exact_of[p]], word_keys[v.exact_of[p + 1]]),
                    DecideTable::kBigram | static_cast<std::uint32_t>(p));
  }
  if (english) {
    for (std::uint32_t id = 0; id < v.stems.size(); ++id) {
      v.decide.Insert(StemDecideKey(v.stems.word(id)), DecideTable::kStem | id);
    }
  }
  for (const auto& [f, value] : v.fields) v.decide.Insert(FieldDecideKey(f, value), DecideTable::kField);
  v.decidable = v.exacts.size() <= DecideTable::kMaxPrefixId;
  for (std::uint32_t p = 0; p < v.headline_words && p < v.exact_of.size(); ++p) {
    v.decide.Insert(HeadlineExactDecideKey(v.exacts.word(v.exact_of[p])), DecideTable::kHeadlineExact | v.exact_of[p]);
    if (english) {
      v.decide.Insert(HeadlineStemDecideKey(v.stems.word(v.stem_of[p])), DecideTable::kHeadlineStem | v.stem_of[p]);
    }
  }
  for (std::uint32_t id = 0; id < v.stems.size(); ++id) v.keys.push_back(WordKey(v.stems.word(id)));
  for (const auto& [f, value] : v.fields) v.keys.push_back(FieldKey(f, value));
  v.statistics_keys = v.keys;
  auto wanted = [](std::uint64_t lengths, std::size_t k) {
    return (lengths & (std::uint64_t{1} << (k < 64 ? k : 0))) != 0;
  };
  if (prefix_lengths != 0) {
    for (std::uint32_t id = 0; id < v.exacts.size(); ++id) {
      const std::string& w = v.exacts.word(id);
      for (std::size_t k = 1; k <= w.size(); ++k) {
        if (!wanted(prefix_lengths, k)) continue;
        const std::uint64_t key = PrefixKey(std::string_view(w).substr(0, k));
        v.keys.push_back(key);
        if (k < 64 && v.decidable) {
          v.decide.Insert(key & ~kDecideFlags, DecideTable::kPrefix | static_cast<std::uint32_t>(k) << 22 | id);
        }
      }
    }
  }
  if (field_prefix_lengths != 0) {
    for (const auto& [f, value] : v.fields) {
      for (std::size_t k = 1; k <= value.size(); ++k) {
        if (wanted(field_prefix_lengths, k)) {
          v.keys.push_back(FieldPrefixKey(f, std::string_view(value).substr(0, k)));
        }
      }
    }
  }
  std::sort(v.keys.begin(), v.keys.end());
  v.keys.erase(std::unique(v.keys.begin(), v.keys.end()), v.keys.end());
}

}  // namespace dateline::match
