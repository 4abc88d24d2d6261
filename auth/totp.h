// One-time passwords: HOTP (RFC 4226) and TOTP (RFC 6238) over OpenSSL HMAC, plus the
// otpauth:// URI that authenticator apps scan.
//
// These are pure functions (thread-safe, no clock, no storage). Replay protection is the
// caller's job: VerifyTotp takes the last accepted time step and only accepts later ones;
// AuthService stores that step per user.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace dateline {

enum class TotpAlgorithm { kSha1, kSha256, kSha512 };

std::string_view TotpAlgorithmName(TotpAlgorithm a);  // "SHA1", "SHA256", "SHA512"

struct TotpParams {
  TotpAlgorithm algorithm = TotpAlgorithm::kSha1;
  int digits = 6;            // 6 or 8
  int period_seconds = 30;
};

// Number of random bytes in a new secret (160 bits, RFC 4226's recommendation).
inline constexpr std::size_t kTotpSecretBytes = 20;

// A new random secret (raw bytes; Base32Encode it for display).
std::string GenerateTotpSecret();

// RFC 4226 HOTP value of `counter` under `key`, zero-padded to `digits` (6..9) characters.
std::string Hotp(std::string_view key, std::uint64_t counter, int digits,
                 TotpAlgorithm algorithm = TotpAlgorithm::kSha1);

// The time step containing `unix_seconds` (floor(t / period)). Negative times give step 0.
std::int64_t TotpStep(std::int64_t unix_seconds, const TotpParams& params = TotpParams());

// The TOTP code at `unix_seconds`.
std::string TotpAt(std::string_view key, std::int64_t unix_seconds,
                   const TotpParams& params = TotpParams());

// Normalises user input into a code: spaces and hyphens are removed ("123 456" → "123456"),
// then exactly params.digits ASCII digits must remain. nullopt otherwise.
std::optional<std::string> ParseTotpCode(std::string_view input, int digits = 6);

// Checks `code` (already parsed) against the steps current-window .. current+window and returns
// the matching step, provided it is greater than `last_accepted_step` (so a code is never
// accepted twice, nor an older one after a newer). Pass -1 when no code was accepted yet.
// Comparison is constant-time per candidate.
std::optional<std::int64_t> VerifyTotp(std::string_view key, std::string_view code,
                                       std::int64_t unix_seconds, std::int64_t last_accepted_step,
                                       const TotpParams& params = TotpParams(), int window = 1);

// otpauth://totp/ISSUER:ACCOUNT?secret=BASE32&issuer=ISSUER&algorithm=SHA1&digits=6&period=30
// (issuer and account are percent-encoded).
std::string OtpauthUri(std::string_view account, std::string_view secret_base32,
                       const TotpParams& params = TotpParams(),
                       std::string_view issuer = "Dateline");

}  // namespace dateline
