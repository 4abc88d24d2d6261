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

// Required-key check of a presearch entry (second pass of the presearcher): besides the key an
// entry is filed under, up to kCheckKeys further keys that every story matching the entry offers,
// each as a kCheckBits-bit fragment of its hash plus a flag "required only of English stories"
// (a stemmed word is required as its English stem, which only an English story's keys hold). A
// story sets the fragment bit of each key it offers in a filter; a candidate with a fragment whose
// bit is clear is dropped before its compiled query is touched. Fragment 0 means "no key" (the
// story always sets bit 0); colliding fragments only let a candidate through, so a check can
// drop a candidate only when the story surely lacks a key the entry requires.
inline constexpr int kCheckBits = 20;
inline constexpr int kCheckKeys = 3;
inline constexpr int kCheckSlotBits = kCheckBits + 1;
inline constexpr std::uint64_t kCheckFragmentMask = (std::uint64_t{1} << kCheckBits) - 1;

inline std::uint32_t CheckFragment(std::uint64_t key) {
  return static_cast<std::uint32_t>((key * 0x9e3779b97f4a7c15ULL) >> (64 - kCheckBits));
}

// True unless the story's filter (1 << kCheckBits bits, bit 0 set) surely lacks a required key.
inline bool PassesCheck(std::uint64_t check, const std::uint64_t* filter, bool english) {
  for (int k = 0; k < kCheckKeys; ++k, check >>= kCheckSlotBits) {
    const auto fragment = static_cast<std::uint32_t>(check & kCheckFragmentMask);
    const bool english_only = ((check >> kCheckBits) & 1) != 0;
    if (english_only && !english) continue;
    if (((filter[fragment >> 6] >> (fragment & 63)) & 1) == 0) return false;
  }
  return true;
}

}  // namespace dateline::match

namespace dateline::match {

// Decision keys (third way out of the presearcher, besides verification and the check): an entry
// whose query is a conjunction of clauses, each an OR of one-key tests
// (possibly negated), is decided from the story's keys alone, without its compiled query
// (CompiledQuery::decision). Each test is an exact 64-bit key compared with the story's table of
// decision keys (StoryView::decide), kept apart by kind: an exact folded word, an English stem
// (English stories only; other languages verify), two exact words at adjacent positions, a
// headline word or English stem, a word prefix, a keyword field value. The two low bits carry
// the literal's flags, so keys are compared with them cleared. Two distinct words would have to
// share 62 bits of hash to be confused.
inline constexpr std::uint64_t kDecideNegated = 1;       // the story must lack the key
inline constexpr std::uint64_t kDecideClauseStart = 2;   // first literal of a clause (an OR)
inline constexpr std::uint64_t kDecideFlags = 3;

inline std::uint64_t ExactDecideKey(std::string_view word) { return WordKey(word) & ~kDecideFlags; }
inline std::uint64_t StemDecideKey(std::string_view english_stem) {
  return (Hash64(english_stem, 0x53) ^ 0x5bd1e995u) & ~kDecideFlags;
}
inline std::uint64_t FieldDecideKey(std::string_view field, std::string_view value) {
  return FieldKey(field, value) & ~kDecideFlags;
}
// The first bytes (1 to 63) of a folded word (infla*).
inline std::uint64_t PrefixDecideKey(std::string_view prefix) { return PrefixKey(prefix) & ~kDecideFlags; }
// A folded word / an English stem in the headline (hd:).
inline std::uint64_t HeadlineExactDecideKey(std::string_view word) { return Hash64(word, 0x48) & ~kDecideFlags; }
inline std::uint64_t HeadlineStemDecideKey(std::string_view english_stem) {
  return Hash64(english_stem, 0x68) & ~kDecideFlags;
}
// Two exact words at adjacent positions (a two-word phrase), from their WordKeys; order matters.
inline std::uint64_t BigramDecideKey(std::uint64_t first_word_key, std::uint64_t second_word_key) {
  std::uint64_t h = first_word_key ^ (second_word_key * 0x9e3779b97f4a7c15ULL) ^ 0x2545f4914f6cdd1dULL;
  h ^= h >> 32;
  h *= 0xd6e8feb86659fd93ULL;
  h ^= h >> 32;
  return h & ~kDecideFlags;
}

}  // namespace dateline::match
