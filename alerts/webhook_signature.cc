#include "alerts/webhook_signature.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstdlib>

namespace dateline::alerts {
namespace {

std::string Hex(const unsigned char* bytes, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 15]);
  }
  return out;
}

}  // namespace

std::string HmacSha256Hex(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // An empty key is legal for HMAC, but OpenSSL wants a non-null pointer for it.
  static const unsigned char kEmpty = 0;
  const void* k = key.empty() ? static_cast<const void*>(&kEmpty) : key.data();
  if (HMAC(EVP_sha256(), k, static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac,
           &len) == nullptr) {
    std::abort();  // only on allocation failure inside OpenSSL
  }
  return Hex(mac, len);
}

std::string SignatureHeader(std::string_view secret, std::int64_t unix_seconds,
                            std::string_view body) {
  const std::string t = std::to_string(unix_seconds);
  std::string signed_text;
  signed_text.reserve(t.size() + 1 + body.size());
  signed_text.append(t).append(".").append(body);
  return "t=" + t + ",v1=" + HmacSha256Hex(secret, signed_text);
}

bool VerifySignatureHeader(std::string_view header, std::string_view secret, std::string_view body,
                           std::int64_t now_unix_seconds, std::int64_t tolerance_seconds) {
  std::string_view t;
  std::string_view v1;
  while (!header.empty()) {
    const std::size_t comma = header.find(',');
    std::string_view part = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    if (part.substr(0, 2) == "t=") t = part.substr(2);
    if (part.substr(0, 3) == "v1=") v1 = part.substr(3);
  }
  if (t.empty() || t.size() > 18 || v1.size() != 64) return false;
  std::int64_t ts = 0;
  for (char c : t) {
    if (c < '0' || c > '9') return false;
    ts = ts * 10 + (c - '0');
  }
  if (ts < now_unix_seconds - tolerance_seconds || ts > now_unix_seconds + tolerance_seconds) {
    return false;
  }
  const std::string expected = HmacSha256Hex(secret, std::string(t) + "." + std::string(body));
  return CRYPTO_memcmp(expected.data(), v1.data(), expected.size()) == 0;
}

std::string GenerateWebhookSecret() {
  unsigned char bytes[24];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    std::abort();  // no secret can be made safely without the CSPRNG
  }
  return "whsec_" + Hex(bytes, sizeof bytes);
}

}  // namespace dateline::alerts
