// Webhook signatures: how a receiver knows a POST came from this Dateline and was not replayed.
//
//   X-Dateline-Signature: t=1767225600,v1=5f2b…(64 hex)
//
// v1 is the lowercase hex HMAC-SHA256, keyed with the alert's webhook secret, of the string
// "<t>.<body>": the decimal Unix time of the attempt, a dot, and the exact request body bytes.
// A receiver recomputes it, compares in constant time, and rejects a t too far from its own
// clock (docs/alerts.md has a verification example).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace dateline::alerts {

// Lowercase hex HMAC-SHA256 of `data` keyed with `key`.
std::string HmacSha256Hex(std::string_view key, std::string_view data);

// The X-Dateline-Signature header value for `body` sent at `unix_seconds`.
std::string SignatureHeader(std::string_view secret, std::int64_t unix_seconds,
                            std::string_view body);

// True when `header` carries a v1 signature of `body` under `secret` whose t is within
// `tolerance_seconds` of `now_unix_seconds`. What a receiver does; used by the tests.
bool VerifySignatureHeader(std::string_view header, std::string_view secret, std::string_view body,
                           std::int64_t now_unix_seconds, std::int64_t tolerance_seconds = 300);

// A new webhook secret: "whsec_" and 48 hex digits (192 bits from the OS CSPRNG).
std::string GenerateWebhookSecret();

}  // namespace dateline::alerts
