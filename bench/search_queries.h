// The queries of the `search` scenario: made once from the real vocabulary as small neutral
// structs, then rendered for each engine (Dateline's query language here; Xapian::Query objects
// and FTS5 MATCH expressions in the engines' adapters).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bench/corpus_gen.h"

namespace dateline::bench {

enum class QueryClass : std::uint8_t {
  kTerm = 0,   // one word (stemmed match)
  kAnd,        // 2-3 words, all (stemmed)
  kOr,         // 2-4 words, any (stemmed)
  kPhrase,     // 2-3 consecutive words (exact forms)
  kNear,       // two words within `distance` words, any order (exact forms)
  kFiltered,   // a word AND a source or topic filter AND a published range
};
constexpr std::size_t kQueryClassCount = 6;
const char* QueryClassName(QueryClass c);  // "term", "and", "or", "phrase", "near", "filtered"

struct BenchQuery {
  QueryClass cls = QueryClass::kTerm;
  std::vector<std::string> words;  // plain lower-case ASCII words
  std::uint32_t distance = 0;      // kNear: abs(p - q) <= distance
  std::string field;               // kFiltered: "source" or "topic"
  std::string value;               // kFiltered: the folded value
  std::string from_day;            // kFiltered: "2025-03-01" (UTC, inclusive)
  std::string to_day;              // kFiltered: inclusive: the whole day
  std::int64_t from_us = 0;        // kFiltered: from_day 00:00:00
  std::int64_t to_us = 0;          // kFiltered: to_day 23:59:59.999999
};

// `per_class` queries of every class, in class order, deterministic from `seed`. Words come from
// the real stories: single terms half by frequency (a random real token) and half uniformly from
// the distinct words of a random real story (medium-frequency words); AND/OR terms from one real
// story, so they co-occur as in real text; phrases and NEAR pairs from real word sequences.
std::vector<BenchQuery> MakeQueries(const RealCorpus& real, const GeneratorOptions& corpus,
                                    std::size_t per_class, std::uint64_t seed);

// Dateline's query language (docs/query-language.md):
//   rates | a AND b | a OR b | "interest rates" | "oil" NEAR/5 "prices" |
//   profit source:reuters published:[2025-03-01 TO 2025-04-15]
std::string ToDatelineQuery(const BenchQuery& q);

}  // namespace dateline::bench
