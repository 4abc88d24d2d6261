// Internal to text/: invalid UTF-8 made safe for ICU (the decoder itself is core/utf8.h's
// DecodeUtf8, shared by the tokenizer, Fold and language id).
#pragma once

#include <string>
#include <string_view>

#include "core/utf8.h"

namespace dateline::text {

// `text` with every invalid byte replaced by `replacement` (U+FFFD in UTF-8, or a space).
std::string ReplaceInvalidUtf8(std::string_view text, std::string_view replacement);

}  // namespace dateline::text
