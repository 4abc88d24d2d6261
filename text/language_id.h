// The two stages of DetectLanguage, for tests: a quick test for English prose, then CLD2.
#pragma once

#include <string>
#include <string_view>

namespace dateline::text {

// True when `text` is clearly English prose (English function words are a large share of its
// words). Never true for text CLD2 would call another language (language_test.cc checks this on
// Reuters and BBC stories).
bool LooksEnglish(std::string_view text);

// CLD2's verdict on `text` (any bytes), as an ISO 639-1 code or "und".
std::string DetectLanguageWithCld2(std::string_view text);

}  // namespace dateline::text
