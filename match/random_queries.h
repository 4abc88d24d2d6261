// Random query strings in the query language, drawn from the real vocabulary of a corpus: words
// (at their corpus frequency), bigrams, field values and times of real stories. Used by the
// differential test (every operator, nested) and by the alerts benchmark (a realistic mix of
// standing queries). Strings go through query::Parse like a user's would.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "core/story.h"

namespace dateline::match {

struct Vocabulary {
  std::vector<std::string> words;  // folded words, repeated by frequency (capped per word)
  std::vector<std::string> distinct_words;
  std::vector<std::string> content_words;  // `words` without the 500 most frequent (the, said, ...)
  // Content words that occur at most kSelectiveMaxOccurrences times in the corpus (names, places,
  // products, specific terms: what a kept alert names), repeated like `words`.
  std::vector<std::string> selective_words;
  std::vector<std::pair<std::string, std::string>> bigrams;
  std::vector<std::pair<std::string, std::string>> content_bigrams;  // neither word a stop word
  std::vector<std::pair<std::string, std::string>> fields;  // folded (field, value) of stories
  std::int64_t min_time = 0;
  std::int64_t max_time = 0;
};

inline constexpr int kSelectiveMaxOccurrences = 50;

// Words that the lexer would read as something else ('(' ':' '*' ...) are left out.
Vocabulary BuildVocabulary(const std::vector<Story>& stories, std::uint32_t seed);

class RandomQueries {
 public:
  // `selective`: alerts name only selective_words (Alert, ContentWord), so each fires about as
  // rarely as a saved alert someone keeps; otherwise any content word.
  RandomQueries(const Vocabulary& v, std::uint32_t seed, bool selective = false)
      : v_(v), rng_(seed), selective_(selective && !v.selective_words.empty()) {}

  // Any operator, nested up to a few levels, including pure negations, `*`, scopes, ranges,
  // since:, field prefixes and proximity over ORs: for differential testing.
  std::string Any();

  // A standing alert as people write them: mostly 1-5 word ANDs, phrases, companies (a name as a
  // phrase or a ticker: field), ORs of 10-50 words narrowed by a word or a company, some NEAR,
  // negations and field filters. `companies` are (ticker, name) pairs, e.g. the S&P 500.
  using Companies = std::vector<std::pair<std::string, std::string>>;
  std::string Alert(const Companies& companies);

  // An OR of NEAR pairs about `chars` characters long (Bloomberg's longest stored searches).
  std::string Long(std::size_t chars);

  std::string Word();
  std::string ContentWord();  // what alerts are written with: no stop words
  std::string Bigram();
  std::string ContentBigram();

 private:
  std::string Date();
  std::string Text(int depth, bool allow_scope);
  std::string Operand();
  std::string Field();
  std::string Expr(int depth);
  std::size_t Pick(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }

  const Vocabulary& v_;
  std::mt19937_64 rng_;
  bool selective_ = false;
};

}  // namespace dateline::match
