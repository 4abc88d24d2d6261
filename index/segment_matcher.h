// Evaluates a query over one segment. A lone word, OR and NOT read whole posting lists and
// unite sorted docid lists (through a bitmap when they are many); an AND of words (and NOTs of
// words) meets in one bitmap of the segment, a denser word decoding only the posting blocks
// that can still add to it. Other ANDs and the positional operators (phrases, NEAR, W, SAME,
// ATLEAST, hd:/lead: scopes) run document at a time on two-phase iterators: the rarest operand
// leads and the others are asked in order of cost (skip entries jump over blocks; dense words
// without positions become bitmaps) and each document they agree on is confirmed from
// positions, times and exclusions. The semantics are those of linear_scan.h.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "index/segment.h"
#include "query/ast.h"

namespace dateline::index {

using DocList = std::vector<std::uint32_t>;

// The term frequencies a match read on its way: a word's positions in a document are as many
// as its tf, so scoring the matches of a phrase or NEAR needs no cursor moved to them again.
// Kept for the words of one exact form (quoted words) whose positions were read.
struct MatchTfs {
  struct List {
    std::uint64_t term_slot = 0;  // TermRef::slot of the word's term
    std::vector<std::pair<std::uint32_t, std::uint32_t>> docs;  // (docid, tf), docids ascending
  };
  std::vector<List> lists;  // one per word of the query that kept its tfs
  // The longest list of `term`, or nullptr.
  const List* Of(const TermRef& term) const;
};

// Matching docids of `query` in `segment` (live or not: the caller filters liveness).
// Prefix expansion limits are the caller's (see CheckExpansions in searcher.h).
DocList MatchSegment(const Segment& segment, const query::Node& query, std::int64_t now_us);
// The same keeping in `tfs` the term frequencies read on the way.
DocList MatchSegment(const Segment& segment, const query::Node& query, std::int64_t now_us,
                     MatchTfs* tfs);
// The same restricted to the docids [lo, hi): the searcher matches a segment in docid ranges so
// that top-k can stop, or skip ranges, that cannot hold a better hit.
DocList MatchSegment(const Segment& segment, const query::Node& query, std::int64_t now_us,
                     std::uint32_t lo, std::uint32_t hi);

// The documents (live or not) holding every one of `words` and none of `excluded` (sorted),
// met in one bitmap of the segment as MatchSegment meets an AND of words; a word is the union
// of the postings of its exact forms' terms (looked up in `segment`, each counting in every
// document). nullopt when the rarest word is too rare for the bitmap to pay.
// With `term_bits`, (*term_bits)[w][t] is the bitmap of the segment in which the meeting set
// the documents of words[w][t] (every block of the term holding a document met), or empty
// for a term of at most one block: PostingCursor::MoveByBits' bitmap for those documents.
std::optional<DocList> MeetWords(const Segment& segment,
                                 const std::vector<std::vector<TermRef>>& words,
                                 const DocList& excluded, TermBits* term_bits = nullptr);
// Hands MeetWords' term_bits back for the thread's next meetings to reuse (and empties them).
void RecycleTermBits(TermBits& term_bits);

// A segment's matching documents as a bitmap: bit d % 64 of words[d / 64] for docid d; the
// words outside [first, last) are 0.
struct MatchBits {
  std::vector<std::uint64_t> words;
  std::size_t first = 0;
  std::size_t last = 0;
};
// The live documents of `segment` matching `query` as a bitmap, when the query is an AND of
// words and NOTs of words that MatchSegment meets in one; nullopt otherwise (MatchSegment
// then). The searcher counts such matches 64 at a time and reads only the runs it needs,
// without a list of every match.
std::optional<MatchBits> MatchSegmentBits(const Segment& segment, const query::Node& query,
                                          std::int64_t now_us);

// Checks documents against phrase and proximity nodes (phrases, NEAR, W, SAME, with or
// without a scope) from their positions alone: for documents already known to hold every word
// of the nodes (the word top-k's candidates, found without positions), so that only the few
// whose score may reach the k-th best have their positions read, where matching the node reads
// them for every document holding its words.
class PositionCheck {
 public:
  PositionCheck(const Segment& segment, std::vector<const query::Node*> nodes,
                std::int64_t now_us);
  ~PositionCheck();
  PositionCheck(const PositionCheck&) = delete;
  PositionCheck& operator=(const PositionCheck&) = delete;

  // Whether document d matches every node. Cheapest with d ascending from call to call (the
  // words' cursors only move forward; a smaller d starts them again).
  bool Matches(std::uint32_t d);

 private:
  struct State;
  const Segment& segment_;
  std::vector<const query::Node*> nodes_;
  std::int64_t now_us_;
  std::unique_ptr<State> state_;
  std::uint32_t last_ = 0;
};

// Whether CountSegment counts `query` for much less than matching it (a word, an OR): the
// searcher then counts and finds the newest hits apart. Other queries are counted from the
// matches it collects for the hits anyway.
bool CountsApart(const query::Node& query);

// How many live documents (Segment::live) of `segment` match `query`, of a visible source when
// `visible` is given (indexed by source ordinal; nullptr: every source is visible). Counts
// without building the list where it can: a word from the stored document counts (a stem's
// from its bound entry, minus the dead documents that hold it), an OR through one bitmap of
// the segment, an AND of words in its bitmap; other queries are matched and their live matches
// counted. With hidden sources every match's record is read.
std::uint64_t CountSegment(const Segment& segment, const query::Node& query, std::int64_t now_us,
                           const std::vector<bool>* visible);

}  // namespace dateline::index
