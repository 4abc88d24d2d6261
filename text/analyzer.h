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
  std::string exact;           // NFKC case-folded form ("Rates" -> "rates", "ＡＢＣ" -> "abc")
  std::uint32_t position = 0;  // word number in the analysed document/field, from 0
  std::uint32_t begin = 0;     // byte offsets of the original word in the input text
  std::uint32_t end = 0;
};

// NFKC_Casefold of `text` (ICU; plain lower-casing when `text` is ASCII): "ＡＢＣ" -> "abc",
// "Straße" -> "strasse". Each invalid UTF-8 byte becomes U+FFFD; nothing is read past the end.
// Thread-safe.
std::string Fold(std::string_view text);

// True if `language` (lower-case ISO 639-1, e.g. "en", "de") has a Snowball stemmer: ar ca da
// de el en es eu fi fr ga hi hu hy id it lt nb ne nl nn no pt ro ru sr sv ta tr yi.
bool HasStemmer(std::string_view language);

// Snowball stem of an already folded word for `language` ("rates" -> "rate"); the word itself
// when the language has no stemmer or the word is not valid UTF-8. Thread-safe (stemmers, and a
// small cache of recent stems, are per thread).
std::string Stem(std::string_view folded_word, std::string_view language);

// Language of `text` as an ISO 639-1 code ("en", "ja", "zh" ...), or "und" when it cannot be
// told (empty, too few letters, only numbers). Reads at most the first 4 KiB; any bytes are
// accepted. Thread-safe.
std::string DetectLanguage(std::string_view text);

// Normalises a BCP 47 tag to the primary ISO 639-1 subtag: "en-GB" -> "en", "EN" -> "en",
// "" -> "".
std::string PrimaryLanguage(std::string_view bcp47);

// Splits `text` into words and appends them to `out`, numbering positions from `*next_position`
// and advancing it. ASCII/Latin text takes a fast path; other scripts (Japanese, Chinese, Thai ...)
// use ICU word breaking. Thread-safe.
//
// Words are UAX #29 word segments (as ICU's word BreakIterator gives them, with its dictionaries
// for Chinese, Japanese and Thai) that hold a letter, digit, ideograph or kana: "U.S." -> "u.s",
// "Japan's" -> "japan's", "3.5%" -> "3.5", "1,000" -> "1,000", "e-mail" -> "e", "mail",
// "日本銀行" -> "日本", "銀行". Punctuation and symbols are not words. `exact` is Fold of the word's
// text, which is text.substr(begin, end - begin). Invalid UTF-8 bytes separate words. Text beyond
// 4 GiB is ignored.
void Tokenize(std::string_view text, std::vector<Token>& out, std::uint32_t* next_position);

// A word as Tokenize gives it, its folded form kept in FoldedWords::folded.
struct FoldedWord {
  std::uint32_t at = 0;        // folded.substr(at, size) is the Token's `exact`
  std::uint32_t size = 0;
  std::uint32_t position = 0;
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
};
// Words without a string each (indexing makes hundreds of millions): their folded forms back to
// back in one string.
struct FoldedWords {
  std::string folded;
  std::vector<FoldedWord> words;

  std::string_view exact(const FoldedWord& w) const {
    return std::string_view(folded).substr(w.at, w.size);
  }
};

// Tokenize appending to `out`: the same words, positions and offsets.
void Tokenize(std::string_view text, FoldedWords& out, std::uint32_t* next_position);

}  // namespace dateline::text
