// The relevance score: BM25 per query word times a recency boost. Every path that scores (the
// searcher's exhaustive scoring and the document-at-a-time top-k) uses these same expressions,
// so that a document gets the same score, to the bit, whichever path finds it.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "index/segment.h"

namespace dateline::index {

inline constexpr double kMicrosPerDay = 86400.0 * 1e6;

// The length normalisation of a document: k1 (1 - b + b len / avg).
inline double DocNorm(std::uint32_t length, double avg_length) {
  return kBm25K1 * (1 - kBm25B + kBm25B * length / avg_length);
}

// Recency boost: up to +50% for a story published now, halving every day of age.
inline double RecencyBoost(std::int64_t now_us, std::int64_t time_us) {
  const double age_days = std::max<std::int64_t>(0, now_us - time_us) / kMicrosPerDay;
  // Past 60 days 0.5 * 2^-age is below half an ulp of 1: the sum rounds to exactly 1. Saying so
  // spares exp2 (whose underflow path for very old stories is slow) without changing a bit.
  if (age_days > 60) return 1;
  return 1 + 0.5 * std::exp2(-age_days);
}

// One word's BM25 term: idf tf (k1 + 1) / (tf + norm).
inline double WordScore(double idf, double tf, double norm) {
  return idf * tf * (kBm25K1 + 1) / (tf + norm);
}

}  // namespace dateline::index
