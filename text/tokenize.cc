// Tokenize: words with positions and byte offsets.
//
// Text is cut into runs at ASCII whitespace and at invalid UTF-8 bytes (UAX #29 always breaks
// there, so this changes no word). A run of ASCII and Latin letters (é, ß …) is split by
// LatinWords below, in the same pass that finds the run's end. It implements the UAX #29 rules
// that these characters can trigger and so yields exactly ICU's words (word_break_test.cc checks
// this on Reuters text, with and without accents, and on random strings). Any other run is taken
// back and goes to ICU. Only words with a non-ASCII letter are folded with ICU.
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "text/analyzer.h"
#include "text/ascii.h"
#include "text/utf8_decode.h"
#include "text/word_break.h"

namespace dateline::text {
namespace {

// UAX #29 Word_Break classes of the characters the fast path meets. The three that make words
// come first, so that one comparison tells a word character.
enum class WordClass : std::uint8_t {
  kLetter,        // ALetter: A-Z a-z, and the Latin letters of IsLatinLetter
  kDigit,         // Numeric: 0-9
  kExtendNumLet,  // '_': joins letters and digits on either side (WB13a/b)
  kMidNumLet,     // '.' and '\'' between letters or between digits (WB6/7, WB11/12)
  kMidNum,        // ',' and ';' between digits (WB11/12)
  kOther,
  kSpace,    // ASCII whitespace: ends a run
  kInvalid,  // a byte that starts no valid UTF-8 character: ends a run
  kForeign,  // any other character: the run it is in goes to ICU
};

constexpr std::array<WordClass, 128> MakeClassTable() {
  std::array<WordClass, 128> t{};
  t.fill(WordClass::kOther);
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

inline bool IsWordChar(WordClass c) { return c <= WordClass::kExtendNumLet; }

// Latin letters outside ASCII that Latin-script news uses (é, ü, ß, ł, ő, ș …): U+00C0-U+024F
// without × and ÷. UAX #29 classes all of them ALetter, like A-Z; all are two bytes in UTF-8.
inline bool IsLatinLetter(char32_t c) { return c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7; }

// Class and UTF-8 length of the character at p[k], k < n.
inline WordClass ClassAt(const unsigned char* p, std::size_t k, std::size_t n,
                         std::size_t* length) {
  if (p[k] < 0x80) {
    *length = 1;
    return kClass[p[k]];
  }
  const DecodedCodePoint d = DecodeUtf8(p + k, p + n);
  *length = d.length;
  if (d.length == 0) return WordClass::kInvalid;
  return IsLatinLetter(d.cp) ? WordClass::kLetter : WordClass::kForeign;
}

// Appends the words of the run that starts at *k (not a space) and ends before the next ASCII
// space, invalid byte or the end of the text, leaving *k at that end; false as soon as the run
// holds a character other than ASCII and Latin letters (the caller then takes the run back and
// hands it to ICU). One pass over the bytes: runs of other scripts are rare in news copy.
template <typename Sink>
bool LatinWords(const unsigned char* p, std::size_t n, std::size_t* k_io, Sink& out,
                std::uint32_t* next_position) {
  std::size_t k = *k_io;
  while (k < n) {
    std::size_t len;
    const WordClass cls = ClassAt(p, k, n, &len);
    if (!IsWordChar(cls)) {
      if (cls == WordClass::kSpace || cls == WordClass::kInvalid) break;
      if (cls == WordClass::kForeign) return false;
      k += len;
      continue;
    }
    const std::size_t start = k;
    bool alnum = cls != WordClass::kExtendNumLet;
    bool ascii = len == 1;
    WordClass last = cls;  // class of the last character taken into the word
    k += len;
    while (k < n) {
      const WordClass c = ClassAt(p, k, n, &len);
      if (IsWordChar(c)) {
        // Letters, digits and '_' join in any order (WB5, WB8-10, WB13a/b).
        alnum |= c != WordClass::kExtendNumLet;
        ascii &= len == 1;
        last = c;
        k += len;
        continue;
      }
      if ((c == WordClass::kMidNumLet || c == WordClass::kMidNum) && k + 1 < n) {
        std::size_t next_len;
        const WordClass next = ClassAt(p, k + 1, n, &next_len);
        // A single mid character joins two letters (WB6/7) or two digits (WB11/12).
        const bool letters =
            last == WordClass::kLetter && next == WordClass::kLetter && c == WordClass::kMidNumLet;
        const bool digits = last == WordClass::kDigit && next == WordClass::kDigit;
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
    const std::string_view word(reinterpret_cast<const char*>(p) + start, k - start);
    out.Add(word, ascii, (*next_position)++, static_cast<std::uint32_t>(start),
            static_cast<std::uint32_t>(k));
  }
  *k_io = k;
  return true;
}

// The end of the run that starts at i: the next ASCII space or invalid byte, or n.
std::size_t RunEnd(const unsigned char* p, std::size_t i, std::size_t n) {
  while (i < n) {
    std::size_t len;
    const WordClass cls = ClassAt(p, i, n, &len);
    if (cls == WordClass::kSpace || cls == WordClass::kInvalid) break;
    i += len;
  }
  return i;
}

// Where the words go: a Token each, with its own string.
class TokenSink {
 public:
  explicit TokenSink(std::vector<Token>& out) : out_(out) {}
  void Add(std::string_view word, bool ascii, std::uint32_t position, std::uint32_t begin,
           std::uint32_t end) {
    Token& t = out_.emplace_back();
    if (ascii) {
      t.exact.assign(word);
      AsciiLowerInPlace(t.exact.data(), t.exact.size());
    } else {
      t.exact = Fold(word);  // "Straße" -> "strasse"
    }
    t.position = position;
    t.begin = begin;
    t.end = end;
  }
  std::size_t Mark() const { return out_.size(); }
  void Rollback(std::size_t mark) { out_.resize(mark); }
  void Icu(std::string_view run, std::uint32_t base, std::uint32_t* next_position) {
    TokenizeWithIcu(run, base, out_, next_position);
  }

 private:
  std::vector<Token>& out_;
};

// Where the words go: folded forms back to back in one string (FoldedWords).
class FoldedSink {
 public:
  explicit FoldedSink(FoldedWords& out) : out_(out) {}
  void Add(std::string_view word, bool ascii, std::uint32_t position, std::uint32_t begin,
           std::uint32_t end) {
    if (!ascii) {
      Append(Fold(word), position, begin, end);
      return;
    }
    FoldedWord& w = Append(word, position, begin, end);
    AsciiLowerInPlace(out_.folded.data() + w.at, w.size);
  }
  std::size_t Mark() const { return out_.words.size(); }
  void Rollback(std::size_t mark) {
    if (mark < out_.words.size()) out_.folded.resize(out_.words[mark].at);
    out_.words.resize(mark);
  }
  void Icu(std::string_view run, std::uint32_t base, std::uint32_t* next_position) {
    icu_.clear();  // other scripts are rare: their words are made as Tokens, then copied
    TokenizeWithIcu(run, base, icu_, next_position);
    for (const Token& t : icu_) Append(t.exact, t.position, t.begin, t.end);
  }

 private:
  // Appends a word whose form is `form` (the caller may still fold it in place).
  FoldedWord& Append(std::string_view form, std::uint32_t position, std::uint32_t begin,
                     std::uint32_t end) {
    FoldedWord& w = out_.words.emplace_back();
    w.at = static_cast<std::uint32_t>(out_.folded.size());
    w.size = static_cast<std::uint32_t>(form.size());
    out_.folded += form;
    w.position = position;
    w.begin = begin;
    w.end = end;
    return w;
  }

  FoldedWords& out_;
  std::vector<Token> icu_;
};

template <typename Sink>
void TokenizeInto(std::string_view text, Sink& out, std::uint32_t* next_position) {
  // Offsets are 32-bit; nothing past 4 GiB is tokenized (no story comes near it).
  if (text.size() > std::numeric_limits<std::uint32_t>::max()) {
    text = text.substr(0, std::numeric_limits<std::uint32_t>::max());
  }
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    std::size_t len;
    const WordClass cls = ClassAt(p, i, n, &len);
    if (cls == WordClass::kSpace || cls == WordClass::kInvalid) {
      i += std::max<std::size_t>(len, 1);  // an invalid byte is a separator, like U+FFFD
      continue;
    }
    const std::size_t words_before = out.Mark();
    const std::uint32_t position_before = *next_position;
    std::size_t j = i;
    if (!LatinWords(p, n, &j, out, next_position)) {
      out.Rollback(words_before);
      *next_position = position_before;
      j = RunEnd(p, i, n);
      out.Icu(text.substr(i, j - i), static_cast<std::uint32_t>(i), next_position);
    }
    i = j;
  }
}

}  // namespace

void Tokenize(std::string_view text, std::vector<Token>& out, std::uint32_t* next_position) {
  TokenSink sink(out);
  TokenizeInto(text, sink, next_position);
}

void Tokenize(std::string_view text, FoldedWords& out, std::uint32_t* next_position) {
  FoldedSink sink(out);
  TokenizeInto(text, sink, next_position);
}

}  // namespace dateline::text
