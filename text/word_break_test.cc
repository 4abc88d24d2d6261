// The ASCII fast path of Tokenize against ICU word breaking on the same text, and Tokenize into
// FoldedWords against Tokenize into Tokens.
#include "text/word_break.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "core/utf8.h"
#include "text/analyzer.h"
#include "text/test_data.h"

namespace dateline::text {
namespace {

void ExpectSameTokens(std::string_view text) {
  std::vector<Token> fast;
  std::vector<Token> icu;
  std::uint32_t fast_next = 0;
  std::uint32_t icu_next = 0;
  Tokenize(text, fast, &fast_next);
  TokenizeWithIcu(text, 0, icu, &icu_next);
  ASSERT_EQ(fast_next, icu_next);
  ASSERT_EQ(fast.size(), icu.size());
  for (std::size_t i = 0; i < fast.size(); ++i) {
    ASSERT_EQ(fast[i].exact, icu[i].exact) << "at byte " << icu[i].begin;
    ASSERT_EQ(fast[i].begin, icu[i].begin) << icu[i].exact;
    ASSERT_EQ(fast[i].end, icu[i].end) << icu[i].exact;
    ASSERT_EQ(fast[i].position, icu[i].position);
  }
  // The same words into FoldedWords, appended after a word already there (a run taken back
  // from the fast path must leave that word as it was).
  FoldedWords folded;
  std::uint32_t folded_next = 7;
  Tokenize("Earlier", folded, &folded_next);
  ASSERT_EQ(folded_next, 8u);
  Tokenize(text, folded, &folded_next);
  ASSERT_EQ(folded_next, 8 + fast_next);
  ASSERT_EQ(folded.words.size(), 1 + fast.size());
  ASSERT_EQ(folded.exact(folded.words[0]), "earlier");
  std::uint32_t at = 7;
  for (std::size_t i = 0; i < fast.size(); ++i) {
    const FoldedWord& w = folded.words[i + 1];
    ASSERT_EQ(w.at, at) << fast[i].exact;  // back to back, in order
    at += w.size;
    ASSERT_EQ(folded.exact(w), fast[i].exact) << "at byte " << fast[i].begin;
    ASSERT_EQ(w.begin, fast[i].begin) << fast[i].exact;
    ASSERT_EQ(w.end, fast[i].end) << fast[i].exact;
    ASSERT_EQ(w.position, 8 + fast[i].position);
  }
  ASSERT_EQ(folded.folded.size(), at);
}

TEST(WordBreakTest, FastPathMatchesIcuOnHandPickedCases) {
  for (const char* text : {"U.S.",
                           "Japan's",
                           "3.5%",
                           "1,000",
                           "e-mail",
                           "a.b.c",
                           "1.2.3",
                           "a.1",
                           "1.a",
                           "a..b",
                           "1,,2",
                           "a:b",
                           "1:2",
                           "a;b",
                           "1;2",
                           "a'b'c",
                           "'tis",
                           "rock'n'roll",
                           "x_1",
                           "_",
                           "__a__",
                           "a_.b",
                           "1_,2",
                           "3.5.",
                           ".5",
                           "a.b.",
                           "A.B.C.",
                           "Q1/Q2",
                           "mid-1987",
                           "10-K",
                           "1.5-2.0",
                           "$1.5bln",
                           "4.5pct",
                           "a'1",
                           "1'a",
                           "1'2",
                           "a\tb\nc\rd\x0b"
                           "e\x0c"
                           "f",
                           "x\x01y\x7fz",
                           "a,b",
                           "1.a.2",
                           "USA.",
                           "AT&T",
                           "O'Neill's",
                           "(Reuters)",
                           "don't",
                           "Jan.1",
                           "1.Jan"}) {
    SCOPED_TRACE(text);
    ExpectSameTokens(text);
  }
}

TEST(WordBreakTest, FastPathMatchesIcuOnReuters) {
  const std::string text = ReutersSgm();
  ASSERT_GT(text.size(), 1'000'000u) << "missing " DATELINE_SHARED_DATA "/reuters21578";
  ASSERT_TRUE(IsValidUtf8(text));
  // Whole file at once, and line by line so that offsets and boundaries at text ends are checked
  // many times.
  ExpectSameTokens(text);
  std::size_t lines = 0;
  std::size_t start = 0;
  while (start < text.size() && lines < 20000) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    ExpectSameTokens(std::string_view(text).substr(start, end - start));
    if (::testing::Test::HasFatalFailure()) return;
    start = end + 1;
    ++lines;
  }
  EXPECT_EQ(lines, 20000u);
}

TEST(WordBreakTest, FastPathMatchesIcuOnRandomAscii) {
  // Short strings over the characters that take part in UAX #29's ASCII rules, so that every
  // combination of letters, digits, '_' and the mid characters occurs many times.
  const std::string alphabet = "aZ9_.',;:-/$% \n\t\x01";
  std::mt19937 rng(20240101);
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::uniform_int_distribution<int> length(1, 12);
  for (int i = 0; i < 100'000; ++i) {
    std::string text;
    for (int k = length(rng); k > 0; --k) text.push_back(alphabet[pick(rng)]);
    SCOPED_TRACE(::testing::PrintToString(text));
    ExpectSameTokens(text);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

TEST(WordBreakTest, FastPathMatchesIcuOnReutersWithAccents) {
  // Reuters text with accented Latin letters put in (and a few characters outside the fast path:
  // × and the capital sharp s), as in German, French or Polish copy.
  const std::string text = ReutersSgm();
  ASSERT_GT(text.size(), 1'000'000u);
  std::string accented;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == 'e' && i % 5 == 0) {
      accented += "é";
    } else if (c == 'U' && i % 3 == 0) {
      accented += "Ü";
    } else if (c == 's' && i % 11 == 0) {
      accented += "ß";
    } else if (c == 'l' && i % 7 == 0) {
      accented += "ł";
    } else if (c == 'x' && i % 13 == 0) {
      accented += "×";
    } else if (c == 'S' && i % 17 == 0) {
      accented += "ẞ";
    } else {
      accented += c;
    }
  }
  ExpectSameTokens(accented);
}

TEST(WordBreakTest, FastPathMatchesIcuOnRandomLatin) {
  // As above with Latin letters, characters that send a run to ICU (×, ẞ, a combining accent,
  // a Cyrillic letter), a soft hyphen, which UAX #29 ignores inside words, and invalid UTF-8 (a
  // stray continuation byte, a lead byte cut short), which separates words.
  const std::vector<std::string> alphabet = {"a", "Z", "9",        "_", ".",        "'", ",", ";",
                                             "-", " ", "\n",       "é", "ß",        "Ä", "ł", "ſ",
                                             "×", "ẞ", "\xCC\x81", "д", "\xC2\xAD", "ǀ",
                                             "\xBF", "\xC3"};
  std::mt19937 rng(20240102);
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::uniform_int_distribution<int> length(1, 10);
  for (int i = 0; i < 100'000; ++i) {
    std::string text;
    for (int k = length(rng); k > 0; --k) text += alphabet[pick(rng)];
    SCOPED_TRACE(::testing::PrintToString(text));
    ExpectSameTokens(text);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

}  // namespace
}  // namespace dateline::text
