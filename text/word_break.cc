#include "text/word_break.h"

#include <unicode/brkiter.h>
#include <unicode/locid.h>
#include <unicode/uchar.h>
#include <unicode/utext.h>
#include <unicode/utf8.h>

#include <memory>
#include <string>
#include <utility>

#include "text/ascii.h"

namespace dateline::text {
namespace {

// Creating a BreakIterator loads rules and dictionaries (tens of microseconds), and one instance
// must not be shared between threads, so each thread keeps its own.
icu::BreakIterator* ThreadWordBreaker() {
  thread_local std::unique_ptr<icu::BreakIterator> breaker = [] {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::BreakIterator> bi(
        icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
    if (U_FAILURE(status)) bi.reset();
    return bi;
  }();
  return breaker.get();
}

// A segment is a word when it holds a letter (ideographs and kana are letters) or a digit;
// spaces, punctuation and symbols are not indexed.
bool HasWordCharacter(std::string_view segment) {
  const auto* s = reinterpret_cast<const std::uint8_t*>(segment.data());
  const auto n = static_cast<std::int32_t>(segment.size());
  std::int32_t i = 0;
  while (i < n) {
    UChar32 c;
    U8_NEXT(s, i, n, c);
    if (c >= 0 && u_isalnum(c)) return true;
  }
  return false;
}

void Emit(std::string_view word, std::uint32_t begin, std::vector<Token>& out,
          std::uint32_t* next_position) {
  std::string exact = IsAscii(word) ? AsciiLower(word) : Fold(word);
  // A word of default-ignorable letters alone (U+3164 HANGUL FILLER) folds to nothing.
  if (exact.empty()) return;
  Token& t = out.emplace_back();
  t.exact = std::move(exact);
  t.position = (*next_position)++;
  t.begin = begin;
  t.end = begin + static_cast<std::uint32_t>(word.size());
}

}  // namespace

void TokenizeWithIcu(std::string_view text, std::uint32_t base_offset, std::vector<Token>& out,
                     std::uint32_t* next_position) {
  if (text.empty()) return;
  icu::BreakIterator* breaker = ThreadWordBreaker();
  UErrorCode status = U_ZERO_ERROR;
  UText ut = UTEXT_INITIALIZER;
  utext_openUTF8(&ut, text.data(), static_cast<std::int64_t>(text.size()), &status);
  if (breaker != nullptr && U_SUCCESS(status)) breaker->setText(&ut, status);
  if (breaker == nullptr || U_FAILURE(status)) {
    // Without ICU data the whole run is one word rather than nothing at all.
    utext_close(&ut);
    if (HasWordCharacter(text)) Emit(text, base_offset, out, next_position);
    return;
  }
  // With a UTF-8 UText the boundaries are byte offsets into `text`.
  std::int32_t start = breaker->first();
  for (std::int32_t end = breaker->next(); end != icu::BreakIterator::DONE;
       start = end, end = breaker->next()) {
    std::string_view segment =
        text.substr(static_cast<std::size_t>(start), static_cast<std::size_t>(end - start));
    if (HasWordCharacter(segment)) {
      Emit(segment, base_offset + static_cast<std::uint32_t>(start), out, next_position);
    }
  }
  // The breaker keeps a shallow clone of `ut` that points into `text`; the next setText
  // replaces it, and nothing reads it before then.
  utext_close(&ut);
}

}  // namespace dateline::text
