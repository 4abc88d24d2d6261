// Formats of the bearer secrets auth hands out, and their parsers (which see untrusted input and
// are fuzzed in fuzz/fuzz_auth_parsers.cc). Pure functions, thread-safe.
//
//   session token   base64url(32 random bytes)            43 characters, in a cookie
//   CSRF token      base64url(32 random bytes)            43 characters, in a header
//   API token       "dl_" + base64url(32 random bytes)    46 characters, Authorization: Bearer
//   recovery code   xxxx-xxxx-xxxx over a 31-letter alphabet without look-alikes (≈ 59 bits)
//
// Only SHA-256 hashes of these are stored (they are high-entropy, so a fast hash suffices).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace dateline {

inline constexpr std::string_view kApiTokenPrefix = "dl_";
inline constexpr std::size_t kTokenRandomBytes = 32;
inline constexpr std::size_t kTokenBase64Chars = 43;  // base64url of 32 bytes, no padding
inline constexpr std::string_view kRecoveryAlphabet = "abcdefghjkmnpqrstuvwxyz23456789";

std::string NewSessionToken();  // also used for CSRF tokens
std::string NewApiToken();
std::string NewRecoveryCode();

// True when `s` is exactly 43 base64url characters (the shape of a session or CSRF token).
bool LooksLikeSessionToken(std::string_view s);

// Checks the shape of an API token ("dl_" + 43 base64url characters) and returns it unchanged;
// nullopt otherwise. Surrounding whitespace is not accepted (the caller strips the header).
std::optional<std::string_view> ParseApiToken(std::string_view s);

// Normalises a typed recovery code: case-folded, spaces and hyphens removed, then exactly 12
// characters of kRecoveryAlphabet must remain; returns them as "xxxx-xxxx-xxxx". nullopt
// otherwise. Inputs longer than 64 bytes are refused.
std::optional<std::string> NormalizeRecoveryCode(std::string_view s);

}  // namespace dateline
