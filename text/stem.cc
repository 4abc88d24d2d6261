// Stemming with Snowball (libstemmer), so that "rates" meets "rate" and "inflationary" meets
// "inflation".
#include <libstemmer.h>

#include <array>
#include <cstddef>
#include <functional>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/utf8.h"
#include "text/analyzer.h"
#include "text/snowball.h"

namespace dateline::text {
namespace {

struct LanguageAlgorithm {
  std::string_view language;  // ISO 639-1
  const char* algorithm;      // libstemmer name
};

// Every algorithm of libstemmer 2.2 that has an ISO 639-1 code ("porter", the older English
// stemmer, is left out: "english" is its successor).
constexpr LanguageAlgorithm kAlgorithms[] = {
    {"ar", "arabic"},     {"ca", "catalan"},   {"da", "danish"},     {"de", "german"},
    {"el", "greek"},      {"en", "english"},   {"es", "spanish"},    {"eu", "basque"},
    {"fi", "finnish"},    {"fr", "french"},    {"ga", "irish"},      {"hi", "hindi"},
    {"hu", "hungarian"},  {"hy", "armenian"},  {"id", "indonesian"}, {"it", "italian"},
    {"lt", "lithuanian"}, {"nb", "norwegian"}, {"ne", "nepali"},     {"nl", "dutch"},
    {"nn", "norwegian"},  {"no", "norwegian"}, {"pt", "portuguese"}, {"ro", "romanian"},
    {"ru", "russian"},    {"sr", "serbian"},   {"sv", "swedish"},    {"ta", "tamil"},
    {"tr", "turkish"},    {"yi", "yiddish"},
};

constexpr std::size_t kAlgorithmCount = std::size(kAlgorithms);

// Index into kAlgorithms, or kAlgorithmCount. Called once per word, so a plain loop over
// two-letter codes rather than a hash.
std::size_t AlgorithmIndex(std::string_view language) {
  if (language.size() != 2) return kAlgorithmCount;
  for (std::size_t i = 0; i < kAlgorithmCount; ++i) {
    if (kAlgorithms[i].language[0] == language[0] && kAlgorithms[i].language[1] == language[1]) {
      return i;
    }
  }
  return kAlgorithmCount;
}

struct StemmerDeleter {
  void operator()(sb_stemmer* s) const { sb_stemmer_delete(s); }
};
using StemmerPtr = std::unique_ptr<sb_stemmer, StemmerDeleter>;

// An sb_stemmer holds its working buffer, so it must not be shared between threads; each thread
// creates the stemmers it uses on first use.
sb_stemmer* ThreadStemmer(std::size_t index) {
  thread_local std::array<StemmerPtr, kAlgorithmCount> stemmers;
  StemmerPtr& stemmer = stemmers[index];
  if (!stemmer) stemmer.reset(sb_stemmer_new(kAlgorithms[index].algorithm, "UTF_8"));
  return stemmer.get();
}

// Words longer than this are rare and are stemmed without the cache.
constexpr std::size_t kMaxCachedWord = 40;
constexpr std::size_t kStemCacheSlots = 8192;  // a power of two

struct CachedStem {
  std::size_t algorithm = kAlgorithmCount;  // kAlgorithmCount: empty slot
  std::string word;
  std::string stem;
};

}  // namespace

bool HasStemmer(std::string_view language) { return AlgorithmIndex(language) != kAlgorithmCount; }

std::string StemWithSnowball(std::string_view folded_word, std::string_view language) {
  const std::size_t index = AlgorithmIndex(language);
  // Snowball's UTF-8 code assumes valid input; anything else is returned unchanged.
  if (index == kAlgorithmCount || folded_word.empty() || !IsValidUtf8(folded_word)) {
    return std::string(folded_word);
  }
  sb_stemmer* stemmer = ThreadStemmer(index);
  if (stemmer == nullptr) return std::string(folded_word);
  const sb_symbol* stem =
      sb_stemmer_stem(stemmer, reinterpret_cast<const sb_symbol*>(folded_word.data()),
                      static_cast<int>(folded_word.size()));
  if (stem == nullptr) return std::string(folded_word);  // out of memory
  return std::string(reinterpret_cast<const char*>(stem),
                     static_cast<std::size_t>(sb_stemmer_length(stemmer)));
}

std::string Stem(std::string_view folded_word, std::string_view language) {
  const std::size_t index = AlgorithmIndex(language);
  if (index == kAlgorithmCount || folded_word.empty()) return std::string(folded_word);
  if (folded_word.size() > kMaxCachedWord) return StemWithSnowball(folded_word, language);
  // Snowball takes ~150 ns a word; news vocabulary is so skewed that a small direct-mapped cache
  // per thread answers most words for the cost of a hash.
  thread_local std::vector<CachedStem> cache(kStemCacheSlots);
  const std::size_t h =
      std::hash<std::string_view>{}(folded_word) ^ (index * 0x9E3779B97F4A7C15ULL);
  CachedStem& slot = cache[h & (kStemCacheSlots - 1)];
  if (slot.algorithm != index || slot.word != folded_word) {
    slot.word.assign(folded_word);
    slot.stem = StemWithSnowball(folded_word, language);
    slot.algorithm = index;
  }
  return slot.stem;
}

}  // namespace dateline::text
