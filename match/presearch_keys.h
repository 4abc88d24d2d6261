// Presearch keys: 64-bit hashes a story offers and a query is filed under. A query is a candidate
// for a story when they share a key. Key kinds are hashed with different seeds so a word, a prefix
// and a field value never meet by construction; a hash collision only adds a candidate, and every
// candidate is verified, so collisions cost time, never correctness.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/hash.h"

namespace dateline::match {

// A folded word or a stem of one (both live in one key space: a story offers both its words and
// their stems, a query asks for either).
inline std::uint64_t WordKey(std::string_view word) { return Hash64(word, 0x77); }

// The first bytes of a folded word (infla*): a story offers every prefix of each of its words.
inline std::uint64_t PrefixKey(std::string_view prefix) { return Hash64(prefix, 0x70); }

// A keyword field value (source=reuters, ticker=7203, author=smith).
inline std::uint64_t FieldKey(std::string_view field, std::string_view value) {
  Hasher h(0x66);
  h.Add(field);
  h.Add(value);
  return h.Finish();
}

// The first bytes of a keyword field value (ticker:72*).
inline std::uint64_t FieldPrefixKey(std::string_view field, std::string_view prefix) {
  Hasher h(0x46);
  h.Add(field);
  h.Add(prefix);
  return h.Finish();
}

}  // namespace dateline::match
