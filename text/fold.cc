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
  return out;
}

}  // namespace dateline::text
