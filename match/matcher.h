// Matcher: standing queries (alerts) matched against each arriving story — a percolator.
//
// Every query is parsed with the search parser and compiled once. A presearcher index over the
// compiled queries (terms a story must contain for a query to possibly match, each query indexed
// under its most selective term by corpus statistics, top-level ORs split) selects candidates for a
// story. A second pass drops most of them unverified: each filed entry carries a few more keys
// every match of it needs (the rarest other words of an AND, the other words of a phrase or NEAR,
// field values), checked against a filter of the story's keys (presearch_keys.h, PassesCheck) —
// Lucene Monitor's multipass presearcher, at the cost of one word per entry. An entry whose query
// is a conjunction of one-key tests (CompiledQuery::decision: words, exact words, two-word
// phrases, one-word hd: terms, word prefixes, field values, negations and ORs of them) is filed
// with those tests instead and decided from the story's exact keys, without its compiled query
// being read. Only the remaining
// candidates are verified against the story's own in-memory postings. Queries with no
// usable term (pure negations, MatchAll, time-only) are kept on an always-verify list. A story
// matches a query exactly when a search run right after its ingest would return it
// (docs/query-language.md). Thread-safe: Add/Remove may run while stories are matched.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "core/story.h"
#include "query/ast.h"

namespace dateline::match {

struct MatcherOptions {
  // Static cost limit of one compiled query (terms, prefixes and positional operators weighted);
  // a query above it is refused by Add with kTooLarge naming the budget.
  std::uint64_t max_query_cost = 20000;
};

// What a Match call keeps of the story for the matched terms of its Fired (shared by them).
struct FiredTerms;

struct Fired {
  std::uint64_t query_id = 0;
  // The folded words of the story that satisfied the query (for highlighting), sorted and unique.
  // Assembled on each call, from word ids Match kept: a story fires hundreds of alerts, and
  // only those delivered need their words as strings.
  std::vector<std::string> MatchedTerms() const;

  std::shared_ptr<const FiredTerms> terms;  // null: no matched terms
  std::uint32_t terms_begin = 0;            // [terms_begin, terms_end) of terms->values
  std::uint32_t terms_end = 0;
};

struct MatchStats {
  std::uint64_t candidates = 0;  // queries verified for this story
  std::uint64_t checked_out = 0;  // filed entries dropped by their required-key check unverified
  std::uint64_t decided = 0;      // filed entries decided from the story's keys alone (no verification)
  std::uint64_t matched = 0;
};

struct MatcherStats {
  std::uint64_t queries = 0;
  std::uint64_t always_verified = 0;  // queries without a usable presearch term
  std::uint64_t memory_bytes = 0;     // estimate of the matcher's own structures
};

class Matcher {
 public:
  explicit Matcher(MatcherOptions options = {});
  ~Matcher();
  Matcher(const Matcher&) = delete;
  Matcher& operator=(const Matcher&) = delete;

  // Compiles `query` and adds (or replaces) it under `id`; takes effect for the next story.
  Status Add(std::uint64_t id, const query::Node& query);
  // Returns false when there was no such id.
  bool Remove(std::uint64_t id);

  // The ids of every query the story matches, in increasing id order. `now_us` is "now" for
  // since: (0 = the real clock). Also counts the story's words into the statistics that choose
  // the presearch terms of queries added afterwards (which terms are chosen changes speed only).
  std::vector<Fired> Match(const Story& story, std::int64_t now_us = 0,
                           MatchStats* stats = nullptr) const;

  // Static cost of a query as Add computes it (reported to users at save time).
  static std::uint64_t Cost(const query::Node& query);

  MatcherStats Stats() const;

  // The `n` queries that have cost the most verification work so far, as (id, work) pairs, most
  // expensive first. Work counts the nodes evaluated and the story positions and occurrences
  // examined while verifying the query, summed over every story it was a candidate for: a
  // pathological query (a NEAR of two common words, an OR of short prefixes) stands out here.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> CostliestQueries(std::size_t n) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dateline::match
