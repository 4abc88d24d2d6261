// libFuzzer target: the auth parsers that see untrusted input — base32 secrets, TOTP codes,
// API token and session token shapes, recovery code normalisation, scope lists.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/credentials.h"
#include "auth/encoding.h"
#include "auth/principal.h"
#include "auth/totp.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace dateline;
  std::string_view text(reinterpret_cast<const char*>(data), size);

  auto decoded = Base32Decode(text);
  if (decoded.ok()) {
    // What we accept must re-encode to something that decodes to the same bytes.
    auto again = Base32Decode(Base32Encode(*decoded));
    if (!again.ok() || *again != *decoded) __builtin_trap();
  }
  for (int digits : {6, 8}) {
    auto code = ParseTotpCode(text, digits);
    if (code && (code->size() != static_cast<std::size_t>(digits))) __builtin_trap();
  }
  if (auto token = ParseApiToken(text); token && token->size() != 46) __builtin_trap();
  (void)LooksLikeSessionToken(text);
  if (auto code = NormalizeRecoveryCode(text)) {
    if (code->size() != 14 || NormalizeRecoveryCode(*code) != code) __builtin_trap();
  }
  if (auto scopes = ParseScopes(text)) {
    if (ParseScopes(ScopesToString(*scopes)) != scopes) __builtin_trap();
  }
  (void)ParseRole(text);
  return 0;
}
