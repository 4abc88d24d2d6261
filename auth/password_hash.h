// Password hashing (argon2id, libsodium) and the password policy.
//
// Hashes are libsodium's self-describing strings ("$argon2id$v=19$m=19456,t=2,p=1$salt$hash"),
// so the cost can be raised later: NeedsRehash tells the caller to store a fresh hash after the
// next successful login. All functions are thread-safe. Hashing at the default cost takes tens
// of milliseconds and 19 MiB of memory per call: callers must not hold locks that the hot path
// needs while hashing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace dateline {

struct PasswordHashCost {
  // Defaults: OWASP's recommended minimum for argon2id (m = 19 MiB, t = 2, p = 1; libsodium
  // always uses p = 1).
  std::uint64_t ops_limit = 2;
  std::size_t mem_limit_bytes = 19u * 1024u * 1024u;

  // libsodium's minimum (t = 1, m = 8 KiB): for tests only.
  static PasswordHashCost Minimum();
};

// Hashes `password` with a fresh random salt. Errors: kInternal when libsodium fails (out of
// memory). The policy is not checked here (see CheckPasswordPolicy).
Result<std::string> HashPassword(std::string_view password,
                                 const PasswordHashCost& cost = PasswordHashCost());

// True when `password` matches `stored_hash`; false on mismatch or a malformed hash.
bool VerifyPassword(std::string_view stored_hash, std::string_view password);

// True when `stored_hash` was made with other parameters than `cost` (or is not argon2id).
bool NeedsRehash(std::string_view stored_hash, const PasswordHashCost& cost = PasswordHashCost());

struct PasswordPolicy {
  std::size_t min_length = 12;    // in Unicode code points
  std::size_t max_bytes = 1024;   // bounds the hashing work an attacker can ask for
};

// Checks a new password. Errors are kInvalidArgument with field "password" and a message that
// says which rule failed: too short, too long, not valid UTF-8, a well-known common password
// (compared case-insensitively), or equal to the username (case-insensitively).
Status CheckPasswordPolicy(std::string_view password, std::string_view username,
                           const PasswordPolicy& policy = PasswordPolicy());

// True when `password` (ASCII case-folded) is on the embedded list of common passwords.
bool IsCommonPassword(std::string_view password);

}  // namespace dateline
