// SearchIndex: Dateline's search engine over the story log.
//
// One real-time in-memory segment takes every acknowledged story (searchable at once); it is
// flushed in the background to an immutable, checksummed, mmap-ed segment file and segments are
// merged with a tiered policy. The story log stays the source of truth: the index records the
// highest log seq it has flushed, and Open() re-indexes whatever the log holds beyond it.
// A new version of a story replaces the older one in results. Thread-safe: one writer (Add) and
// any number of concurrent searches.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/story.h"
#include "query/ast.h"

namespace dateline::index {

enum class Sort : std::uint8_t { kNewest = 0, kRelevance = 1 };

struct SearchRequest {
  const query::Node* query = nullptr;   // required
  Sort sort = Sort::kNewest;
  std::size_t limit = 20;               // hits to return (1..1000)
  std::string cursor;                   // from a previous SearchResult::next_cursor; "" = first page
  std::vector<std::string> facets;      // fields to count: "source", "ticker", "country", ...
  std::size_t facet_limit = 10;         // values per facet, highest count first
  std::int64_t now_us = 0;              // "now" for since:; 0 = the real clock
  // Entitlements: when set, only stories whose source passes are matched, counted and faceted.
  std::function<bool(std::string_view source)> source_visible;
  // false: the exact total is not needed, so top-k may skip the documents that cannot be among
  // the hits (SearchResult::total is then only the matches visited; hits and next_cursor are
  // the same). Facets always see every match. The HTTP API counts unless asked not to.
  bool count_total = true;
  // true: every match is scored, no bound leaves any out (the reference tests compare with).
  bool exhaustive = false;
  // Without the total and facets, a two-word phrase or proximity runs as the checked AND of its
  // words (searcher.cc, WordPlan) in a segment where its rarest word is in more than this many
  // documents; below, matching it whole costs less than the top-k's set-up (measured at 200,000
  // and 1,000,000 stories). Tests lower it to run every such query through the checks.
  std::uint64_t checked_min_docs = 3000;
  // Relevance top-k without the total and facets: a score that the bar (the (limit + 1)-th
  // best score) is known to reach, so that the top-k starts from it instead of from nothing.
  // Matches scoring below it may be left out. For measurement: `dateline-bench search
  // --known-bar` gives each query its own final bar, to show what no better bound or earlier
  // threshold could save.
  double known_bar = -std::numeric_limits<double>::infinity();
};

struct Hit {
  std::uint64_t seq = 0;          // log seq of the (latest) version
  std::string story_id;
  std::string source;
  std::int64_t published_us = 0;  // the story's time: published_us, or received_us when 0
  double score = 0;               // BM25 with recency boost (relevance sort); 0 for newest sort
};

struct FacetValue {
  std::string value;
  std::uint64_t count = 0;
};

struct Facet {
  std::string field;
  std::vector<FacetValue> values;
};

struct SearchResult {
  std::uint64_t total = 0;        // exact number of matching visible stories (see count_total)
  std::vector<Hit> hits;
  std::vector<Facet> facets;
  std::string next_cursor;        // "" when there are no more hits
};

struct IndexOptions {
  std::size_t flush_docs = 50000;          // flush the in-memory segment at this many stories
  bool background = true;                  // flush and merge on a background thread
  std::size_t merge_factor = 10;           // tiered merge: merge this many similar-sized segments
};

struct IndexStats {
  std::uint64_t stories = 0;           // live (latest-version) stories
  std::uint64_t segments = 0;          // on-disk segments
  std::uint64_t memory_docs = 0;       // in the in-memory segment
  std::uint64_t disk_bytes = 0;
  std::uint64_t indexed_seq = 0;       // highest log seq indexed
  std::uint64_t flushed_seq = 0;       // highest log seq in on-disk segments
};

class SearchIndex {
 public:
  virtual ~SearchIndex() = default;

  // Opens (or creates) the index in `dir`, verifying every segment's checksum. A corrupt or
  // truncated segment is an error naming the file (kCorruption), never read as garbage.
  static Result<std::unique_ptr<SearchIndex>> Open(const std::string& dir, IndexOptions options);

  // Indexes one story version (stories arrive in log seq order). A version replaces older ones.
  virtual Status Add(const Story& story) = 0;

  // Highest log seq indexed; the caller replays the log after it at start-up.
  virtual std::uint64_t IndexedSeq() const = 0;

  // Errors: kInvalidArgument for a missing query (field "q"), a limit outside 1..1000 ("limit")
  // or a cursor this search did not make ("cursor"); kTooLarge when a prefix expands to more
  // than query::Limits::max_expansion words ("q": "prefix 'infla*' matches more than 1000
  // words"). Facet fields are folded; their values are the folded field values.
  virtual Result<SearchResult> Search(const SearchRequest& request) const = 0;

  // Writes the in-memory segment to disk now and waits (used at shutdown and by tests).
  // Destroying the index does not flush: whatever was only in memory is re-added from the story
  // log after IndexedSeq() at the next start.
  virtual Status Flush() = 0;
  // Merges all on-disk segments into one and waits (tests, `dateline reindex`).
  virtual Status ForceMerge() = 0;

  virtual IndexStats Stats() const = 0;
};

// Highlighted snippet of `story` for `query`: about `max_chars` characters around the best
// matching passage, HTML-escaped, matches wrapped in <em>...</em>. The headline is not included.
std::string Snippet(const Story& story, const query::Node& query, std::size_t max_chars = 240);

}  // namespace dateline::index
