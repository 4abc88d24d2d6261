#include "auth/credentials.h"

#include "auth/encoding.h"
#include "auth/secrets.h"

namespace dateline {
namespace {
bool IsBase64Url(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}
}  // namespace

std::string NewSessionToken() { return Base64UrlEncode(RandomBytes(kTokenRandomBytes)); }

std::string NewApiToken() {
  return std::string(kApiTokenPrefix) + Base64UrlEncode(RandomBytes(kTokenRandomBytes));
}

std::string NewRecoveryCode() {
  std::string raw = RandomString(12, kRecoveryAlphabet);
  return raw.substr(0, 4) + "-" + raw.substr(4, 4) + "-" + raw.substr(8, 4);
}

bool LooksLikeSessionToken(std::string_view s) {
  if (s.size() != kTokenBase64Chars) return false;
  for (char c : s) {
    if (!IsBase64Url(c)) return false;
  }
  return true;
}

std::optional<std::string_view> ParseApiToken(std::string_view s) {
  if (s.size() != kApiTokenPrefix.size() + kTokenBase64Chars) return std::nullopt;
  if (s.substr(0, kApiTokenPrefix.size()) != kApiTokenPrefix) return std::nullopt;
  if (!LooksLikeSessionToken(s.substr(kApiTokenPrefix.size()))) return std::nullopt;
  return s;
}

std::optional<std::string> NormalizeRecoveryCode(std::string_view s) {
  if (s.size() > 64) return std::nullopt;
  std::string raw;
  for (char c : s) {
    if (c == ' ' || c == '-') continue;
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (kRecoveryAlphabet.find(c) == std::string_view::npos) return std::nullopt;
    raw.push_back(c);
  }
  if (raw.size() != 12) return std::nullopt;
  return raw.substr(0, 4) + "-" + raw.substr(4, 4) + "-" + raw.substr(8, 4);
}

}  // namespace dateline
