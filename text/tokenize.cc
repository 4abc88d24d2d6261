// Tokenize: words with positions and byte offsets.
//
// Text is cut into runs at ASCII whitespace and at invalid UTF-8 bytes (UAX #29 always breaks
// there, so this changes no word). A run of ASCII and Latin letters (é, ß …) is split by
// LatinWords below, which implements the UAX #29 rules that these characters can trigger and so
// yields exactly ICU's words (word_break_test.cc checks this on Reuters text, with and without
// accents, and on random strings); any other run goes to ICU. Only words with a non-ASCII letter
// are folded with ICU.
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

#include "text/analyzer.h"
#include "text/ascii.h"
#include "text/utf8_decode.h"
#include "text/word_break.h"

namespace dateline::text {
namespace {

// UAX #29 Word_Break classes of the ASCII characters that matter for words.
enum class WordClass : std::uint8_t {
  kOther,
  kSpace,         // ends a run (handled by the caller)
  kLetter,        // ALetter: A-Z a-z
  kDigit,         // Numeric: 0-9
  kExtendNumLet,  // '_': joins letters and digits on either side (WB13a/b)
  kMidNumLet,     // '.' and '\'' between letters or between digits (WB6/7, WB11/12)
  kMidNum,        // ',' and ';' between digits (WB11/12)
};

constexpr std::array<WordClass, 128> MakeClassTable() {
  std::array<WordClass, 128> t{};
  for (char c = 'a'; c <= 'z'; ++c) t[static_cast<std::size_t>(c)] = WordClass::kLetter;
  for (char c = 'A'; c <= 'Z'; ++c) t[static_cast<std::size_t>(c)] = WordClass::kLetter;
  for (char c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = WordClass::kDigit;
  t['_'] = WordClass::kExtendNumLet;
  // ':' is MidLetter in UAX #29 but not in ICU's rules ("a:b" is two words), so it is Other.
  t['.'] = WordClass::kMidNumLet;
  t['\''] = WordClass::kMidNumLet;
  t[','] = WordClass::kMidNum;
  t[';'] = WordClass::kMidNum;
  for (char c : {' ', '\t', '\n', '\v', '\f', '\r'})
    t[static_cast<std::size_t>(c)] = WordClass::kSpace;
  return t;
}
constexpr std::array<WordClass, 128> kClass = MakeClassTable();

inline WordClass ClassOf(unsigned char c) { return kClass[c]; }

inline bool IsWordChar(WordClass c) {
  return c == WordClass::kLetter || c == WordClass::kDigit || c == WordClass::kExtendNumLet;
}

// Latin letters outside ASCII that Latin-script news uses (é, ü, ß, ł, ő, ș …): U+00C0-U+024F
// without × and ÷. UAX #29 classes all of them ALetter, like A-Z; all are two bytes in UTF-8.
inline bool IsLatinLetter(char32_t c) { return c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7; }

// Class and UTF-8 length of the character at p[k] in a run of ASCII and Latin letters only.
inline WordClass ClassAt(const char* p, std::size_t k, std::size_t* length) {
  const auto b = static_cast<unsigned char>(p[k]);
  if (b < 0x80) {
    *length = 1;
    return ClassOf(b);
  }
  *length = 2;
  return WordClass::kLetter;
}

// Words of the run [p + begin, p + end), which holds only ASCII and Latin letters (IsLatinLetter).
void LatinWords(const char* p, std::size_t begin, std::size_t end, std::vector<Token>& out,
                std::uint32_t* next_position) {
  std::size_t k = begin;
  while (k < end) {
    std::size_t len;
    WordClass cls = ClassAt(p, k, &len);
    if (!IsWordChar(cls)) {
      k += len;
      continue;
    }
    const std::size_t start = k;
    bool alnum = cls != WordClass::kExtendNumLet;
    bool ascii = len == 1;
    WordClass last = cls;  // class of the last character taken into the word
    k += len;
    while (k < end) {
      const WordClass c = ClassAt(p, k, &len);
      if (IsWordChar(c)) {
        // Letters, digits and '_' join in any order (WB5, WB8-10, WB13a/b).
        alnum |= c != WordClass::kExtendNumLet;
        ascii &= len == 1;
        last = c;
        k += len;
        continue;
      }
      if (k + 1 < end) {  // mid characters are ASCII: len == 1
        std::size_t next_len;
        const WordClass next = ClassAt(p, k + 1, &next_len);
        // A single mid character joins two letters (WB6/7) or two digits (WB11/12).
        const bool letters =
            last == WordClass::kLetter && next == WordClass::kLetter && c == WordClass::kMidNumLet;
        const bool digits = last == WordClass::kDigit && next == WordClass::kDigit &&
                            (c == WordClass::kMidNum || c == WordClass::kMidNumLet);
        if (letters || digits) {
          ascii &= next_len == 1;
          last = next;
          k += 1 + next_len;
          continue;
        }
      }
      break;
    }
    if (!alnum) continue;  // "___" is not a word
    Token& t = out.emplace_back();
    if (ascii) {
      t.exact.resize(k - start);
      for (std::size_t i = start; i < k; ++i) t.exact[i - start] = AsciiLower(p[i]);
    } else {
      t.exact = Fold(std::string_view(p + start, k - start));  // "Straße" -> "strasse"
    }
    t.position = (*next_position)++;
    t.begin = static_cast<std::uint32_t>(start);
    t.end = static_cast<std::uint32_t>(k);
  }
}

inline bool IsAsciiSpace(unsigned char c) { return c < 0x80 && ClassOf(c) == WordClass::kSpace; }

}  // namespace

void Tokenize(std::string_view text, std::vector<Token>& out, std::uint32_t* next_position) {
  // Offsets are 32-bit; nothing past 4 GiB is tokenized (no story comes near it).
  if (text.size() > std::numeric_limits<std::uint32_t>::max()) {
    text = text.substr(0, std::numeric_limits<std::uint32_t>::max());
  }
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    if (IsAsciiSpace(c)) {
      ++i;
      continue;
    }
    // One run: up to the next ASCII space or invalid byte.
    std::size_t j = i;
    bool latin = true;  // only ASCII and Latin letters so far
    while (j < n) {
      const unsigned char b = p[j];
      if (b < 0x80) {
        if (IsAsciiSpace(b)) break;
        ++j;
        continue;
      }
      const DecodedCodePoint d = DecodeUtf8(p + j, p + n);
      if (d.length == 0) break;
      latin = latin && IsLatinLetter(d.cp);
      j += d.length;
    }
    if (j > i) {
      if (latin) {
        LatinWords(text.data(), i, j, out, next_position);
      } else {
        TokenizeWithIcu(text.substr(i, j - i), static_cast<std::uint32_t>(i), out, next_position);
      }
      i = j;
    } else {
      ++i;  // an invalid byte: a separator, like U+FFFD
    }
  }
}

}  // namespace dateline::text
