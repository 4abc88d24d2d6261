#include "auth/password_hash.h"

#include <sodium.h>

#include <algorithm>
#include <string>

#include "auth/secrets.h"
#include "core/utf8.h"

namespace dateline {
namespace {

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::size_t CodePoints(std::string_view s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

}  // namespace

PasswordHashCost PasswordHashCost::Minimum() {
  return PasswordHashCost{crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN};
}

Result<std::string> HashPassword(std::string_view password, const PasswordHashCost& cost) {
  EnsureSodiumInitialised();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), cost.ops_limit,
                            cost.mem_limit_bytes, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Status::Internal("password hashing failed (out of memory?)");
  }
  return std::string(out);
}

bool VerifyPassword(std::string_view stored_hash, std::string_view password) {
  EnsureSodiumInitialised();
  // crypto_pwhash_str_verify wants a NUL-terminated string of at most STRBYTES - 1 characters.
  if (stored_hash.empty() || stored_hash.size() >= crypto_pwhash_STRBYTES) return false;
  std::string h(stored_hash);
  return crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) == 0;
}

bool NeedsRehash(std::string_view stored_hash, const PasswordHashCost& cost) {
  EnsureSodiumInitialised();
  if (stored_hash.rfind("$argon2id$", 0) != 0) return true;
  if (stored_hash.size() >= crypto_pwhash_STRBYTES) return true;
  std::string h(stored_hash);
  return crypto_pwhash_str_needs_rehash(h.c_str(), cost.ops_limit, cost.mem_limit_bytes) != 0;
}

Status CheckPasswordPolicy(std::string_view password, std::string_view username,
                           const PasswordPolicy& policy) {
  if (password.size() > policy.max_bytes) {
    return Status::InvalidArgument(
        "password is too long (at most " + std::to_string(policy.max_bytes) + " bytes)", "password");
  }
  if (!IsValidUtf8(password)) {
    return Status::InvalidArgument("password is not valid UTF-8", "password");
  }
  if (CodePoints(password) < policy.min_length) {
    return Status::InvalidArgument(
        "password is too short (at least " + std::to_string(policy.min_length) + " characters)",
        "password");
  }
  if (IsCommonPassword(password)) {
    return Status::InvalidArgument("password is too common: it is on a list of well-known passwords",
                                   "password");
  }
  if (!username.empty() && AsciiLower(password) == AsciiLower(username)) {
    return Status::InvalidArgument("password must not be the username", "password");
  }
  return Status::Ok();
}

}  // namespace dateline
