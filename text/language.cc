// Language identification and BCP 47 tags.
//
// DetectLanguage uses CLD2 (Debian libcld2): a compact n-gram and script classifier from
// Chromium, with its tables compiled in (no model file to ship), thread-safe, and fast enough to
// run on every ingested story (hundreds of MB/s). It tells the 83 most common languages apart,
// including every language Dateline can stem, Japanese and Chinese. libexttextcat was the other
// Debian candidate; it needs its fingerprint files at run time, is much slower, and is weaker on
// short texts.
#include <cstdio>  // compact_lang_det.h uses FILE without including it

#include <cld2/public/compact_lang_det.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "text/analyzer.h"
#include "text/utf8_decode.h"

namespace dateline::text {
namespace {

// Beyond this many bytes the verdict does not change; a limit keeps huge inputs cheap.
constexpr std::size_t kMaxDetectBytes = 16 * 1024;
// Fewer letters than this cannot be told apart reliably ("OK", "Re:", a name): "und".
constexpr int kMinLetters = 8;

// CLD2 refuses text that is not "interchange-valid" UTF-8 (invalid bytes, C0/C1 controls other
// than whitespace, noncharacters); those become spaces. Counts letters-ish code points on the way.
std::string CleanForCld2(std::string_view text, int* letters) {
  std::string out;
  out.reserve(text.size());
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    const DecodedCodePoint d = DecodeUtf8(p, end);
    const char32_t c = d.cp;
    const bool bad = d.length == 0 || (c < 0x20 && c != '\t' && c != '\n' && c != '\r') ||
                     (c >= 0x7F && c <= 0x9F) || (c >= 0xFDD0 && c <= 0xFDEF) ||
                     (c & 0xFFFE) == 0xFFFE;
    if (bad) {
      out.push_back(' ');
      p += d.length == 0 ? 1 : d.length;
      continue;
    }
    // Everything above U+00BF that is not punctuation-like counts roughly as a letter; the
    // threshold only has to keep out near-empty strings.
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= 0xC0 && !(c >= 0x2000 && c <= 0x2BFF) &&
                                                          !(c >= 0x3000 && c <= 0x303F) &&
                                                          !(c >= 0xFF00 && c <= 0xFF0F))) {
      ++*letters;
    }
    out.append(reinterpret_cast<const char*>(p), d.length);
    p += d.length;
  }
  return out;
}

}  // namespace

std::string DetectLanguage(std::string_view text) {
  if (text.size() > kMaxDetectBytes) {
    // Cut at a code point start so that the last character is not torn in half.
    std::size_t cut = kMaxDetectBytes;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    text = text.substr(0, cut);
  }
  int letters = 0;
  const std::string clean = CleanForCld2(text, &letters);
  if (letters < kMinLetters) return "und";
  bool reliable = false;
  int valid_prefix = 0;
  const CLD2::Language lang = CLD2::DetectLanguageCheckUTF8(
      clean.data(), static_cast<int>(clean.size()), /*is_plain_text=*/true, &reliable,
      &valid_prefix);
  if (lang == CLD2::UNKNOWN_LANGUAGE || lang == CLD2::TG_UNKNOWN_LANGUAGE) return "und";
  std::string code = PrimaryLanguage(CLD2::LanguageCode(lang));  // "zh-Hant" -> "zh"
  // CLD2 keeps a few withdrawn ISO 639 codes.
  if (code == "iw") return "he";
  if (code == "jw") return "jv";
  if (code.empty() || code == "un" || code == "xx") return "und";
  return code;
}

std::string PrimaryLanguage(std::string_view bcp47) {
  const std::size_t end = bcp47.find_first_of("-_");
  std::string_view primary = bcp47.substr(0, end);
  std::string out;
  out.reserve(primary.size());
  for (char c : primary) out.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c);
  return out;
}

}  // namespace dateline::text
