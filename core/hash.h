// Fast non-cryptographic hashing for ids and content fingerprints (not for security).
#pragma once

#include <cstdint>
#include <string_view>

namespace dateline {

// 64-bit hash of `data` with `seed`; stable across platforms and releases (ids depend on it).
std::uint64_t Hash64(std::string_view data, std::uint64_t seed = 0);

// Incremental form: feed fields one by one; each field is length-prefixed so ("ab","c") and
// ("a","bc") differ.
class Hasher {
 public:
  explicit Hasher(std::uint64_t seed = 0) : h_(seed ^ 0x9e3779b97f4a7c15ULL) {}
  void Add(std::string_view field);
  void Add(std::uint64_t value);
  std::uint64_t Finish() const;

 private:
  std::uint64_t h_;
};

}  // namespace dateline
