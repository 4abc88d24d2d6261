#include "auth/totp.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdio>

#include "auth/secrets.h"

namespace dateline {
namespace {

const EVP_MD* Md(TotpAlgorithm a) {
  switch (a) {
    case TotpAlgorithm::kSha256: return EVP_sha256();
    case TotpAlgorithm::kSha512: return EVP_sha512();
    case TotpAlgorithm::kSha1: break;
  }
  return EVP_sha1();
}

std::string PercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace

std::string_view TotpAlgorithmName(TotpAlgorithm a) {
  switch (a) {
    case TotpAlgorithm::kSha256: return "SHA256";
    case TotpAlgorithm::kSha512: return "SHA512";
    case TotpAlgorithm::kSha1: break;
  }
  return "SHA1";
}

std::string GenerateTotpSecret() { return RandomBytes(kTotpSecretBytes); }

std::string Hotp(std::string_view key, std::uint64_t counter, int digits,
                 TotpAlgorithm algorithm) {
  unsigned char msg[8];
  for (int i = 7; i >= 0; --i) {
    msg[i] = static_cast<unsigned char>(counter & 0xff);
    counter >>= 8;
  }
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  if (HMAC(Md(algorithm), key.data(), static_cast<int>(key.size()), msg, sizeof msg, mac,
           &mac_len) == nullptr ||
      mac_len < 20) {
    return std::string();  // never matches a parsed code
  }
  const int offset = mac[mac_len - 1] & 0x0f;
  const std::uint32_t binary = (static_cast<std::uint32_t>(mac[offset] & 0x7f) << 24) |
                               (static_cast<std::uint32_t>(mac[offset + 1]) << 16) |
                               (static_cast<std::uint32_t>(mac[offset + 2]) << 8) |
                               static_cast<std::uint32_t>(mac[offset + 3]);
  if (digits < 6) digits = 6;
  if (digits > 9) digits = 9;
  std::uint32_t mod = 1;
  for (int i = 0; i < digits; ++i) mod *= 10;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%0*u", digits, binary % mod);
  return buf;
}

std::int64_t TotpStep(std::int64_t unix_seconds, const TotpParams& params) {
  if (unix_seconds < 0 || params.period_seconds <= 0) return 0;
  return unix_seconds / params.period_seconds;
}

std::string TotpAt(std::string_view key, std::int64_t unix_seconds, const TotpParams& params) {
  return Hotp(key, static_cast<std::uint64_t>(TotpStep(unix_seconds, params)), params.digits,
              params.algorithm);
}

std::optional<std::string> ParseTotpCode(std::string_view input, int digits) {
  if (input.size() > 32) return std::nullopt;
  std::string out;
  for (char c : input) {
    if (c == ' ' || c == '-') continue;
    if (c < '0' || c > '9') return std::nullopt;
    out.push_back(c);
  }
  if (static_cast<int>(out.size()) != digits) return std::nullopt;
  return out;
}

std::optional<std::int64_t> VerifyTotp(std::string_view key, std::string_view code,
                                       std::int64_t unix_seconds, std::int64_t last_accepted_step,
                                       const TotpParams& params, int window) {
  if (static_cast<int>(code.size()) != params.digits) return std::nullopt;
  const std::int64_t now_step = TotpStep(unix_seconds, params);
  std::optional<std::int64_t> match;
  // Every candidate is computed and compared, so the time does not reveal which one matched.
  for (std::int64_t step = now_step - window; step <= now_step + window; ++step) {
    if (step < 0) continue;
    const std::string expected =
        Hotp(key, static_cast<std::uint64_t>(step), params.digits, params.algorithm);
    if (ConstantTimeEquals(expected, code) && step > last_accepted_step && !match) match = step;
  }
  return match;
}

std::string OtpauthUri(std::string_view account, std::string_view secret_base32,
                       const TotpParams& params, std::string_view issuer) {
  std::string uri = "otpauth://totp/";
  uri += PercentEncode(issuer);
  uri += ':';
  uri += PercentEncode(account);
  uri += "?secret=";
  uri += secret_base32;
  uri += "&issuer=";
  uri += PercentEncode(issuer);
  uri += "&algorithm=";
  uri += TotpAlgorithmName(params.algorithm);
  uri += "&digits=" + std::to_string(params.digits);
  uri += "&period=" + std::to_string(params.period_seconds);
  return uri;
}

}  // namespace dateline
