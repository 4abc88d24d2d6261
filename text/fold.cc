// Fold: NFKC_Casefold, so that "Rates", "RATES", "ｒａｔｅｓ" and "rates" meet in the index.
#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/utypes.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "core/utf8.h"
#include "text/analyzer.h"
#include "text/ascii.h"
#include "text/utf8_decode.h"

namespace dateline::text {

std::string ReplaceInvalidUtf8(std::string_view text, std::string_view replacement) {
  std::string out;
  out.reserve(text.size());
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    const DecodedCodePoint d = DecodeUtf8(p, end);
    if (d.length == 0) {
      out.append(replacement);
      ++p;
    } else {
      out.append(reinterpret_cast<const char*>(p), d.length);
      p += d.length;
    }
  }
  return out;
}

namespace {

// News text writes "Japan’s" with U+2019 as often as "Japan's"; a reader types the ASCII one.
// Folding U+2019 and U+02BC (modifier letter apostrophe) to "'" makes both the same word (word
// breaking already treats them alike) and lets the stemmers, which know only "'", strip "'s".
std::string TypographicApostrophes(std::string s) {
  std::size_t at = 0;
  while ((at = s.find_first_of("\xE2\xCA", at)) != std::string::npos) {
    if (s.compare(at, 3, "\xE2\x80\x99") == 0) {
      s.replace(at, 3, "'");
    } else if (s.compare(at, 2, "\xCA\xBC") == 0) {
      s.replace(at, 2, "'");
    } else {
      ++at;
      continue;
    }
    ++at;
  }
  return s;
}

}  // namespace

std::string Fold(std::string_view text) {
  // Most news text is ASCII, where NFKC_Casefold is plain lower-casing.
  if (IsAscii(text)) return AsciiLower(text);

  std::string valid;
  if (!IsValidUtf8(text)) {
    valid = ReplaceInvalidUtf8(text, "\xEF\xBF\xBD");
    text = valid;
  }
  UErrorCode status = U_ZERO_ERROR;
  // The instance belongs to ICU and lives for the whole process; it is thread-safe.
  static const icu::Normalizer2* const kNfkcCasefold =
      icu::Normalizer2::getNFKCCasefoldInstance(status);
  if (kNfkcCasefold == nullptr) return std::string(text);  // ICU data missing: leave text as is
  std::string out;
  out.reserve(text.size());
  icu::StringByteSink<std::string> sink(&out);
  status = U_ZERO_ERROR;
  kNfkcCasefold->normalizeUTF8(0, icu::StringPiece(text.data(), static_cast<int32_t>(text.size())),
                               sink, nullptr, status);
  if (U_FAILURE(status)) return std::string(text);
  return TypographicApostrophes(std::move(out));
}

}  // namespace dateline::text
