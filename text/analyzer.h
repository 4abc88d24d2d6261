// Text analysis shared by indexing, searching and alert matching: Unicode folding, word
// tokenization, stemming and language identification. The same Analyzer must be used on both
// sides (story text and query terms) so that a term typed in a query meets the form indexed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dateline::text {

// One word of analysed text.
struct Token {
  std::string exact;      // NFKC case-folded form ("Rates" -> "rates", "ＡＢＣ" -> "abc")
  std::uint32_t position = 0;  // word number in the analysed document/field, from 0
  std::uint32_t begin = 0;     // byte offsets of the original word in the input text
  std::uint32_t end = 0;
};

// NFKC_Casefold of `text` (ICU). Invalid UTF-8 is replaced by U+FFFD, never read past.
std::string Fold(std::string_view text);

// True if `language` (ISO 639-1, e.g. "en", "de") has a Snowball stemmer.
bool HasStemmer(std::string_view language);

// Snowball stem of an already folded word for `language`; the word itself when the language has
// no stemmer. Thread-safe (stemmers are per thread).
std::string Stem(std::string_view folded_word, std::string_view language);

// Language of `text` as an ISO 639-1 code ("en", "ja", ...), or "und" when it cannot be told.
std::string DetectLanguage(std::string_view text);

// Normalises a BCP 47 tag to the primary ISO 639-1 subtag: "en-GB" -> "en", "" -> "".
std::string PrimaryLanguage(std::string_view bcp47);

// Splits `text` into words and appends them to `out`, numbering positions from `*next_position`
// and advancing it. ASCII/Latin text takes a fast path; other scripts (Japanese, Chinese, Thai ...)
// use ICU word breaking. Thread-safe.
void Tokenize(std::string_view text, std::vector<Token>& out, std::uint32_t* next_position);

}  // namespace dateline::text
