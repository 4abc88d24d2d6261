// Stemming with Snowball (libstemmer), so that "rates" meets "rate" and "inflationary" meets
// "inflation".
#include <libstemmer.h>

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/utf8.h"
#include "text/analyzer.h"

namespace dateline::text {
namespace {

struct LanguageAlgorithm {
  std::string_view language;   // ISO 639-1
  const char* algorithm;       // libstemmer name
};

// Every algorithm of libstemmer 2.2 that has an ISO 639-1 code ("porter", the older English
// stemmer, is left out: "english" is its successor).
constexpr LanguageAlgorithm kAlgorithms[] = {
    {"ar", "arabic"},     {"ca", "catalan"},    {"da", "danish"},     {"de", "german"},
    {"el", "greek"},      {"en", "english"},    {"es", "spanish"},    {"eu", "basque"},
    {"fi", "finnish"},    {"fr", "french"},     {"ga", "irish"},      {"hi", "hindi"},
    {"hu", "hungarian"},  {"hy", "armenian"},   {"id", "indonesian"}, {"it", "italian"},
    {"lt", "lithuanian"}, {"nb", "norwegian"},  {"ne", "nepali"},     {"nl", "dutch"},
    {"nn", "norwegian"},  {"no", "norwegian"},  {"pt", "portuguese"}, {"ro", "romanian"},
    {"ru", "russian"},    {"sr", "serbian"},    {"sv", "swedish"},    {"ta", "tamil"},
    {"tr", "turkish"},    {"yi", "yiddish"},
};

const char* AlgorithmFor(std::string_view language) {
  for (const auto& entry : kAlgorithms) {
    if (entry.language == language) return entry.algorithm;
  }
  return nullptr;
}

struct StemmerDeleter {
  void operator()(sb_stemmer* s) const { sb_stemmer_delete(s); }
};
using StemmerPtr = std::unique_ptr<sb_stemmer, StemmerDeleter>;

// An sb_stemmer holds its working buffer, so it must not be shared between threads; each thread
// creates the stemmers it uses on first use. Keyed by algorithm so "no" and "nb" share one.
sb_stemmer* ThreadStemmer(const char* algorithm) {
  thread_local std::unordered_map<std::string_view, StemmerPtr> stemmers;
  auto it = stemmers.find(algorithm);
  if (it == stemmers.end()) {
    it = stemmers.emplace(algorithm, StemmerPtr(sb_stemmer_new(algorithm, "UTF_8"))).first;
  }
  return it->second.get();
}

}  // namespace

bool HasStemmer(std::string_view language) { return AlgorithmFor(language) != nullptr; }

std::string Stem(std::string_view folded_word, std::string_view language) {
  const char* algorithm = AlgorithmFor(language);
  // Snowball's UTF-8 code assumes valid input; anything else is returned unchanged.
  if (algorithm == nullptr || folded_word.empty() || !IsValidUtf8(folded_word)) {
    return std::string(folded_word);
  }
  sb_stemmer* stemmer = ThreadStemmer(algorithm);
  if (stemmer == nullptr) return std::string(folded_word);
  const sb_symbol* stem =
      sb_stemmer_stem(stemmer, reinterpret_cast<const sb_symbol*>(folded_word.data()),
                      static_cast<int>(folded_word.size()));
  if (stem == nullptr) return std::string(folded_word);  // out of memory
  return std::string(reinterpret_cast<const char*>(stem),
                     static_cast<std::size_t>(sb_stemmer_length(stemmer)));
}

}  // namespace dateline::text
