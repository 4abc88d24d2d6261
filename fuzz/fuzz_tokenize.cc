// libFuzzer target: the text analyzer (Tokenize, Fold, DetectLanguage, Stem) on arbitrary bytes.
// Offsets must stay inside the input, positions must count up by one, and a token's text must
// fold to the token.
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

  const std::string folded = t::Fold(text);
  if (!dateline::IsValidUtf8(folded)) __builtin_trap();
  const std::string lang = t::DetectLanguage(text);
  if (lang.empty()) __builtin_trap();  // a code or "und", never nothing
  (void)t::DetectLanguageWithCld2(text.substr(0, 4096));
  (void)t::Stem(text, "de");
  (void)t::PrimaryLanguage(text);
  return 0;
}
