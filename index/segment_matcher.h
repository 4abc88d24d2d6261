// Evaluates a query over one segment, set at a time: each AST node becomes the sorted list of
// docids it matches. Positional operators (phrases, NEAR, W, SAME, ATLEAST, hd:/lead: scopes)
// first intersect their operands' document lists and then verify each candidate against the
// positions read from the exact-word postings. The semantics are those of linear_scan.h.
#pragma once

#include <cstdint>
#include <vector>

#include "index/segment.h"
#include "query/ast.h"

namespace dateline::index {

using DocList = std::vector<std::uint32_t>;

// Matching docids of `query` in `segment` (live or not: the caller filters liveness).
// Prefix expansion limits are the caller's (see CheckExpansions in searcher.h).
DocList MatchSegment(const Segment& segment, const query::Node& query, std::int64_t now_us);
// The same restricted to the docids [lo, hi): the searcher matches a segment in docid ranges so
// that top-k can stop, or skip ranges, that cannot hold a better hit.
DocList MatchSegment(const Segment& segment, const query::Node& query, std::int64_t now_us,
                     std::uint32_t lo, std::uint32_t hi);

}  // namespace dateline::index
