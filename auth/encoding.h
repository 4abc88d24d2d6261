// Text encodings used by auth: RFC 4648 base32 (TOTP secrets), base64url without padding
// (session and API tokens) and lowercase hex (stored hashes, ids).
//
// All functions are pure and thread-safe. Decoders never read past `text` and return an error
// instead of partial output.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace dateline {

// RFC 4648 base32 with the standard alphabet A-Z2-7, upper case, without '=' padding
// (what authenticator apps expect in otpauth:// URIs).
std::string Base32Encode(std::string_view bytes);

// Decodes RFC 4648 base32. Case-insensitive; spaces and trailing '=' padding are ignored.
// Errors (kInvalidArgument, field "secret"): a character outside the alphabet, a length that no
// byte string encodes to (1, 3 or 6 characters in the last group), or non-zero unused bits.
Result<std::string> Base32Decode(std::string_view text);

// base64url (RFC 4648 §5) without padding.
std::string Base64UrlEncode(std::string_view bytes);

// Lowercase hexadecimal.
std::string HexEncode(std::string_view bytes);

}  // namespace dateline
