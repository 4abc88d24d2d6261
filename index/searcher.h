// Runs a SearchRequest over a consistent set of segments (the caller holds the index's shared
// lock for the whole call): matching per segment, liveness and entitlement filtering, exact
// totals, sorting with cursor paging, BM25 relevance and facet counts.
#pragma once

#include <vector>

#include "core/status.h"
#include "index/search_index.h"
#include "index/segment.h"

namespace dateline::index {

Result<SearchResult> RunSearch(const std::vector<const Segment*>& segments,
                               const SearchRequest& request);

// kTooLarge when a prefix (infla*, ticker:72*) expands to more than `max_expansion` distinct
// words over all segments.
Status CheckExpansions(const std::vector<const Segment*>& segments, const query::Node& query,
                       std::size_t max_expansion);

}  // namespace dateline::index
