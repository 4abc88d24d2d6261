// ICU word breaking: the path Tokenize takes for text that is not ASCII (Latin with accents,
// Cyrillic, Greek, and scripts without spaces such as Japanese, Chinese and Thai, which ICU splits
// with its dictionaries). Also the reference that the ASCII fast path is tested against.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "text/analyzer.h"

namespace dateline::text {

// Appends the words of `text`, which must be valid UTF-8, found by ICU's root-locale word
// BreakIterator (UAX #29 plus dictionaries). Only segments holding a letter, digit, ideograph or
// kana are words; each is folded. Offsets are relative to `text` plus `base_offset`. Thread-safe
// (one cached BreakIterator per thread).
void TokenizeWithIcu(std::string_view text, std::uint32_t base_offset, std::vector<Token>& out,
                     std::uint32_t* next_position);

}  // namespace dateline::text
