#include "index/word_topk.h"

#include <algorithm>
#include <array>
#include <limits>
#include <memory>
#include <numeric>

#include "index/bm25.h"

namespace dateline::index {
namespace {

// Bounds are compared with this much room: they come from float weights and from a different
// order of floating-point operations than the score.
constexpr double kSlack = 1 + 1e-6;
constexpr double kInf = std::numeric_limits<double>::infinity();
// A region checked against the bar spans at most this many runs of kTimeRun docids (its boost
// and shortest document are read from the runs).
constexpr std::uint32_t kMaxRegionRuns = 8;

// The docids after the previous piece up to `last`: the sums over a word's forms of the largest
// tf and the largest term weight of the posting blocks covering them (0: the word holds none).
struct Piece {
  std::uint32_t last;
  double tf;
  double weight;  // with the index's average length
};

// A query word in one segment: the union of its exact forms' postings.
class StemCursor {
 public:
  // Without `bounds` the cursor builds no pieces (bounded() is false).
  // With `bits` (MeetWords' term_bits of this word, per form), MoveTo may move the forms'
  // cursors to a candidate by them.
  StemCursor(const Segment& seg, const TopKWord& w, double avg_length, bool bounds = true,
             const std::vector<std::vector<std::uint64_t>>* bits = nullptr)
      : seg_(seg), idf_(w.idf) {
    forms_.reserve(w.forms.size());
    bool any_language = true;
    for (std::size_t i = 0; i < w.forms.size(); ++i) {
      const TopKWord::Form& form = w.forms[i];
      if (form.doc_freq == 0) continue;
      if (auto cur = seg.PostingsOf(form.term)) {
        const std::uint64_t* form_bits = nullptr;
        if (bits != nullptr && i < bits->size() && !(*bits)[i].empty()) {
          form_bits = (*bits)[i].data();
        }
        forms_.push_back({std::move(cur), form.language, kUnstarted, form_bits});
        any_language = any_language && form.language < 0;
        estimate_ += form.doc_freq;
      }
    }
    by_language_ = !any_language && seg.languages().size() > 1;
    if (idf_.empty()) idf_.push_back(0);
    max_idf_ = *std::max_element(idf_.begin(), idf_.end());
    bounded_ = bounds && BuildPieces(w, avg_length);
  }

  std::uint32_t doc() const { return doc_; }
  std::uint64_t estimate() const { return estimate_; }

  // Moves to the first document >= target the word holds (never backwards); kNoDoc at the end.
  // Each form's document is kept beside its cursor: only the forms behind the target are moved.
  std::uint32_t Advance(std::uint32_t target) {
    if (started_ && doc_ >= target) return doc_;
    started_ = true;
    while (true) {
      std::uint32_t m = kNoDoc;
      for (Form& f : forms_) {
        if (f.doc < target || f.doc == kUnstarted) f.doc = f.cur->Advance(target);
        m = std::min(m, f.doc);
      }
      doc_ = m;
      if (m == kNoDoc || !by_language_) return m;
      // A form counts only in documents of its language.
      language_ = seg_.doc(m).language;
      for (const Form& f : forms_) {
        if (f.doc == m && f.language == language_) return m;
      }
      target = m + 1;
    }
  }

  // Moves to candidate d, which the word holds (MeetWords met it), as Advance(d) would: the
  // forms with bitmaps move by them (a form whose bit is clear does not hold d and stays).
  std::uint32_t MoveTo(std::uint32_t d) {
    if (started_ && doc_ >= d) return doc_;
    if (by_language_) return Advance(d);
    bool held = false;
    for (Form& f : forms_) {
      if (f.doc < d || f.doc == kUnstarted) {
        if (f.bits == nullptr) {
          f.doc = f.cur->Advance(d);
        } else if (((f.bits[d >> 6] >> (d & 63)) & 1) != 0) {
          f.doc = f.cur->MoveByBits(d, f.bits, 0) ? d : f.cur->Advance(d);
        }
      }
      held = held || f.doc == d;
    }
    if (!held) return Advance(d);  // not a candidate after all: as Advance finds it
    started_ = true;
    return doc_ = d;
  }

  // Term frequency in the current document: the sum over the forms that hold it.
  double Tf() const {
    double tf = 0;
    for (const Form& f : forms_) {
      if (f.doc == doc_ && (!by_language_ || f.language == language_)) tf += f.cur->tf();
    }
    return tf;
  }
  double Idf(std::uint8_t language) const {
    return idf_[language < idf_.size() ? language : 0];
  }
  double MaxIdf() const { return max_idf_; }

  bool bounded() const { return bounded_; }
  // The forms' cursors of a word whose forms count in every document (empty otherwise). A
  // pass that moves them directly leaves this cursor's own document behind (it is not used
  // after).
  std::vector<PostingCursor*> Cursors() const {
    std::vector<PostingCursor*> out;
    if (by_language_) return out;
    for (const Form& f : forms_) out.push_back(f.cur.get());
    return out;
  }
  // The pieces, covering docids [0, doc_count) in order (when bounded).
  const std::vector<Piece>& pieces() const { return pieces_; }
  // The piece holding docid d; d must not decrease from one call to the next.
  const Piece& PieceAt(std::uint32_t d) {
    while (pieces_[piece_].last < d) ++piece_;
    return pieces_[piece_];
  }
  // A bound of the word's score (boost left out) in every document of the segment whose length
  // is at least `min_length`.
  double UpperBound(double min_length, double avg_length) const {
    if (!bounded_) return kInf;
    double ub = 0;
    for (const Piece& p : pieces_) {
      if (p.tf > 0) ub = std::max(ub, std::min(p.weight, TermWeight(p.tf, min_length, avg_length)));
    }
    return ub * max_idf_;
  }
  // A bound of the word's score (boost left out) in the documents of piece p at least
  // `min_length` long.
  double RegionBound(const Piece& p, double min_length, double avg_length) const {
    if (p.tf == 0) return 0;
    return max_idf_ * std::min(p.weight, TermWeight(p.tf, min_length, avg_length));
  }
  // A bound of the word's score (boost left out) in a document of piece p with length
  // normalisation `norm` (DocNorm): the lesser of the piece's weight bound (its best document's)
  // and the weight of its largest tf at this length.
  double DocBound(const Piece& p, double norm) const {
    if (p.tf == 0) return 0;
    return max_idf_ * std::min(p.weight, p.tf * (kBm25K1 + 1) / (p.tf + norm));
  }

 private:
  // A form's cursor before its first move (kNoDoc - 1 is never a docid: segments hold fewer).
  static constexpr std::uint32_t kUnstarted = kNoDoc - 1;
  struct Form {
    std::unique_ptr<PostingCursor> cur;
    int language;
    std::uint32_t doc = kUnstarted;  // the cursor's document
    const std::uint64_t* bits = nullptr;  // MeetWords' bitmap of the form (see MoveTo)
  };

  // Merges the forms' block bounds into pieces covering docids [0, doc_count); false when the
  // segment keeps no bounds (the word then has none).
  bool BuildPieces(const TopKWord& w, double avg_length) {
    const std::uint32_t n = seg_.doc_count();
    if (n == 0) return false;
    const double seg_avg = std::max(1.0, static_cast<double>(seg_.total_length()) / n);
    // Stored weights use the segment's average length; with a larger average a weight w grows
    // to at most w / (q (1 - r) + r), q = w / (k1 + 1), r = segment average / index average.
    const double r = std::min(1.0, seg_avg / avg_length);
    auto raise = [&](double weight) {
      if (r >= 1) return weight;
      const double q = weight / (kBm25K1 + 1);
      return weight / (q * (1 - r) + r);
    };
    // A language with stem bounds takes them instead of its forms' (a document counts a form
    // only in the form's language, so each list bounds the word in its own documents).
    std::vector<std::vector<WeightBound>> lists;
    lists.reserve(w.stems.size() + w.forms.size());
    std::vector<int> stem_languages;
    for (const TopKWord::Stem& stem : w.stems) {
      std::vector<WeightBound> l;
      if (!seg_.StemBoundsOf(stem.term, l)) continue;
      lists.push_back(std::move(l));
      stem_languages.push_back(stem.language);
    }
    for (const TopKWord::Form& form : w.forms) {
      if (form.doc_freq == 0) continue;
      if (form.language >= 0 && std::find(stem_languages.begin(), stem_languages.end(),
                                          form.language) != stem_languages.end()) {
        continue;
      }
      std::vector<WeightBound>& l = lists.emplace_back();
      // A one-block form's documents at their length codes: the top-k bounds a candidate at
      // its length code first anyway (CandidateBounds, MayReach), and that column stays in
      // cache where the records do not (every class's top-10 0.91-0.98 of the time before at
      // 200,000 stories; the matching paths' run bounds keep the exact lengths: with the codes
      // there phrase and NEAR took 1.04-1.06).
      if (!seg_.WeightBoundsOf(form.term, Segment::OneBlock::kLengthCode, l)) return false;
      for (const WeightBound& b : l) {
        if (b.max_tf == 0 || !(b.weight > 0) || b.first_doc > b.last_doc) return false;  // damage
      }
    }
    std::vector<std::size_t> at(lists.size(), 0);
    std::size_t entries = 0;
    for (const std::vector<WeightBound>& l : lists) entries += l.size();
    pieces_.reserve(entries + 1);  // about a piece per entry (the forms' blocks mostly align)
    for (std::uint32_t p = 0; p < n;) {
      std::uint32_t last = n - 1;
      double tf = 0, weight = 0;
      for (std::size_t f = 0; f < lists.size(); ++f) {
        const std::vector<WeightBound>& l = lists[f];
        std::size_t& i = at[f];
        while (i < l.size() && l[i].last_doc < p) ++i;
        if (i == l.size()) continue;
        if (l[i].first_doc <= p) {
          tf += l[i].max_tf;
          weight += raise(l[i].weight);
          last = std::min(last, l[i].last_doc);
        } else {
          last = std::min(last, l[i].first_doc - 1);
        }
      }
      pieces_.push_back({last, tf, weight});
      p = last + 1;
    }
    return true;
  }

  const Segment& seg_;
  std::vector<Form> forms_;
  std::vector<double> idf_;
  double max_idf_ = 0;
  bool by_language_ = false;
  std::uint8_t language_ = 0;  // of the current document, when by_language_
  bool started_ = false;
  std::uint32_t doc_ = 0;
  std::uint64_t estimate_ = 0;
  bool bounded_ = false;
  std::vector<Piece> pieces_;
  std::size_t piece_ = 0;
};

// A single word's docid ranges scored before the docid-order pass.
constexpr std::size_t kSeedPieces = 4;
// The pieces SeedWordTopK scores per segment: one. A piece is about 128 documents, each scored
// while the threshold is still low; two or four per segment saved less (measured at 200,000
// stories in four segments).
constexpr std::size_t kSeedPhasePieces = 1;

// The first entry >= d of a sorted list, from `pos` on (galloping); kNoDoc past the end.
std::uint32_t Seek(const DocList& l, std::size_t& pos, std::uint32_t d) {
  if (pos < l.size() && l[pos] >= d) return l[pos];
  std::size_t lo = pos, hi = pos, step = 1;
  while (hi < l.size() && l[hi] < d) {
    lo = hi + 1;
    hi += step;
    step *= 2;
  }
  hi = std::min(hi, l.size());
  pos = static_cast<std::size_t>(std::lower_bound(l.begin() + static_cast<std::ptrdiff_t>(lo),
                                                  l.begin() + static_cast<std::ptrdiff_t>(hi), d) -
                                 l.begin());
  return pos < l.size() ? l[pos] : kNoDoc;
}

// Whether time t is in every one of the inclusive `ranges`.
bool InTimeRanges(const std::vector<std::pair<std::int64_t, std::int64_t>>& ranges,
                  std::int64_t t) {
  for (const auto& [from, to] : ranges) {
    if (t < from || t > to) return false;
  }
  return true;
}

class WordTopK {
 public:
  explicit WordTopK(const TopKSegmentQuery& q)
      : q_(q),
        seg_(*q.segment),
        n_(seg_.doc_count()),
        runs_(seg_.Runs()),
        time_col_(seg_.TimeColumn()),
        length_col_(seg_.LengthColumn()),
        code_col_(seg_.LengthCodeColumn()),
        one_language_(seg_.languages().size() <= 1),
        check_live_(!(seg_.dead == 0 && seg_.live.size() >= n_)) {
    for (std::size_t i = 0; i < q.words.size(); ++i) {
      const auto* bits = q.candidates != nullptr && q.candidate_bits != nullptr &&
                                 i < q.candidate_bits->size()
                             ? &(*q.candidate_bits)[i]
                             : nullptr;
      words_.push_back(std::make_unique<StemCursor>(seg_, q.words[i], q.avg_length, true, bits));
    }
    tf_.resize(words_.size());
    norm_base_ = kBm25K1 * (1 - kBm25B);
    norm_per_length_ = kBm25K1 * kBm25B / q.avg_length;
    if (code_col_ != nullptr) {
      for (int c = 0; c < 256; ++c) {
        code_norm_[c] = BoundNorm(LengthOfCode(static_cast<std::uint8_t>(c)));
      }
    }
    bound_.resize(words_.size());
    all_bounded_ = std::all_of(words_.begin(), words_.end(),
                               [](const auto& w) { return w->bounded(); });
    if (runs_ != nullptr) {
      run_boost_.resize((n_ + kTimeRun - 1) / kTimeRun);
      for (std::size_t r = 0; r < run_boost_.size(); ++r) {
        run_boost_[r] = RecencyBoost(q.now_us, runs_[r].max_time);
      }
    }
  }

  // SeedWordTopK.
  void RunSeed() {
    if (n_ != 0 && q_.conjunctive && Seedable()) q_.seed->ranges = Seed(kSeedPhasePieces);
  }

  void Run() {
    if (n_ == 0 || words_.empty()) return;
    if (q_.conjunctive) {
      RunAnd();
    } else {
      RunOr();
    }
  }

 private:
  double Threshold() const { return *q_.threshold; }
  bool Dead(std::uint32_t d) const {
    return check_live_ && (d >= seg_.live.size() || seg_.live[d] == 0);
  }
  std::int64_t TimeOf(std::uint32_t d) const {
    return time_col_ != nullptr ? time_col_[d] : seg_.doc(d).time_us;
  }
  std::uint32_t LengthOf(std::uint32_t d) const {
    return length_col_ != nullptr ? length_col_[d] : seg_.doc(d).length;
  }
  std::uint8_t LanguageOf(std::uint32_t d) const {
    return one_language_ ? 0 : seg_.doc(d).language;
  }

  // The score of document d from tf_ (0: the word is not in d), word by word in query order as
  // the exhaustive path adds them.
  double Score(std::uint32_t d, std::int64_t time_us, std::uint32_t length) const {
    const double norm = DocNorm(length, q_.avg_length);
    const std::uint8_t language = LanguageOf(d);
    double bm25 = 0;
    for (std::size_t i = 0; i < words_.size(); ++i) {
      if (tf_[i] == 0) continue;
      bm25 += WordScore(words_[i]->Idf(language), tf_[i], norm);
    }
    return bm25 * RecencyBoost(q_.now_us, time_us);
  }

  // DocNorm without its division, for bounds only (it may differ from DocNorm in the last bit,
  // which kSlack covers; scores use DocNorm itself).
  double BoundNorm(std::uint32_t length) const { return norm_base_ + norm_per_length_ * length; }
  // At most BoundNorm of d's length: from its length code where the segment keeps them.
  double CodeNorm(std::uint32_t d) const {
    return code_col_ != nullptr ? code_norm_[code_col_[d]] : BoundNorm(LengthOf(d));
  }

  // Whether a single word's document d (its tf in tf_[0]) may reach the threshold: its score
  // with the word's largest idf and the boost of its run's newest story, compared without a
  // division (idf tf (k1 + 1) boost >= threshold (tf + norm)). Most documents a word's pass
  // visits fall short, and this spares them the score's two divisions, the document's own
  // boost and the read of its record for its language; most fall short by the length code
  // alone, before the read of the exact length (at a million stories that read waited on
  // memory for a sixth of a frequent word's pass).
  bool MayReach(std::uint32_t d, double threshold) const {
    return MayReach(d, tf_[0], threshold);
  }
  bool MayReach(std::uint32_t d, double tf, double threshold) const {
    if (!(threshold > 0)) return true;
    const double reach = words_[0]->MaxIdf() * tf * (kBm25K1 + 1) * RunBoost(d) * kSlack;
    // The length code first: most documents fall short by it alone.
    if (code_col_ != nullptr && reach < threshold * (tf + code_norm_[code_col_[d]])) return false;
    return !(reach < threshold * (tf + BoundNorm(LengthOf(d))));
  }
  // An AND's candidates lie far apart in the length and time columns (megabytes at a million
  // stories): their reads are started this many candidates ahead, instead of each waiting on
  // memory in turn (the mean AND top-10 at a million stories fell by a fifth).
  static constexpr std::size_t kPrefetchAhead = 8;
  void Prefetch(std::uint32_t d) const {
    if (length_col_ != nullptr) __builtin_prefetch(length_col_ + d);
    if (time_col_ != nullptr) __builtin_prefetch(time_col_ + d);
  }
  // The candidates whose reads were started: the next kPrefetchAhead after the current one
  // that their bounds keep at the threshold (all of them without bounds). Most candidates
  // fall short of the threshold by their bounds alone and read neither column: started a
  // fixed number of candidates ahead, the reads went mostly to those, and the kept ones waited
  // on memory (a third of the candidate pass's own time at a million stories).
  struct PrefetchQueue {
    std::array<std::size_t, kPrefetchAhead> at{};  // candidate indexes, ascending, a ring
    std::size_t head = 0, size = 0;
    std::size_t next = 0;  // the first candidate index not looked at yet
  };
  void PrefetchKept(const DocList& candidates, const std::vector<double>& bounds,
                    std::size_t pos, PrefetchQueue& q) const {
    while (q.size > 0 && q.at[q.head] <= pos) {
      q.head = (q.head + 1) % kPrefetchAhead;
      --q.size;
    }
    q.next = std::max(q.next, pos + 1);
    const double threshold = Threshold();
    while (q.size < kPrefetchAhead && q.next < candidates.size()) {
      const std::size_t i = q.next++;
      if (!bounds.empty() && bounds[i] < threshold) continue;
      Prefetch(candidates[i]);
      q.at[(q.head + q.size++) % kPrefetchAhead] = i;
    }
  }
  static constexpr double kMaxBoost = 1.5;  // RecencyBoost of a story published now
  // The boost of the newest story of d's run: at least d's own.
  double RunBoost(std::uint32_t d) const {
    return run_boost_.empty() ? kMaxBoost : run_boost_[d / kTimeRun];
  }

  // The shortest document and the largest boost of docids [a, b] (from the runs).
  void Region(std::uint32_t a, std::uint32_t b, double& min_length, double& boost) const {
    if (runs_ == nullptr) {
      min_length = 0;
      boost = kMaxBoost;
      return;
    }
    std::uint32_t shortest = std::numeric_limits<std::uint32_t>::max();
    boost = 0;
    for (std::uint32_t r = a / kTimeRun; r <= b / kTimeRun; ++r) {
      shortest = std::min(shortest, runs_[r].min_length);
      boost = std::max(boost, run_boost_[r]);
    }
    min_length = shortest;
  }

  // When no document in [d, end] can reach the threshold, `end` (>= d) for the caller to skip
  // past; kNoDoc otherwise. Every word's piece at d bounds its score in the region.
  std::uint32_t SkippableRegion(std::uint32_t d, double threshold) {
    // A region found not skippable stays so for its later documents until the threshold rises.
    if (d <= checked_end_ && threshold == checked_threshold_) return kNoDoc;
    auto end = static_cast<std::uint32_t>(std::min<std::uint64_t>(
        n_ - 1, (std::uint64_t{d} / kTimeRun + kMaxRegionRuns) * kTimeRun - 1));
    for (auto& w : words_) {
      if (!w->bounded()) return kNoDoc;
      end = std::min(end, w->PieceAt(d).last);
    }
    double min_length = 0, boost = 0;
    Region(d, end, min_length, boost);
    double bound = 0;
    for (auto& w : words_) bound += w->RegionBound(w->PieceAt(d), min_length, q_.avg_length);
    if (bound * boost * kSlack < threshold) return end;
    checked_end_ = end;
    checked_threshold_ = threshold;
    return kNoDoc;
  }

  // Past a skippable region ending at `end`: the regions after it are checked from the pieces
  // alone, and only the first that cannot be skipped is returned (n_ when none is left), so the
  // cursors move once, and decode no block of a skipped region on the way.
  std::uint32_t SkipRegions(std::uint32_t end, double threshold) {
    std::uint32_t next = end + 1;
    while (next < n_) {
      const std::uint32_t e = SkippableRegion(next, threshold);
      if (e == kNoDoc) break;
      next = e + 1;
    }
    return std::min(next, n_);
  }

  // A single word with nothing else to check: the few pieces of highest bound are scored first,
  // with a cursor of their own, so that the threshold starts near its final value instead of at
  // the segment's first documents' scores and the docid-order pass skips more. Returns the
  // ranges scored, in docid order, for the pass to step over (each document is offered once).
  std::vector<std::pair<std::uint32_t, std::uint32_t>> Seed(std::size_t seed_pieces) {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> ranges;
    StemCursor& w = *words_[0];
    const std::vector<Piece>& pieces = w.pieces();
    if (pieces.size() <= 2 * seed_pieces) return ranges;
    const double threshold = Threshold();
    std::vector<std::pair<double, std::size_t>> ranked;  // (bound, piece)
    std::uint32_t first = 0;
    for (std::size_t i = 0; i < pieces.size(); ++i) {
      const Piece& p = pieces[i];
      if (p.tf > 0) {
        double min_length = 0, boost = 0;
        Region(first, p.last, min_length, boost);
        const double bound = w.RegionBound(p, min_length, q_.avg_length) * boost;
        if (!(bound * kSlack < threshold)) ranked.emplace_back(bound, i);
      }
      first = p.last + 1;
    }
    const std::size_t take = std::min(seed_pieces, ranked.size());
    std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(take),
                      ranked.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    for (std::size_t r = 0; r < take; ++r) {
      const std::size_t i = ranked[r].second;
      ranges.emplace_back(i == 0 ? 0 : pieces[i - 1].last + 1, pieces[i].last);
    }
    std::sort(ranges.begin(), ranges.end());
    StemCursor seed(seg_, q_.words[0], q_.avg_length, false);
    const std::vector<PostingCursor*> cursors = seed.Cursors();
    for (const auto& [from, to] : ranges) {
      if (!cursors.empty()) {
        // No region checks here: the pieces are asked in docid order by the pass after.
        ScanWord(cursors, from, to, {}, false);
        continue;
      }
      for (std::uint32_t d = seed.Advance(from); d != kNoDoc && d <= to; d = seed.Advance(d + 1)) {
        if (Dead(d)) continue;
        tf_[0] = seed.Tf();
        if (!MayReach(d, Threshold())) continue;
        const std::int64_t time_us = TimeOf(d);
        const double score = Score(d, time_us, LengthOf(d));
        if (score >= Threshold()) q_.offer(d, time_us, score);
      }
    }
    return ranges;
  }

  // A single word with nothing else to check, with bounds to rank its pieces by (Seed).
  bool Seedable() const {
    return words_.size() == 1 && words_[0]->bounded() && q_.filters.empty() &&
           q_.time_ranges.empty() && q_.excluded.empty();
  }

  // The rarest word leads; the others (and the filters) are moved to its candidates.
  void RunAnd() {
    // Seeded by SeedWordTopK; otherwise a single word seeds itself, only before there is a
    // threshold (the first segment with matches): later segments start from the earlier ones'
    // threshold, and seeding them then cost more than it saved (measured).
    std::vector<std::pair<std::uint32_t, std::uint32_t>> own_seed;
    if (q_.seed == nullptr && Seedable() && Threshold() == -kInf) own_seed = Seed(kSeedPieces);
    const auto& seeded = q_.seed != nullptr ? q_.seed->ranges : own_seed;
    // A single word: window by window. (The searcher gives it no field filter: a word with
    // one is matched set-at-a-time with it, which costs less.)
    if (words_.size() == 1) {
      std::vector<PostingCursor*> cursors = words_[0]->Cursors();
      if (!cursors.empty()) {
        ScanWord(cursors, 0, n_ - 1, seeded, true);
        return;
      }
    }
    std::size_t seeded_at = 0;
    std::vector<std::size_t> order(words_.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return words_[a]->estimate() < words_[b]->estimate();
    });
    StemCursor& lead = *words_[order[0]];
    const DocList* candidates = words_.size() > 1 ? q_.candidates : nullptr;
    std::size_t candidate_pos = 0;
    PrefetchQueue prefetch;
    // Given the candidates, their bounds from the length code in one pass first (see
    // CandidateBounds); the pass below steps over those under the threshold.
    const bool prebound = candidates != nullptr && all_bounded_ && code_col_ != nullptr;
    const std::vector<double> pre =
        prebound ? CandidateBounds(*candidates) : std::vector<double>();
    std::vector<std::size_t> filter_pos(q_.filters.size(), 0);
    std::size_t excluded_pos = 0;
    std::uint32_t target = 0;
    while (true) {
      std::uint32_t d =
          candidates != nullptr ? Seek(*candidates, candidate_pos, target) : lead.Advance(target);
      if (d == kNoDoc) return;
      // The candidate's bound norm and boost, once its exact check has read them (0: not read).
      double doc_norm = 0, doc_boost = 0;
      if (prebound && pre[candidate_pos] < Threshold()) {
        const double threshold = Threshold();
        do {
          ++candidate_pos;
        } while (candidate_pos < pre.size() && pre[candidate_pos] < threshold);
        if (candidate_pos == pre.size()) return;
        d = (*candidates)[candidate_pos];
      }
      if (candidates != nullptr) PrefetchKept(*candidates, pre, candidate_pos, prefetch);
      while (seeded_at < seeded.size() && seeded[seeded_at].second < d) ++seeded_at;
      if (seeded_at < seeded.size() && seeded[seeded_at].first <= d) {
        target = seeded[seeded_at].second + 1;  // scored by Seed
        if (target >= n_) return;
        continue;
      }
      if (!q_.time_ranges.empty() && !InTimeRanges(q_.time_ranges, TimeOf(d))) {
        target = d + 1;
        continue;
      }
      const double threshold = Threshold();
      if (threshold > -kInf) {
        const std::uint32_t end = SkippableRegion(d, threshold);
        if (end != kNoDoc) {
          target = SkipRegions(end, threshold);
          if (target >= n_) return;
          continue;
        }
      }
      if (all_bounded_ && words_.size() > 1) {
        // Before the other words move (decoding blocks): a word whose pieces hold nothing here
        // rules the docids out up to the piece's end, and the words' block bounds in this
        // document's own length and boost may rule it out.
        std::uint32_t past = 0;
        for (auto& w : words_) {
          const Piece& p = w->PieceAt(d);
          if (p.tf == 0) past = std::max(past, p.last + 1);
        }
        if (past != 0) {
          if (past >= n_) return;
          target = past;
          continue;
        }
        if (threshold > -kInf) {
          // First from the length code and the run's boost (a byte and a table), then from
          // the document's own length and boost.
          if (code_col_ != nullptr && !prebound) {
            const double norm = code_norm_[code_col_[d]];
            double bound = 0;
            for (auto& w : words_) bound += w->DocBound(w->PieceAt(d), norm);
            if (bound * RunBoost(d) * kSlack < threshold) {
              target = d + 1;
              continue;
            }
          }
          doc_norm = BoundNorm(LengthOf(d));
          doc_boost = RecencyBoost(q_.now_us, TimeOf(d));
          double bound = 0;
          for (auto& w : words_) bound += w->DocBound(w->PieceAt(d), doc_norm);
          if (bound * doc_boost * kSlack < threshold) {
            target = d + 1;
            continue;
          }
        }
      }
      target = d;
      // With the candidates given every word moves to them, the lead too. Once a word has
      // moved its exact tf replaces its block bound: most candidates fall short by the rarest
      // word's alone, and the others' blocks are then not read.
      const bool staged = candidates != nullptr && doc_boost > 0;
      for (std::size_t k = candidates != nullptr ? 0 : 1; k < order.size() && target == d; ++k) {
        target = candidates != nullptr ? words_[order[k]]->MoveTo(d) : words_[order[k]]->Advance(d);
        if (staged && target == d && k + 1 < order.size() &&
            !MayReachAfter(d, order, k + 1, doc_norm, doc_boost, Threshold())) {
          target = d + 1;
        }
      }
      for (std::size_t f = 0; f < q_.filters.size() && target == d; ++f) {
        target = Seek(q_.filters[f], filter_pos[f], d);
      }
      if (target == kNoDoc) return;
      if (target != d) continue;
      target = d + 1;
      if (!q_.excluded.empty() && Seek(q_.excluded, excluded_pos, d) == d) continue;
      if (Dead(d)) continue;
      for (std::size_t i = 0; i < words_.size(); ++i) tf_[i] = words_[i]->Tf();
      if (words_.size() == 1 && !MayReach(d, Threshold())) continue;
      const std::int64_t time_us = TimeOf(d);
      const double score = Score(d, time_us, LengthOf(d));
      if (score < Threshold()) continue;
      q_.offer(d, time_us, score);
    }
  }

  // Whether document d may reach the threshold when the words order[0, moved) stand at it:
  // their exact tfs (with the largest idf) and the others' block bounds, at d's bound norm
  // and boost.
  bool MayReachAfter(std::uint32_t d, const std::vector<std::size_t>& order, std::size_t moved,
                     double norm, double boost, double threshold) {
    double bound = 0;
    for (std::size_t k = 0; k < order.size(); ++k) {
      StemCursor& w = *words_[order[k]];
      if (k < moved) {
        const double tf = w.Tf();
        bound += WordScore(w.MaxIdf(), tf, norm);
      } else {
        bound += w.DocBound(w.PieceAt(d), norm);
      }
    }
    return !(bound * boost * kSlack < threshold);
  }

  // Each candidate's bound in the words' pieces at its length code, times its run's boost
  // (and kSlack), as RunAnd's per-candidate check computes it. In one pass over the
  // candidates the reads of their codes overlap, where the docid-order pass waited on each in
  // turn (the codes of a million stories do not stay in a core's cache).
  std::vector<double> CandidateBounds(const DocList& candidates) const {
    const std::size_t n = candidates.size();
    std::vector<double> norm(n);
    std::vector<double> bound(n, 0.0);
    for (std::size_t i = 0; i < n; ++i) norm[i] = code_norm_[code_col_[candidates[i]]];
    for (const auto& w : words_) {
      const std::vector<Piece>& pieces = w->pieces();
      std::size_t p = 0;
      for (std::size_t i = 0; i < n; ++i) {
        while (pieces[p].last < candidates[i]) ++p;
        bound[i] += w->DocBound(pieces[p], norm[i]);
      }
    }
    for (std::size_t i = 0; i < n; ++i) bound[i] = bound[i] * RunBoost(candidates[i]) * kSlack;
    return bound;
  }

  // A single word whose forms count in every document (RunAnd's pass for it, as most
  // single-word queries are, and Seed's ranges): offers the documents of docids [from, to]
  // outside the `seeded` ranges. They are checked in a tight loop over docid and tf arrays,
  // window by window, without a call per document. A window ends where the first of the forms'
  // decoded blocks does; with several forms their documents in it are merged first (tfs
  // summed). Its filters, time ranges and NOT are checked only for the documents its bound
  // keeps (the bound holds whatever they rule out), in docid order still. With `regions` the
  // regions are checked (and skipped) where a window starts: a region ends at a piece's end,
  // and a piece at a block's.
  void ScanWord(const std::vector<PostingCursor*>& cursors, std::uint32_t from, std::uint32_t to,
                const std::vector<std::pair<std::uint32_t, std::uint32_t>>& seeded,
                bool regions) {
    WindowBuffers buffers;
    std::vector<std::size_t> filter_pos(q_.filters.size(), 0);
    std::size_t excluded_pos = 0;
    std::size_t seeded_at = 0;
    std::uint32_t target = from;
    while (true) {
      std::uint32_t d = kNoDoc;
      for (PostingCursor* c : cursors) d = std::min(d, c->Advance(target));
      if (d == kNoDoc || d > to) return;
      while (seeded_at < seeded.size() && seeded[seeded_at].second < d) ++seeded_at;
      if (seeded_at < seeded.size() && seeded[seeded_at].first <= d) {
        target = seeded[seeded_at].second + 1;  // scored by Seed
        if (target > to) return;
        continue;
      }
      double threshold = Threshold();
      if (regions && threshold > -kInf) {
        const std::uint32_t end = SkippableRegion(d, threshold);
        if (end != kNoDoc) {
          target = SkipRegions(end, threshold);
          if (target > to) return;
          continue;
        }
      }
      // Up to the next seeded range and the end of every form's block.
      const std::uint32_t limit =
          WindowEnd(cursors, seeded_at < seeded.size() ? seeded[seeded_at].first - 1 : to);
      const std::uint32_t* docs = nullptr;
      const std::uint32_t* tfs = nullptr;
      const std::size_t n = TakeWindow(cursors, limit, buffers, &docs, &tfs);
      for (std::size_t j = 0; j < n; ++j) {
        const std::uint32_t doc = docs[j];
        if (Dead(doc)) continue;
        const double tf = tfs[j];
        if (!MayReach(doc, tf, threshold)) continue;
        // The filters only for the documents the bound keeps (in docid order still).
        const std::int64_t time_us = TimeOf(doc);
        if (!InTimeRanges(q_.time_ranges, time_us)) continue;
        bool kept = true;
        for (std::size_t f = 0; f < q_.filters.size() && kept; ++f) {
          kept = Seek(q_.filters[f], filter_pos[f], doc) == doc;
        }
        if (!kept) continue;
        if (!q_.excluded.empty() && Seek(q_.excluded, excluded_pos, doc) == doc) continue;
        tf_[0] = tf;
        const double score = Score(doc, time_us, LengthOf(doc));
        if (score < threshold) continue;
        q_.offer(doc, time_us, score);
        threshold = Threshold();
      }
      if (limit >= to) return;
      target = limit + 1;
    }
  }

  // A window of a word's forms: their documents up to the end of the first block among them.
  struct WindowBuffers {
    std::vector<std::uint32_t> merged_docs, merged_tfs, scratch_docs, scratch_tfs;
    std::vector<std::uint32_t> one_docs, one_tfs;  // see Take
  };
  // The window's last docid: `limit`, or the end of a form's decoded block before it.
  static std::uint32_t WindowEnd(const std::vector<PostingCursor*>& cursors,
                                 std::uint32_t limit) {
    for (PostingCursor* c : cursors) {
      if (c->doc() != kNoDoc) limit = std::min(limit, c->BlockLast());
    }
    return limit;
  }
  // The forms' documents up to `limit` (WindowEnd) as one docid and tf array (`docs`, `tfs`;
  // merged, tfs summed, where several forms hold documents there); returns their number.
  static std::size_t TakeWindow(const std::vector<PostingCursor*>& cursors, std::uint32_t limit,
                                WindowBuffers& b, const std::uint32_t** docs_out,
                                const std::uint32_t** tfs_out) {
    b.one_docs.resize(cursors.size());
    b.one_tfs.resize(cursors.size());
    const std::uint32_t* docs = nullptr;
    const std::uint32_t* tfs = nullptr;
    std::size_t n = 0;
    for (std::size_t f = 0; f < cursors.size(); ++f) {
      const std::uint32_t* form_docs = nullptr;
      const std::uint32_t* form_tfs = nullptr;
      const std::size_t form_n =
          Take(*cursors[f], limit, b.one_docs[f], b.one_tfs[f], &form_docs, &form_tfs);
      if (form_n == 0) continue;
      if (n == 0) {
        docs = form_docs;
        tfs = form_tfs;
        n = form_n;
        continue;
      }
      // Another form in the window: merged into one of two buffers (not the one read).
      const bool in_merged = docs == b.merged_docs.data();
      std::vector<std::uint32_t>& out_docs = in_merged ? b.scratch_docs : b.merged_docs;
      std::vector<std::uint32_t>& out_tfs = in_merged ? b.scratch_tfs : b.merged_tfs;
      out_docs.resize(n + form_n);
      out_tfs.resize(n + form_n);
      n = Merge(docs, tfs, n, form_docs, form_tfs, form_n, out_docs.data(), out_tfs.data());
      docs = out_docs.data();
      tfs = out_tfs.data();
    }
    *docs_out = docs;
    *tfs_out = tfs;
    return n;
  }

  // A cursor's documents up to `limit` (TakeBlock), or for a cursor that cannot hand out its
  // block its one document when within the limit (kept in one_doc and one_tf).
  static std::size_t Take(PostingCursor& c, std::uint32_t limit, std::uint32_t& one_doc,
                          std::uint32_t& one_tf, const std::uint32_t** docs,
                          const std::uint32_t** tfs) {
    const std::uint32_t d = c.doc();
    if (d == kNoDoc || d > limit) return 0;
    const std::size_t n = c.TakeBlock(limit, docs, tfs);
    if (n != 0) return n;
    one_doc = d;
    one_tf = c.tf();
    *docs = &one_doc;
    *tfs = &one_tf;
    return 1;
  }

  // Merges two ascending lists of documents into `docs` and `tfs` (room for both), summing
  // the tfs of a document in both; returns the merged count.
  static std::size_t Merge(const std::uint32_t* a_docs, const std::uint32_t* a_tfs,
                           std::size_t a_n, const std::uint32_t* b_docs,
                           const std::uint32_t* b_tfs, std::size_t b_n, std::uint32_t* docs,
                           std::uint32_t* tfs) {
    std::size_t i = 0, j = 0, n = 0;
    while (i < a_n && j < b_n) {
      const std::uint32_t a = a_docs[i], b = b_docs[j];
      docs[n] = std::min(a, b);
      tfs[n++] = (a <= b ? a_tfs[i] : 0) + (b <= a ? b_tfs[j] : 0);
      i += a <= b;
      j += b <= a;
    }
    for (; i < a_n; ++i, ++n) {
      docs[n] = a_docs[i];
      tfs[n] = a_tfs[i];
    }
    for (; j < b_n; ++j, ++n) {
      docs[n] = b_docs[j];
      tfs[n] = b_tfs[j];
    }
    return n;
  }

  // MaxScore: only the documents of the essential words are candidates.
  void RunOr() {
    const std::size_t w = words_.size();
    double min_length = 0, max_boost = kMaxBoost;
    if (runs_ != nullptr) Region(0, n_ - 1, min_length, max_boost);
    std::vector<double> ub(w);
    for (std::size_t i = 0; i < w; ++i) ub[i] = words_[i]->UpperBound(min_length, q_.avg_length);
    std::vector<std::size_t> order(w);  // by upper bound, ascending
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return ub[a] < ub[b]; });
    // order[0, essential) are non-essential: together they cannot reach the threshold.
    // The threshold only rises, so the split only moves right; `non_essential_sum` is the sum of
    // the bounds left of it.
    std::size_t essential = 0;
    double non_essential_sum = 0;
    double split_at = -kInf;
    auto split = [&](double threshold) {
      split_at = threshold;
      while (essential < w) {
        const double next = non_essential_sum + ub[order[essential]];
        if (!(next * max_boost * kSlack < threshold)) break;
        non_essential_sum = next;
        ++essential;
      }
    };
    for (auto& word : words_) word->Advance(0);
    // Each word's forms' cursors, where its forms count in every document (OrWindows).
    std::vector<std::vector<PostingCursor*>> cursors(w);
    if (all_bounded_) {
      for (std::size_t i = 0; i < w; ++i) cursors[i] = words_[i]->Cursors();
    }
    // Whether every essential word has its cursors (OrWindows), since the last split.
    bool windowed = false;
    while (true) {
      const double threshold = Threshold();
      if (threshold != split_at) {
        split(threshold);
        windowed = essential < w;
        for (std::size_t k = essential; k < w; ++k) {
          windowed = windowed && !cursors[order[k]].empty();
        }
      }
      if (essential >= w) return;
      std::uint32_t d = kNoDoc;
      for (std::size_t k = essential; k < w; ++k) d = std::min(d, words_[order[k]]->doc());
      if (d == kNoDoc) return;
      auto next = [&](std::uint32_t target) {
        for (std::size_t k = essential; k < w; ++k) words_[order[k]]->Advance(target);
      };
      if (threshold > -kInf) {
        const std::uint32_t end = SkippableRegion(d, threshold);
        if (end != kNoDoc) {
          const std::uint32_t to = SkipRegions(end, threshold);
          if (to >= n_) return;
          next(to);
          continue;
        }
      }
      if (windowed) {
        const std::uint32_t to = OrWindows(cursors, order, essential);
        if (to >= n_) return;
        next(to);
        continue;
      }
      if (Dead(d)) {
        next(d + 1);
        continue;
      }
      // `partial` and `boost` only bound the score (each word's largest idf, the length code,
      // the boost of the run's newest story): most candidates fall short without a read of
      // their exact length, language or time. The score itself is computed exactly below.
      const double norm = CodeNorm(d);
      double partial = 0;
      for (std::size_t k = essential; k < w; ++k) {
        StemCursor& word = *words_[order[k]];
        tf_[order[k]] = word.doc() == d ? word.Tf() : 0;
        if (tf_[order[k]] != 0) partial += WordScore(word.MaxIdf(), tf_[order[k]], norm);
      }
      const bool bounded = threshold > -kInf && essential > 0;
      const double rest = bounded ? RestBound(d, order, essential, norm) : 0;
      OrCandidate(d, order, essential, partial, rest, norm, threshold);
      next(d + 1);
    }
  }

  // RunOr's essential words' documents a window at a time (up to the end of the first of their
  // forms' decoded blocks), each bounded in a tight loop by the essential words' exact tfs and
  // the others' pieces at its length code, times its run's boost; only those the bound keeps
  // look the others up (OrCandidate). Returns the docid after the window.
  std::uint32_t OrWindows(const std::vector<std::vector<PostingCursor*>>& cursors,
                          const std::vector<std::size_t>& order, std::size_t essential) {
    const std::size_t w = order.size();
    std::uint32_t limit = n_ - 1;
    for (std::size_t k = essential; k < w; ++k) limit = WindowEnd(cursors[order[k]], limit);
    window_runs_.clear();
    if (windows_.size() < w) windows_.resize(w);
    for (std::size_t k = essential; k < w; ++k) {
      const std::size_t i = order[k];
      tf_[i] = 0;  // a word without documents in the window stays at 0
      WindowRun r;
      r.word = i;
      r.idf = words_[i]->MaxIdf();
      r.n = TakeWindow(cursors[i], limit, windows_[i], &r.docs, &r.tfs);
      if (r.n != 0) window_runs_.push_back(r);
    }
    double threshold = Threshold();
    while (true) {
      std::uint32_t doc = kNoDoc;
      for (const WindowRun& r : window_runs_) {
        if (r.at < r.n) doc = std::min(doc, r.docs[r.at]);
      }
      if (doc == kNoDoc) break;
      const double norm = CodeNorm(doc);
      double partial = 0;
      for (WindowRun& r : window_runs_) {
        if (r.at < r.n && r.docs[r.at] == doc) {
          const double tf = r.tfs[r.at++];
          tf_[r.word] = tf;
          partial += WordScore(r.idf, tf, norm);
        } else {
          tf_[r.word] = 0;
        }
      }
      if (Dead(doc)) continue;
      const double rest = RestBound(doc, order, essential, norm);
      if ((partial + rest) * RunBoost(doc) * kSlack < threshold) continue;
      OrCandidate(doc, order, essential, partial, rest, norm, threshold);
      threshold = Threshold();
    }
    return limit + 1;
  }

  // The non-essential words' block bounds in document d at length normalisation `norm`, each
  // kept in bound_ for OrCandidate; returns their sum.
  double RestBound(std::uint32_t d, const std::vector<std::size_t>& order, std::size_t essential,
                   double norm) {
    double rest = 0;
    for (std::size_t k = 0; k < essential; ++k) {
      StemCursor& word = *words_[order[k]];
      bound_[k] = word.DocBound(word.PieceAt(d), norm);
      rest += bound_[k];
    }
    return rest;
  }

  // An OR's candidate d, given the essential words' tfs in tf_ and `partial`, the bound of
  // their score at d's length code (`norm`), and the non-essential words' bounds (RestBound:
  // `rest`, bound_): those words, the largest bound first, each at most its block bound in
  // this document until looked up, stop as soon as the rest cannot reach the threshold; a
  // candidate that may is scored and offered.
  void OrCandidate(std::uint32_t d, const std::vector<std::size_t>& order, std::size_t essential,
                   double partial, double rest, double norm, double threshold) {
    const double boost = RunBoost(d);
    if (threshold > -kInf && essential > 0) {
      for (std::size_t k = essential; k-- > 0;) {
        if ((partial + rest) * boost * kSlack < threshold) return;
        StemCursor& word = *words_[order[k]];
        tf_[order[k]] = word.Advance(d) == d ? word.Tf() : 0;
        rest -= bound_[k];
        if (tf_[order[k]] != 0) partial += WordScore(word.MaxIdf(), tf_[order[k]], norm);
      }
      if ((partial + rest) * boost * kSlack < threshold) return;
    } else {
      for (std::size_t k = 0; k < essential; ++k) {
        StemCursor& word = *words_[order[k]];
        tf_[order[k]] = word.Advance(d) == d ? word.Tf() : 0;
      }
    }
    const std::int64_t time_us = TimeOf(d);
    const double score = Score(d, time_us, LengthOf(d));
    if (score >= Threshold()) q_.offer(d, time_us, score);
  }

  const TopKSegmentQuery& q_;
  const Segment& seg_;
  const std::uint32_t n_;
  const RunStat* runs_;
  const std::int64_t* time_col_;
  const std::uint32_t* length_col_;
  const std::uint8_t* code_col_;  // LengthCode per document (bounds only), or nullptr
  const bool one_language_;
  const bool check_live_;
  std::vector<std::unique_ptr<StemCursor>> words_;
  std::vector<double> tf_;
  double norm_base_ = 0;           // DocNorm(length) = norm_base_ + norm_per_length_ length
  double norm_per_length_ = 0;
  double code_norm_[256];          // BoundNorm(LengthOfCode(c)), when code_col_
  bool all_bounded_ = false;       // every word has pieces
  std::vector<double> bound_;      // RunOr: the non-essential words' bounds in a candidate
  // OrWindows': an essential word's documents in the window, and the next one's index.
  struct WindowRun {
    const std::uint32_t* docs = nullptr;
    const std::uint32_t* tfs = nullptr;
    std::size_t n = 0, at = 0;
    double idf = 0;
    std::size_t word = 0;
  };
  std::vector<WindowRun> window_runs_;
  std::vector<WindowBuffers> windows_;  // per word
  std::vector<double> run_boost_;  // the boost of each run's newest story
  std::uint32_t checked_end_ = 0;  // SkippableRegion: the last region that could not be skipped
  double checked_threshold_ = std::numeric_limits<double>::quiet_NaN();
};

}  // namespace

void RunWordTopK(const TopKSegmentQuery& q) { WordTopK(q).Run(); }

void SeedWordTopK(const TopKSegmentQuery& q) {
  if (q.seed != nullptr) WordTopK(q).RunSeed();
}

DocList MatchesAmong(const DocList& met, const TopKSegmentQuery& q) {
  const Segment& seg = *q.segment;
  const std::int64_t* times = seg.TimeColumn();
  std::vector<std::size_t> filter_pos(q.filters.size(), 0);
  DocList out;
  for (const std::uint32_t d : met) {
    if (!q.time_ranges.empty() &&
        !InTimeRanges(q.time_ranges, times != nullptr ? times[d] : seg.doc(d).time_us)) {
      continue;
    }
    bool kept = true;
    for (std::size_t f = 0; f < q.filters.size() && kept; ++f) {
      kept = Seek(q.filters[f], filter_pos[f], d) == d;
    }
    if (kept) out.push_back(d);
  }
  return out;
}

}  // namespace dateline::index
