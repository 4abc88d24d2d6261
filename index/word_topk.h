// Document-at-a-time relevance top-k over one segment for a flat AND or OR of words (a bare word
// matching by stem, or an exact word), as Lucene and PISA do it: the searcher uses it for the
// hits instead of matching the whole segment set-at-a-time and scoring every match (an exact
// total or facets come from a separate matching pass that scores nothing).
//
// A query word is a "stem cursor": the union of the posting cursors of its exact forms (tf
// summed), restricted for a bare word to documents of the form's language. Its bounds come from
// the stem's own block bounds where the segment keeps them (Segment::StemBoundsOf: the largest
// summed tf and term weight per block of the stem's documents), otherwise from the forms' skip
// entries (Segment::WeightBounds: per block of postings the largest tf and the largest term
// weight), merged over the languages and forms into pieces of docids.
//  - OR: MaxScore. The words sorted by upper bound; the cheapest prefix whose bounds together
//    cannot beat the k-th best score is non-essential: only documents of the essential words are
//    visited, and the non-essential ones are looked up per candidate, the largest bound first,
//    until their block bounds in the candidate's length show that it cannot reach the k-th best.
//    Where the essential words' forms count in every document, their documents are taken a
//    window at a time (up to the end of the first of their decoded blocks, as a single word's
//    below) and bounded in a tight loop: their exact tfs and the others' pieces at each
//    document's length code, times its run's boost; only those the bound keeps look the
//    others up.
//  - A single word (with no filter) first scores the docid ranges of highest bound, with a
//    cursor of their own, so that the threshold starts nearer its final value; the docid-order
//    pass below then steps over those ranges. Without the total, the searcher has every
//    segment score its best range before any pass (SeedWordTopK); otherwise the first segment
//    with matches scores its few best.
//  - A single word whose forms count in every document: its forms' decoded blocks are taken
//    as docid and tf arrays a window at a time (up to the first block end among them; merged,
//    tfs summed, when several forms hold documents there) and checked in a tight loop; its
//    filters, time ranges and NOT only for the documents its bound keeps.
//  - AND (and a single word otherwise): the rarest word leads, the others gallop to its
//    documents (or, given the documents holding every word, only those are visited and every
//    word moves to them); before they move, a word whose pieces hold nothing at the candidate
//    rules out the docids up to the piece's end, and the words' block bounds in the candidate's
//    own length and boost may rule the candidate out. Given the documents, their bounds in
//    their length codes are computed for all of them in one pass first, so that their reads
//    overlap; the docid-order pass steps over those under the threshold.
//  - Both: before a candidate is aligned or scored, the block bound of the region of docids up to
//    the nearest piece end (every word's piece weight, or its tf maximum in the region's shortest
//    document, times the boost of its newest story) is checked against the k-th best, and the
//    whole region is skipped when it cannot beat it. The regions after a skipped one are checked
//    from the pieces alone, so the cursors move once, past all of them, and decode no block of
//    a skipped region.
// Scores are computed with the searcher's formula (bm25.h), word by word in query order, so they
// equal the exhaustive path's bit for bit.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "index/segment.h"
#include "index/segment_matcher.h"

namespace dateline::index {

// One query word in one segment.
struct TopKWord {
  struct Form {
    std::string key;           // exact-word key
    int language;              // the segment language ordinal it counts in (-1: every language)
    std::uint32_t doc_freq;    // its documents in the segment (0: absent, skipped)
    TermRef term;              // the segment's lookup of `key` (postings and bounds)
  };
  std::vector<Form> forms;
  // A bare word's stem bounds per language, where the segment keeps them
  // (Segment::StemBoundsOf): they replace the sum of that language's forms' bounds.
  struct Stem {
    int language;  // the segment language ordinal
    TermRef term;  // the segment's lookup of StemBoundKey(language, stem)
  };
  std::vector<Stem> stems;
  // idf per segment language ordinal (exact words: the same value in every slot); at least one.
  std::vector<double> idf;
};

struct TopKSegmentQuery {
  const Segment* segment = nullptr;
  std::vector<TopKWord> words;  // in the order the searcher scores them
  bool conjunctive = true;      // AND: every word; OR: any word
  std::vector<DocList> filters;  // AND: every hit is in each of these
  // AND: every hit's time is in each of these inclusive ranges (checked on the time column).
  std::vector<std::pair<std::int64_t, std::int64_t>> time_ranges;
  DocList excluded;              // AND: no hit is in this (sorted)
  // AND of several words: when given, the documents that hold every word (sorted, as
  // MeetWords finds them in one bitmap), the only ones visited; otherwise the rarest
  // word's documents are, the others galloping to them.
  const DocList* candidates = nullptr;
  // With the candidates, optionally: MeetWords' term_bits for them, per word and form (in the
  // order of `words` and their `forms`), with which the forms' cursors move to a candidate
  // without decoding its block (PostingCursor::MoveByBits).
  const TermBits* candidate_bits = nullptr;
  double avg_length = 1;         // the index's average document length
  std::int64_t now_us = 0;
  // The score a document must reach to be kept (the k-th best so far; -infinity before there are
  // k): read before each candidate, as `offer` raises it.
  const double* threshold = nullptr;
  // Called for each live candidate whose score may reach the threshold, in docid order (after a
  // single word's seeded ranges, see above); does
  // entitlement, cursor and tie checks and keeps it.
  std::function<void(std::uint32_t doc, std::int64_t time_us, double score)> offer;
  // With seeding (SeedWordTopK, then RunWordTopK with the same `seed`): the docid ranges the
  // seed scored, ascending, which the pass steps over. Without it, a single word seeds itself
  // when there is no threshold yet (in the first segment with matches).
  struct Seed {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> ranges;
  };
  Seed* seed = nullptr;
};

// Scores a single word's piece of highest bound in the segment (nothing for other queries) and
// records its docid range in *q.seed. The searcher seeds every segment before any segment's
// pass, so that each pass starts near the final k-th best instead of at the k-th best of the
// segments before it, and more of its pieces fall short by their bounds alone.
void SeedWordTopK(const TopKSegmentQuery& q);

void RunWordTopK(const TopKSegmentQuery& q);

// The documents of `met` (sorted) in every filter and time range of `q`, decided as the top-k
// decides them (and as the matcher does: time ranges inclusive, on the story's time).
DocList MatchesAmong(const DocList& met, const TopKSegmentQuery& q);

}  // namespace dateline::index
