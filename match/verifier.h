// Verification of one compiled query against one analysed story: the semantics of
// docs/query-language.md, "Semantics of each operator", with the rules index/linear_scan.h states
// for what the document leaves open (an occurrence is a span of positions; words, phrases,
// prefixes, ORs of them and proximity expressions used as operands have occurrences; an
// occurrence is in a scope when its whole span is; SAME places an occurrence in the paragraph of
// its first word; lang: compares primary subtags). Must agree with the reference
// evaluator on every story and query (matcher_differential_test.cc).
#pragma once

#include <cstdint>
#include <deque>
#include <limits>
#include <string>
#include <vector>

#include "match/compiled_query.h"
#include "match/story_view.h"

namespace dateline::match {

class Verifier {
 public:
  Verifier() = default;
  Verifier(const StoryView& story, std::int64_t now_us) { Reset(story, now_us); }
  // Verifies against `story` from now on, keeping the scratch buffers (one Verifier per thread
  // serves every story).
  void Reset(const StoryView& story, std::int64_t now_us) {
    s_ = &story;
    now_us_ = now_us;
    english_ = story.language == "en";
  }

  // True when the story matches node `node` of `q` (0: the whole query). Adds the positions and
  // nodes it looked at to `*work`.
  bool Matches(QueryView q, std::uint32_t node, std::uint64_t* work);

  // The folded story words that satisfied positive (not negated) word, phrase and prefix nodes
  // of `q`, sorted and unique.
  std::vector<std::string> MatchedTerms(QueryView q);
  // The same words as ids in the story's `exacts`, appended to `out` (unsorted, may repeat).
  void AppendMatchedTermIds(QueryView q, std::vector<std::uint32_t>& out);

 private:
  struct Span {
    std::uint32_t first;
    std::uint32_t last;
  };
  struct Window {
    std::uint32_t lo = 0;
    std::uint32_t hi = std::numeric_limits<std::uint32_t>::max();
  };

  Window Narrow(Window w, query::Scope scope) const;
  bool Eval(std::uint32_t i);
  void Spans(std::uint32_t i, Window w, std::vector<Span>& out);
  void SequenceSpans(const CompiledNode& n, std::vector<Span>& raw);
  void ProximitySpans(std::uint32_t i, Window w, std::vector<Span>& out);
  bool FieldMatches(const CompiledNode& n);
  bool AnyCombination(std::size_t k, std::uint32_t distance, bool ordered);
  void CollectTerms(std::uint32_t i, std::vector<std::uint32_t>& out);
  // Occurrence lists of the operands of proximity nodes, reused across queries; `depth_` says how
  // many are in use (proximity operands cannot nest occurrences, but ORs recurse).
  std::vector<Span>& Scratch();

  const StoryView* s_ = nullptr;
  std::int64_t now_us_ = 0;
  bool english_ = false;  // queries carry English stems; other languages stem at verification
  QueryView q_;
  std::uint64_t work_ = 0;
  std::deque<std::vector<Span>> scratch_;  // a deque: growing it keeps references valid
  std::size_t depth_ = 0;
  std::vector<std::vector<Span>*> occ_;
  std::vector<Span> chosen_;
  std::vector<std::uint32_t> ids_;
  std::vector<std::uint32_t> term_ids_;
  std::vector<std::vector<Span>*> eval_lists_;
};

}  // namespace dateline::match
