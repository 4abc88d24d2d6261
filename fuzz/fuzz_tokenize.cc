// libFuzzer target: the text analyzer (Tokenize, Fold, DetectLanguage, Stem) on arbitrary bytes.
// Offsets must stay inside the input, positions must count up by one, a token's text must fold
// to the token, and the words tokenized into one string (FoldedWords) must be the tokens.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/utf8.h"
#include "text/analyzer.h"
#include "text/language_id.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  namespace t = dateline::text;

  std::vector<t::Token> tokens;
  std::uint32_t next = 5;
  t::Tokenize(text, tokens, &next);
  if (next != 5 + tokens.size()) __builtin_trap();
  std::uint32_t last_end = 0;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const t::Token& token = tokens[i];
    if (token.position != 5 + i) __builtin_trap();
    if (token.begin >= token.end || token.end > size || token.begin < last_end) __builtin_trap();
    last_end = token.end;
    if (token.exact.empty() || !dateline::IsValidUtf8(token.exact)) __builtin_trap();
    if (t::Fold(text.substr(token.begin, token.end - token.begin)) != token.exact) __builtin_trap();
    (void)t::Stem(token.exact, "en");
  }
  // The same words into one string of folded forms (what indexing uses), after a word already
  // there.
  t::FoldedWords words;
  std::uint32_t folded_next = 0;
  t::Tokenize("First", words, &folded_next);
  t::Tokenize(text, words, &folded_next);
  if (words.words.size() != 1 + tokens.size() || folded_next != 1 + tokens.size()) {
    __builtin_trap();
  }
  if (words.exact(words.words[0]) != "first") __builtin_trap();
  std::size_t at = 5;  // the forms lie back to back: nothing is left of a run taken back
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const t::FoldedWord& w = words.words[i + 1];
    if (w.at != at || words.exact(w) != tokens[i].exact || w.begin != tokens[i].begin ||
        w.end != tokens[i].end || w.position != tokens[i].position - 4) {
      __builtin_trap();
    }
    at += w.size;
  }
  if (words.folded.size() != at) __builtin_trap();

  const std::string folded = t::Fold(text);
  if (!dateline::IsValidUtf8(folded)) __builtin_trap();
  const std::string lang = t::DetectLanguage(text);
  if (lang.empty()) __builtin_trap();  // a code or "und", never nothing
  (void)t::DetectLanguageWithCld2(text.substr(0, 4096));
  (void)t::Stem(text, "de");
  (void)t::PrimaryLanguage(text);
  return 0;
}
