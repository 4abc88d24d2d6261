// The search engines the `search` scenario compares, behind one small interface: Dateline's
// SearchIndex and two peers, Xapian and SQLite FTS5. The peers are linked into dateline-bench
// only, never into the product.
//
// Life of an engine in the scenario (one engine per forked child process, single-threaded):
// Create(dir) -> Add(story) x N -> Commit() -> Close() -> Reopen() -> Prepare(queries) ->
// TopK/Count(query number) many times. Any failure throws BenchError.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bench/search_queries.h"
#include "core/story.h"

namespace dateline::bench {

enum class Order : std::uint8_t { kRelevance = 0, kNewest = 1 };

class SearchEngine {
 public:
  virtual ~SearchEngine() = default;

  virtual std::string Name() const = 0;      // "dateline", "xapian", "fts5"
  virtual std::string Describe() const = 0;  // version and configuration, one line

  // A new, empty index in the folder `dir` (which exists and is empty).
  virtual void Create(const std::string& dir) = 0;
  // Indexes one story (stories come in seq order; every story is new).
  virtual void Add(const Story& story) = 0;
  // Makes everything added durable on disk and searchable.
  virtual void Commit() = 0;
  // Releases the index (files stay).
  virtual void Close() = 0;
  // Opens the committed index in the same folder again, ready to search.
  virtual void Reopen() = 0;

  // Renders the queries once into the engine's own form (not timed); TopK and Count then take
  // a query's number. Building the engine's query object from that form is part of each call.
  virtual void Prepare(const std::vector<BenchQuery>& queries) = 0;
  virtual bool SupportsNewest() const { return false; }
  // Runs query `q` for its best `k` hits in `order` and returns how many hits came back.
  virtual std::size_t TopK(std::size_t q, Order order, std::size_t k) = 0;
  // TopK that also computes the exact number of matches and the counts per source, as
  // GET /api/v1/search asks by default; false when the engine has no such call.
  virtual bool SupportsTopKWithTotal() const { return false; }
  virtual std::size_t TopKWithTotal(std::size_t /*q*/, Order /*order*/, std::size_t /*k*/) {
    return 0;
  }
  // The exact number of stories matching query `q`.
  virtual std::uint64_t Count(std::size_t q) = 0;

  // For --known-bar: whether relevance top-k can start from a known bar; the bar of query q's
  // relevance top-k (its (k + 1)-th best score, just under, or -infinity with fewer matches);
  // and that top-k started from `bar`, returning how many hits came back.
  virtual bool SupportsKnownBar() const { return false; }
  virtual double RelevanceBar(std::size_t /*q*/, std::size_t /*k*/) { return 0; }
  virtual std::size_t TopKFromBar(std::size_t /*q*/, std::size_t /*k*/, double /*bar*/) {
    return 0;
  }

  // Anything worth a line in the report after indexing ("3 segments"), or "".
  virtual std::string Notes() const { return {}; }
};

std::unique_ptr<SearchEngine> MakeXapianEngine();
std::unique_ptr<SearchEngine> MakeFts5Engine();
// Dateline's SearchIndex, merging `merge_factor` segments of a tier (0: the index's default);
// nullptr when dateline-bench was built without the index library.
std::unique_ptr<SearchEngine> MakeDatelineEngine(std::size_t merge_factor = 0);

}  // namespace dateline::bench
