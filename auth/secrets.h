// Cryptographic primitives for auth, over libsodium: random bytes, SHA-256 and constant-time
// comparison. Thread-safe. The library initialises libsodium itself (sodium_init is called once,
// on first use); a failure to initialise aborts, as no secret can be made safely without it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace dateline {

// Calls sodium_init() once; safe from any thread. Every function below calls it.
void EnsureSodiumInitialised();

// `n` bytes from the OS CSPRNG.
std::string RandomBytes(std::size_t n);

// A uniformly random string of `length` characters drawn from `alphabet` (no modulo bias).
std::string RandomString(std::size_t length, std::string_view alphabet);

// SHA-256 of `data`: 32 raw bytes, or 64 lowercase hex characters.
std::string Sha256(std::string_view data);
std::string Sha256Hex(std::string_view data);

// True when a and b are equal; the time taken depends only on the lengths, not the contents.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace dateline
