#include "index/segment_matcher.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "index/analyzed_story.h"
#include "index/bit_count.h"
#include "index/block_codec.h"
#include "text/analyzer.h"

namespace dateline::index {
namespace {

using query::Kind;
using query::Node;

struct Span {
  std::uint32_t first;
  std::uint32_t last;
};

struct Window {
  std::uint32_t lo = 0;
  std::uint32_t hi = std::numeric_limits<std::uint32_t>::max();
};

DocList Intersect(const DocList& a, const DocList& b) {
  DocList out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}
DocList Union(const DocList& a, const DocList& b) {
  DocList out;
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}
DocList Difference(const DocList& a, const DocList& b) {
  DocList out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}


// One query word at one place of a sequence: which exact words count as it in a document.
struct WordSpec {
  std::string word;   // folded
  bool exact = true;  // false: any word with the same stem (in the document's language)
};

std::vector<WordSpec> SequenceOf(const Node& n) {
  std::vector<WordSpec> out;
  if (n.kind == Kind::kTerm) {
    for (std::string& w : QueryWords(n.text)) out.push_back({std::move(w), n.exact});
  } else if (n.kind == Kind::kPhrase) {
    for (const std::string& word : n.words) {
      for (std::string& w : QueryWords(word)) out.push_back({std::move(w), true});
    }
  }
  return out;
}

bool IsSpanNode(const Node& n) {
  if (n.kind == Kind::kTerm || n.kind == Kind::kPhrase || n.kind == Kind::kPrefix) return true;
  // An OR has its operands' occurrences; a proximity expression one per satisfying combination.
  return n.kind == Kind::kOr || n.kind == Kind::kNear || n.kind == Kind::kWithin ||
         n.kind == Kind::kSame;
}

// Documents are found by iterators in two phases (as Lucene's two-phase iterators): Advance
// moves to the first document >= target that may match, using postings only; Confirm decides
// that document with what costs more (positions, times, exclusions). An AND moves its operands
// by leapfrogging from the cheapest one, so a rare operand drives and the cursors of frequent
// ones jump over whole blocks by their skip entries; no operand's full document list is built.
// Targets only grow; an iterator asked for an earlier one starts again.
class WordIter;
class BitsIter;
class CheckedIter;

class DocIter {
 public:
  virtual ~DocIter() = default;
  // The first document >= target that may match, or kNoDoc.
  virtual std::uint32_t Advance(std::uint32_t target) = 0;
  // Whether document d, the one Advance stopped at, matches.
  virtual bool Confirm(std::uint32_t d) {
    (void)d;
    return true;
  }
  // Advance without the virtual call when the iterator already stands on or after `target`.
  std::uint32_t Seek(std::uint32_t target) {
    if (started_ && doc_ >= target) return doc_;
    started_ = true;
    return Advance(target);
  }
  std::uint32_t doc() const { return doc_; }
  // About how many documents Advance stops at (the order of an AND's operands).
  std::uint64_t cost() const { return cost_; }
  // Told by an AND that it will be asked about the documents of an operand of cost
  // `driver_cost` (its cheapest): a word may then read its postings into a bitmap at once
  // instead of seeking its cursors for every one of them.
  virtual void Densify(std::uint64_t driver_cost) { (void)driver_cost; }
  // The iterator as a word's, or nullptr.
  virtual WordIter* AsWord() { return nullptr; }
  // The iterator as a bitmap's, or nullptr.
  virtual BitsIter* AsBits() { return nullptr; }
  // The iterator as a checked one's, or nullptr.
  virtual CheckedIter* AsChecked() { return nullptr; }

 protected:
  std::uint32_t doc_ = kNoDoc;
  std::uint64_t cost_ = 0;
  bool started_ = false;
};

class EmptyIter final : public DocIter {
 public:
  std::uint32_t Advance(std::uint32_t) override { return doc_ = kNoDoc; }
};

// Every document below `hi`.
class AllIter final : public DocIter {
 public:
  AllIter(std::uint32_t lo, std::uint32_t hi) : hi_(hi) { cost_ = hi > lo ? hi - lo : 0; }
  std::uint32_t Advance(std::uint32_t target) override {
    return doc_ = target < hi_ ? target : kNoDoc;
  }

 private:
  std::uint32_t hi_;
};

// Documents whose time lies in [from, to], read from the dense time column; the runs whose
// newest time is older than `from` or whose oldest is newer than `to` are stepped over whole
// (docids follow the log, so mostly time: a range of weeks skips most of a year's segment).
class TimeIter final : public DocIter {
 public:
  TimeIter(const Segment& seg, std::int64_t from, std::int64_t to, std::uint32_t lo,
           std::uint32_t hi)
      : times_(seg.TimeColumn()), runs_(seg.Runs()), mins_(seg.RunMinTimes()), from_(from),
        to_(to), hi_(hi) {
    for (std::uint32_t r = lo / kTimeRun; std::uint64_t{r} * kTimeRun < hi; ++r) {
      if (!Outside(r)) cost_ += kTimeRun;
    }
  }
  // Usable only where the segment keeps the columns.
  static bool Available(const Segment& seg) {
    return seg.TimeColumn() != nullptr && seg.Runs() != nullptr && seg.RunMinTimes() != nullptr;
  }

  std::uint32_t Advance(std::uint32_t target) override {
    std::uint32_t d = target;
    while (d < hi_) {
      const std::uint32_t r = d / kTimeRun;
      const std::uint32_t end =
          static_cast<std::uint32_t>(std::min<std::uint64_t>(hi_, (r + 1ull) * kTimeRun));
      if (Outside(r)) {
        d = end;
        continue;
      }
      for (; d < end; ++d) {
        if (times_[d] >= from_ && times_[d] <= to_) return doc_ = d;
      }
    }
    return doc_ = kNoDoc;
  }

 private:
  bool Outside(std::uint32_t r) const { return runs_[r].max_time < from_ || mins_[r] > to_; }

  const std::int64_t* times_;
  const RunStat* runs_;
  const std::int64_t* mins_;
  std::int64_t from_;
  std::int64_t to_;
  std::uint32_t hi_;
};

// A document list built beforehand (prefix expansions, NOT, ...).
class ListIter final : public DocIter {
 public:
  explicit ListIter(DocList docs) : docs_(std::move(docs)) { cost_ = docs_.size(); }
  std::uint32_t Advance(std::uint32_t target) override {
    if (target < last_) at_ = 0;
    last_ = target;
    while (at_ < docs_.size() && docs_[at_] < target) ++at_;
    return doc_ = at_ < docs_.size() ? docs_[at_] : kNoDoc;
  }

 private:
  DocList docs_;
  std::size_t at_ = 0;
  std::uint32_t last_ = 0;
};

// The kept bitmaps of FillTerms hold a bit per document of the segment and are made for every
// query: their memory stays with the thread for the next ones (at most kSpareBits of them)
// instead of going back to the allocator, which returns it to the system and then faults it in
// again page by page (measured: the phrase count's gain lost in a run of every query class).
constexpr std::size_t kSpareBits = 16;
thread_local std::vector<std::vector<std::uint64_t>> spare_bits;

std::vector<std::uint64_t> ZeroedBits(std::size_t words) {
  std::vector<std::uint64_t> v;
  if (!spare_bits.empty()) {
    v = std::move(spare_bits.back());
    spare_bits.pop_back();
  }
  v.assign(words, 0);
  return v;
}

void Recycle(std::vector<std::vector<std::uint64_t>>& kept) {
  for (std::vector<std::uint64_t>& v : kept) {
    if (v.capacity() > 0 && spare_bits.size() < kSpareBits) spare_bits.push_back(std::move(v));
  }
  kept.clear();
}

// Sets the documents of the postings of `terms` in `bits`, a bitmap of [lo, hi) (with `where`
// a bitmap of the same range, as SetBitsWhere: possibly only those also set there). With
// `kept`, a term of more than one block sets its documents in a bitmap of its own instead,
// (*kept)[i] for terms[i] (empty for the others), merged into `bits` over the words of `where`
// that hold documents (the caller keeps no others; all words without `where`).
void FillTerms(const Segment& seg, const std::vector<TermRef>& terms, std::uint32_t lo,
               std::uint32_t hi, std::uint64_t* bits, const std::uint64_t* where,
               std::vector<std::vector<std::uint64_t>>* kept) {
  const std::size_t words = (std::size_t{hi - lo} + 63) / 64;
  std::size_t first = 0, last = words;
  if (kept != nullptr) {
    Recycle(*kept);
    kept->resize(terms.size());
    if (where != nullptr) {
      while (first < last && where[first] == 0) ++first;
      while (last > first && where[last - 1] == 0) --last;
    }
  }
  for (std::size_t i = 0; i < terms.size(); ++i) {
    auto cur = seg.PostingsOf(terms[i]);
    if (!cur) continue;
    std::uint64_t* out = bits;
    if (kept != nullptr && terms[i].doc_freq > kBlockSize) {
      // Zeroed whole: a block the fill decodes may reach outside [first, last), and a count
      // in it reads its words.
      (*kept)[i] = ZeroedBits(words);
      out = (*kept)[i].data();
    }
    if (where == nullptr) {
      cur->SetBits(lo, hi, out);
    } else {
      cur->SetBitsWhere(lo, hi, out, where);
    }
    if (out != bits) {
      for (std::size_t w = first; w < last; ++w) bits[w] |= out[w];
    }
  }
}

// The positions of a run of documents: document j's are pos[ends[j - 1] (0 for j = 0), ends[j]).
struct PositionBatch {
  std::vector<std::uint32_t> pos;
  std::vector<std::uint32_t> ends;
  std::span<const std::uint32_t> Of(std::size_t j) const {
    const std::uint32_t from = j == 0 ? 0 : ends[j - 1];
    return {pos.data() + from, ends[j] - from};
  }
};

// The documents of one query word (or one field value): the union of the postings of its exact
// forms, each restricted to documents of its language when the segment has several.
class WordIter final : public DocIter {
 public:
  struct Key {
    std::string key;
    int language;  // -1: any document
  };
  ~WordIter() override { Recycle(form_bits_); }
  WordIter(const Segment& seg, std::vector<Key> keys, std::uint32_t lo, std::uint32_t hi)
      : seg_(seg), keys_(std::move(keys)), lo_(lo), hi_(hi) {
    // One dictionary lookup per form: starting again (Open) and Densify reuse the terms.
    std::vector<std::string> forms;  // a stem's forms: ascending, language by language
    forms.reserve(keys_.size());
    for (const Key& k : keys_) forms.push_back(k.key);
    terms_ = seg_.LookupAscending(forms);
    for (const TermRef& t : terms_) cost_ += t.doc_freq;
    Open();
  }

  // A bitmap costs about a nanosecond per posting to fill and next to nothing to ask; a cursor
  // seek costs tens (more with every exact form of a bare word). An AND asks about roughly its
  // cheapest operand's documents, so a word whose postings are not much more numerous than
  // those times its forms is read into a bitmap instead, a chunk of documents at a time when
  // the AND first reaches it (chunks the AND steps over, as a time range's, are never read).
  // Not for words whose positions are read (their cursors move to every candidate anyway), nor
  // with several languages (checked per document).
  void Densify(std::uint64_t driver_cost) override {
    if (dense_ || positional_ || check_language_ || entries_.empty() || lo_ >= hi_) return;
    if (cost_ > kDenseGain * driver_cost * entries_.size()) return;
    if (entries_.size() == 1 && cost_ <= driver_cost) return;  // a lone form drives: no gain
    bits_.assign((std::size_t{hi_ - lo_} + 63) / 64, 0);
    chunk_ready_.assign((std::size_t{hi_ - lo_} + kChunkDocs - 1) / kChunkDocs, 0);
    fill_.clear();
    for (const TermRef& term : terms_) {
      if (auto cur = seg_.PostingsOf(term)) fill_.push_back(std::move(cur));
    }
    fill_at_ = lo_;
    dense_ = true;
  }
  // Positions will be read: Densify leaves the word alone.
  void WantPositions() { positional_ = true; }
  bool positional() const { return positional_; }

  // Sets the word's documents in `bits` as the matcher's FillTerms does, keeping a bitmap of
  // each form of more than one block (FillTerms): Positions then moves that form's cursor to a
  // candidate by counting documents in it (MoveByBits) instead of decoding the candidate's
  // block. Only the documents of `where` may be asked for afterwards.
  void FillForms(std::uint64_t* bits, const std::uint64_t* where) {
    FillTerms(seg_, terms_, lo_, hi_, bits, where, &form_bits_);
    by_bits_ = true;
  }
  // Keeps in `tfs` the tf of every document whose positions are read, for a word of one form
  // that counts in every document (MatchTfs).
  void RecordTfs(MatchTfs* tfs) {
    if (keys_.size() != 1 || keys_[0].language >= 0 || terms_[0].doc_freq == 0) return;
    tfs_ = tfs;
    tf_list_ = tfs->lists.size();
    tfs->lists.push_back({terms_[0].slot, {}});
  }
  // Whether every form counts in every document (no form is restricted to a language), so
  // that the word's documents are its forms' postings.
  bool PlainForms() const { return !check_language_; }
  // The forms' terms in the segment (some may be absent: doc_freq 0).
  const std::vector<TermRef>& terms() const { return terms_; }
  bool dense() const { return dense_; }
  std::uint32_t lo() const { return lo_; }
  std::uint32_t hi() const { return hi_; }
  // Dense only: bitmap word w (documents lo_ + 64 w ...), its chunk filled first.
  std::uint64_t BitWord(std::size_t w) {
    const std::size_t c = w * 64 / kChunkDocs;
    if (!chunk_ready_[c]) FillChunk(c);
    return bits_[w];
  }

  WordIter* AsWord() override { return this; }

  std::uint32_t Advance(std::uint32_t target) override {
    if (dense_) return doc_ = NextBit(target);
    if (target < last_) Open();
    last_ = target;
    if (opened_ && doc_ != kNoDoc && doc_ >= target) return doc_;
    if (entries_.size() == 1 && entries_[0].language < 0) {
      opened_ = true;
      return doc_ = entries_[0].doc = entries_[0].cur->Advance(target);
    }
    std::uint32_t t = target;
    while (true) {
      std::uint32_t m = kNoDoc;
      for (Entry& e : entries_) {
        // Each form's own docid spares the virtual call of the cursors already past t.
        if (!opened_ || e.doc < t) e.doc = e.cur->Advance(t);
        m = std::min(m, e.doc);
      }
      opened_ = true;
      if (m == kNoDoc || !check_language_) return doc_ = m;
      const int lang = seg_.doc(m).language;
      for (const Entry& e : entries_) {
        if (e.doc == m && (e.language < 0 || e.language == lang)) return doc_ = m;
      }
      t = m + 1;
    }
  }

  // Positions of document d (ascending); empty when the word is not in it.
  void Positions(std::uint32_t d, std::vector<std::uint32_t>& out) {
    ReadPositions(d, out);
    if (tfs_ != nullptr) Record(d, out.size());
  }

  // Positions of each of `docs` (ascending, none before the last document asked for) into
  // `out`. A word of one form read into a bitmap (FillForms) has its cursor read them all in
  // one call.
  void PositionsOf(const std::vector<std::uint32_t>& docs, PositionBatch& out) {
    out.pos.clear();
    out.ends.clear();
    if (by_bits_ && !check_language_ && entries_.size() == 1 && !docs.empty() &&
        docs.front() >= std::max(lo_, last_bits_) && docs.back() < hi_) {
      Entry& e = entries_[0];
      const std::vector<std::uint64_t>& fb = form_bits_[e.key];
      if (!fb.empty()) {
        e.cur->PositionsByBits(docs.data(), docs.size(), fb.data(), lo_, out.pos, out.ends);
        last_bits_ = docs.back();
        if (tfs_ != nullptr) {
          for (std::size_t j = 0; j < docs.size(); ++j) Record(docs[j], out.Of(j).size());
        }
        return;
      }
    }
    for (const std::uint32_t d : docs) {
      Positions(d, batch_one_);
      out.pos.insert(out.pos.end(), batch_one_.begin(), batch_one_.end());
      out.ends.push_back(static_cast<std::uint32_t>(out.pos.size()));
    }
  }

 private:
  // Positions() without keeping the tf.
  void ReadPositions(std::uint32_t d, std::vector<std::uint32_t>& out) {
    out.clear();
    if (by_bits_) {
      PositionsFromBits(d, out);
      return;
    }
    if (Seek(d) != d) return;
    if (dense_) {
      // The bitmap found the document; the forms' cursors move to it only now.
      if (d < last_) Open();
      last_ = d;
      for (Entry& e : entries_) {
        if (!opened_ || e.doc < d) e.doc = e.cur->Advance(d);
      }
      opened_ = true;
    }
    const int lang = check_language_ ? seg_.doc(d).language : -1;
    std::size_t found = 0;
    for (Entry& e : entries_) {
      if (e.doc != d || (e.language >= 0 && e.language != lang)) continue;
      AddPositions(e, found++, out);
    }
    if (found > 1) std::sort(out.begin(), out.end());
  }

  struct Entry {
    std::unique_ptr<PostingCursor> cur;
    int language;
    std::uint32_t doc = 0;  // the cursor's document once opened_ (or moved)
    std::size_t key = 0;    // into keys_
    bool moved = false;     // PositionsFromBits: doc is the cursor's document
  };
  void Open() {
    entries_.clear();
    check_language_ = false;
    for (std::size_t i = 0; i < keys_.size(); ++i) {
      if (auto cur = seg_.PostingsOf(terms_[i])) {
        entries_.push_back({std::move(cur), keys_[i].language, 0, i});
        check_language_ |= keys_[i].language >= 0;
      }
    }
    opened_ = entries_.empty();
    started_ = false;
    doc_ = kNoDoc;
  }

  // Positions after FillForms: a form with a bitmap holds d when its bit is set, and its
  // cursor moves there by the bitmap; the other forms' cursors move as in Advance.
  void PositionsFromBits(std::uint32_t d, std::vector<std::uint32_t>& out) {
    if (d < lo_ || d >= hi_) return;
    if (d < last_bits_) Open();  // backwards (not done by the matcher): cursors start again
    last_bits_ = d;
    const std::size_t bit = d - lo_;
    std::size_t found = 0;
    for (Entry& e : entries_) {
      const std::vector<std::uint64_t>& fb = form_bits_[e.key];
      if (!fb.empty()) {
        if (((fb[bit >> 6] >> (bit & 63)) & 1) == 0) continue;
        if (!e.cur->MoveByBits(d, fb.data(), lo_) && e.cur->Advance(d) != d) continue;
      } else {
        if (!e.moved || e.doc < d) e.doc = e.cur->Advance(d);
        e.moved = true;
        if (e.doc != d) continue;
      }
      AddPositions(e, found++, out);
    }
    if (found > 1) std::sort(out.begin(), out.end());
  }

  // Keeps document d's tf (count > 0) unless it was kept already.
  void Record(std::uint32_t d, std::size_t count) {
    auto& docs = tfs_->lists[tf_list_].docs;
    if (count > 0 && (docs.empty() || docs.back().first < d)) {
      docs.emplace_back(d, static_cast<std::uint32_t>(count));
    }
  }

  // Appends the positions of entry e's current document to `out`, the found-th form found to
  // hold it (the caller sorts them when there are several).
  void AddPositions(Entry& e, std::size_t found, std::vector<std::uint32_t>& out) {
    if (found == 0) {
      e.cur->Positions(out);
      return;
    }
    e.cur->Positions(scratch_);
    out.insert(out.end(), scratch_.begin(), scratch_.end());
  }

  static constexpr std::uint64_t kDenseGain = 8;
  static constexpr std::uint32_t kChunkDocs = 4096;

  // Sets the bits of chunk c from the fill cursors (started again when the chunk lies before
  // the last one filled). Returns the first document after the chunk that one of the forms
  // holds (the cursors stand there), or kNoDoc.
  std::uint32_t FillChunk(std::size_t c) {
    const std::uint32_t clo = lo_ + static_cast<std::uint32_t>(c) * kChunkDocs;
    const std::uint32_t chi = static_cast<std::uint32_t>(std::min<std::uint64_t>(
        hi_, std::uint64_t{clo} + kChunkDocs));
    if (clo < fill_at_) {
      fill_.clear();
      for (const TermRef& term : terms_) {
        if (auto cur = seg_.PostingsOf(term)) fill_.push_back(std::move(cur));
      }
    }
    fill_at_ = chi;
    std::uint32_t next = kNoDoc;
    for (auto& cur : fill_) {
      scratch_.clear();
      cur->AppendRange(clo, chi, scratch_);
      SetAscendingBits(scratch_.data(), scratch_.data() + scratch_.size(), lo_, bits_.data());
      next = std::min(next, cur->doc());
    }
    chunk_ready_[c] = 1;
    return next;
  }

  // The first document >= target of the bitmap, or kNoDoc.
  std::uint32_t NextBit(std::uint32_t target) {
    if (target < lo_) target = lo_;
    while (target < hi_) {
      const std::size_t c = (target - lo_) / kChunkDocs;
      std::uint32_t after = static_cast<std::uint32_t>(
          std::min<std::uint64_t>(hi_, lo_ + (std::uint64_t{c} + 1) * kChunkDocs));
      if (!chunk_ready_[c]) after = std::max(after, FillChunk(c));
      const std::size_t end_word = std::min(bits_.size(), (c + 1) * kChunkDocs / 64);
      std::size_t w = (target - lo_) >> 6;
      std::uint64_t word = bits_[w] & (~std::uint64_t{0} << ((target - lo_) & 63));
      while (word == 0 && ++w < end_word) word = bits_[w];
      if (word != 0) return lo_ + static_cast<std::uint32_t>(w * 64 + std::countr_zero(word));
      // Nothing more in this chunk: on to the next document a form holds.
      target = after;
    }
    return kNoDoc;
  }

  const Segment& seg_;
  std::vector<Key> keys_;
  std::vector<TermRef> terms_;  // per key
  std::uint32_t lo_;  // the matcher's documents [lo_, hi_)
  std::uint32_t hi_;
  std::vector<Entry> entries_;
  bool check_language_ = false;
  bool opened_ = false;  // the entries' cursors have been moved
  std::uint32_t last_ = 0;
  std::vector<std::uint32_t> scratch_;
  bool positional_ = false;  // WantPositions
  // Densify: bit d - lo_ says whether document d holds one of the forms, once the chunk of
  // kChunkDocs documents it lies in is ready; fill_ are the cursors that fill the chunks, up to
  // fill_at_.
  bool dense_ = false;
  std::vector<std::uint64_t> bits_;
  std::vector<std::uint8_t> chunk_ready_;
  std::vector<std::unique_ptr<PostingCursor>> fill_;
  std::uint32_t fill_at_ = 0;
  // FillForms: per form (terms_ index), its documents where the fill set them, or empty.
  bool by_bits_ = false;
  std::vector<std::vector<std::uint64_t>> form_bits_;
  std::uint32_t last_bits_ = 0;  // PositionsFromBits' and PositionsOf's last document
  std::vector<std::uint32_t> batch_one_;  // PositionsOf's one document
  MatchTfs* tfs_ = nullptr;  // RecordTfs: tfs_->lists[tf_list_] keeps the tfs read
  std::size_t tf_list_ = 0;
};

// Documents every operand may match (leapfrogging, cheapest operand first), confirmed by every
// operand, by none of the excluded ones and by the extra checks (positions, time ranges).
class ConjIter final : public DocIter {
 public:
  ConjIter(std::vector<DocIter*> operands, std::vector<DocIter*> excluded,
           std::vector<std::function<bool(std::uint32_t)>> checks)
      : ops_(std::move(operands)), excluded_(std::move(excluded)), checks_(std::move(checks)) {
    std::stable_sort(ops_.begin(), ops_.end(),
                     [](const DocIter* a, const DocIter* b) { return a->cost() < b->cost(); });
    cost_ = ops_.empty() ? 0 : ops_[0]->cost();
  }

  void Densify(std::uint64_t driver_cost) override {
    for (DocIter* op : ops_) op->Densify(std::min(driver_cost, cost_));
    // Every operand a bitmap (words of the same matcher range): their words are ANDed.
    dense_.clear();
    for (DocIter* op : ops_) {
      WordIter* w = op->AsWord();
      if (w == nullptr || !w->dense()) {
        dense_.clear();
        return;
      }
      dense_.push_back(w);
    }
  }

  // The cheapest operand leads: each document it stops at is offered to the others in order of
  // cost, and the first that does not hold it sends the lead past the document it skipped to.
  // A dense operand is asked only where all the cheaper ones agree (asking the operands in
  // turn asked it at every disagreement: once per lead document).
  std::uint32_t Advance(std::uint32_t target) override {
    if (ops_.empty()) return doc_ = kNoDoc;
    if (!dense_.empty()) return doc_ = NextCommonBit(target);
    std::uint32_t d = ops_[0]->Seek(target);
    while (d != kNoDoc) {
      std::size_t i = 1;
      for (; i < ops_.size(); ++i) {
        const std::uint32_t x = ops_[i]->Seek(d);
        if (x != d) {
          d = x == kNoDoc ? kNoDoc : ops_[0]->Seek(x);
          break;
        }
      }
      if (i == ops_.size()) break;
    }
    return doc_ = d;
  }

  bool Confirm(std::uint32_t d) override {
    if (dense_.empty()) {  // bitmap words need no confirmation
      for (DocIter* op : ops_) {
        if (!op->Confirm(d)) return false;
      }
    }
    for (DocIter* ex : excluded_) {
      if (ex->Seek(d) == d && ex->Confirm(d)) return false;
    }
    for (const auto& check : checks_) {
      if (!check(d)) return false;
    }
    return true;
  }

 private:
  // The first document >= target in every operand's bitmap, 64 documents at a time; an
  // operand's chunk is filled only where the cheaper ones have documents.
  std::uint32_t NextCommonBit(std::uint32_t target) {
    const std::uint32_t lo = dense_[0]->lo();
    const std::uint32_t hi = dense_[0]->hi();
    if (target < lo) target = lo;
    if (target >= hi) return kNoDoc;
    const std::size_t words = (std::size_t{hi - lo} + 63) / 64;
    std::uint64_t mask = ~std::uint64_t{0} << ((target - lo) & 63);
    for (std::size_t w = (target - lo) >> 6; w < words; ++w, mask = ~std::uint64_t{0}) {
      std::uint64_t x = mask;
      for (WordIter* op : dense_) {
        x &= op->BitWord(w);
        if (x == 0) break;
      }
      if (x != 0) return lo + static_cast<std::uint32_t>(w * 64 + std::countr_zero(x));
    }
    return kNoDoc;
  }

  std::vector<DocIter*> ops_;
  std::vector<DocIter*> excluded_;
  std::vector<std::function<bool(std::uint32_t)>> checks_;
  std::vector<WordIter*> dense_;  // Densify: every operand's bitmap
};

// The documents set in a bitmap of [lo, lo + 64 * bits.size()), whose 64-bit words outside
// [first, last) are 0 (Matcher::MeetBits).
class BitsIter final : public DocIter {
 public:
  BitsIter(std::vector<std::uint64_t> bits, std::uint32_t lo, std::size_t first,
           std::size_t last)
      : bits_(std::move(bits)), lo_(lo), first_(first), last_(last) {
    if (last_ > first_) cost_ = OnesIn(bits_.data() + first_, last_ - first_);
  }
  BitsIter* AsBits() override { return this; }
  std::uint32_t Advance(std::uint32_t target) override {
    if (target < lo_) target = lo_;
    std::size_t w = (target - lo_) >> 6;
    std::uint64_t x = 0;
    if (w < first_) {
      w = first_;
      x = first_ < last_ ? bits_[w] : 0;
    } else if (w < last_) {
      x = bits_[w] & (~std::uint64_t{0} << ((target - lo_) & 63));
    }
    while (x == 0) {
      if (++w >= last_) return doc_ = kNoDoc;
      x = bits_[w];
    }
    return doc_ = lo_ + static_cast<std::uint32_t>(w * 64 + std::countr_zero(x));
  }
  // ORs the documents into `out`, a bitmap of the same range.
  void OrInto(std::uint64_t* out) const {
    for (std::size_t w = first_; w < last_; ++w) out[w] |= bits_[w];
  }

 private:
  std::vector<std::uint64_t> bits_;
  std::uint32_t lo_;
  std::size_t first_;
  std::size_t last_;
};

// Documents any operand matches.
class UnionIter final : public DocIter {
 public:
  explicit UnionIter(std::vector<DocIter*> operands) : ops_(std::move(operands)) {
    for (const DocIter* op : ops_) cost_ += op->cost();
  }
  void Densify(std::uint64_t driver_cost) override {
    for (DocIter* op : ops_) op->Densify(driver_cost);
  }
  std::uint32_t Advance(std::uint32_t target) override {
    std::uint32_t m = kNoDoc;
    for (DocIter* op : ops_) m = std::min(m, op->Seek(target));
    return doc_ = m;
  }
  bool Confirm(std::uint32_t d) override {
    for (DocIter* op : ops_) {
      if (op->doc() == d && op->Confirm(d)) return true;
    }
    return false;
  }

 private:
  std::vector<DocIter*> ops_;
};

// An iterator with one more check in its confirmation.
class CheckedIter final : public DocIter {
 public:
  CheckedIter(DocIter* inner, std::function<bool(std::uint32_t)> check)
      : inner_(inner), check_(std::move(check)) {
    cost_ = inner->cost();
  }
  std::uint32_t Advance(std::uint32_t target) override { return doc_ = inner_->Seek(target); }
  bool Confirm(std::uint32_t d) override { return inner_->Confirm(d) && check_(d); }
  void Densify(std::uint64_t driver_cost) override { inner_->Densify(driver_cost); }
  CheckedIter* AsChecked() override { return this; }

  // A check of many documents at once, keeping in its argument those that pass: asked for
  // every candidate (a Collect), it reads each word's positions in one loop per run of them.
  using Batch = std::function<void(std::vector<std::uint32_t>& docs)>;
  void SetBatch(Batch batch) { batch_ = std::move(batch); }
  // Only over a bitmap of candidates: were the words themselves the candidates' iterators,
  // they would stand past the run before its positions were asked for.
  bool batched() { return batch_ && inner_->AsBits() != nullptr; }

  // Appends the matching documents of [lo, hi) to `out` by the batch check (batched()).
  void CollectBatched(std::uint32_t lo, std::uint32_t hi, std::vector<std::uint32_t>& out) {
    std::vector<std::uint32_t> run;
    run.reserve(kBatchDocs);
    for (std::uint32_t d = inner_->Seek(lo);; d = inner_->Seek(d + 1)) {
      const bool end = d >= hi;
      if (!end && inner_->Confirm(d)) run.push_back(d);
      if (end || run.size() == kBatchDocs) {
        if (!run.empty()) batch_(run);
        out.insert(out.end(), run.begin(), run.end());
        run.clear();
      }
      if (end) return;
    }
  }

 private:
  static constexpr std::size_t kBatchDocs = 512;
  DocIter* inner_;
  std::function<bool(std::uint32_t)> check_;
  Batch batch_;
};

class Matcher {
 public:
  Matcher(const Segment& seg, std::int64_t now_us, std::uint32_t lo, std::uint32_t hi)
      : seg_(seg), now_us_(now_us), lo_(lo), hi_(std::min(hi, seg.doc_count())) {}

  // Words of one exact form keep the tfs they read in `tfs` (MatchTfs).
  void KeepTfs(MatchTfs* tfs) { tfs_ = tfs; }

  // Whether document d, which holds every word of the phrase or proximity node n, matches it
  // (PositionCheck): the check its iterator makes of each candidate.
  bool Confirms(const Node& n, std::uint32_t d) {
    if (n.kind == Kind::kNear || n.kind == Kind::kWithin || n.kind == Kind::kSame) {
      return CheckProximity(n, d);
    }
    return HasSpans(n, d);
  }

  // The number of live documents matching `n` in [lo_, hi_) (every source visible).
  std::uint64_t Count(const Node& n) {
    if (lo_ >= hi_) return 0;
    switch (n.kind) {
      case Kind::kTerm:
      case Kind::kPhrase: {
        if (const WordSpec* w = LoneWord(n)) return WordCount(*w);
        break;
      }
      case Kind::kOr:
        return UnionCount(n);
      case Kind::kAnd: {
        if (const auto c = AndCount(n)) return *c;
        DocIter* it = Iter(n);
        it->Densify(it->cost());
        return IterCount(it);
      }
      default:
        break;
    }
    std::uint64_t c = 0;
    for (const std::uint32_t d : Eval(n)) c += Live(d) ? 1 : 0;
    return c;
  }

  // MatchSegmentBits: an AND of words and NOTs of words met in one bitmap (AndBits), its dead
  // documents cleared; nullopt for other queries.
  std::optional<MatchBits> LiveAndBits(const Node& n) {
    if (n.kind != Kind::kAnd || lo_ >= hi_) return std::nullopt;
    auto a = AndBits(n);
    if (!a) return std::nullopt;
    ClearDocBits(Dead(), a->bits.data());
    return MatchBits{std::move(a->bits), a->first, a->last};
  }

  // MeetWords: the documents holding every word (its terms' postings) and none of `excluded`.
  std::optional<DocList> MeetTerms(const std::vector<std::vector<TermRef>>& words,
                                   const DocList& excluded, TermBits* term_bits) {
    std::vector<BitOperand> ops;
    if (term_bits != nullptr) term_bits->assign(words.size(), {});
    for (std::size_t i = 0; i < words.size(); ++i) {
      const std::vector<TermRef>& terms = words[i];
      BitOperand& op = ops.emplace_back();
      for (const TermRef& t : terms) op.cost += t.doc_freq;
      auto* kept = term_bits != nullptr ? &(*term_bits)[i] : nullptr;
      op.fill = [this, &terms, kept](std::uint64_t* bits, const std::uint64_t* where) {
        index::FillTerms(seg_, terms, lo_, hi_, bits, where, kept);
      };
    }
    auto met = MeetBits(ops);
    if (!met) return std::nullopt;
    ClearDocBits(excluded, met->bits.data());
    return BitsToDocs(*met);
  }

  DocList Eval(const Node& n) {
    switch (n.kind) {
      case Kind::kMatchAll:
        return All();
      case Kind::kTerm:
      case Kind::kPhrase: {
        // A single word reads its postings a block at a time.
        const Leaf& leaf = LeafOf(n);
        if (n.scope == query::Scope::kAll && leaf.seq.size() == 1) return WordDocs(leaf.seq[0]);
        return Collect(Iter(n));
      }
      case Kind::kPrefix:
        if (n.scope == query::Scope::kAll) return PrefixDocs(n);
        return Collect(Iter(n));
      case Kind::kOr: {
        // An OR of words: every term's postings set their documents in one bitmap.
        if (const auto keys = OrOfWordsKeys(n)) return FormsUnion(*keys);
        std::vector<DocList> lists;
        for (const auto& c : n.children) lists.push_back(Eval(*c));
        return UnionAll(lists);
      }
      case Kind::kNot:
        if (n.children.empty()) return All();
        return Difference(All(), Eval(*n.children[0]));
      case Kind::kField:
        return FieldDocs(n);
      case Kind::kRange:
        return TimeDocs(n.from_us, n.to_us);
      case Kind::kSince:
        return TimeDocs(now_us_ - n.seconds * 1000000, std::numeric_limits<std::int64_t>::max());
      case Kind::kAnd:
        if (auto docs = AndDocs(n)) return std::move(*docs);
        return Collect(Iter(n));
      case Kind::kNear:
      case Kind::kWithin:
      case Kind::kSame:
      case Kind::kAtLeast:
        return Collect(Iter(n));
    }
    return {};
  }

 private:
  // A term or phrase: its words, each with the iterator over its documents (shared by the
  // candidate search and the position checks, so each posting block is decoded once).
  struct Leaf {
    std::vector<WordSpec> seq;
    std::vector<WordIter*> words;
    std::vector<std::size_t> order;  // indexes into words, rarest first
  };

  template <typename T, typename... Args>
  T* Make(Args&&... args) {
    auto owned = std::make_unique<T>(std::forward<Args>(args)...);
    T* raw = owned.get();
    iters_.push_back(std::move(owned));
    return raw;
  }

  DocList Collect(DocIter* it) {
    DocList out;
    if (lo_ >= hi_) return out;
    it->Densify(it->cost());
    if (CheckedIter* c = it->AsChecked(); c != nullptr && c->batched()) {
      c->CollectBatched(lo_, hi_, out);
      return out;
    }
    for (std::uint32_t d = it->Seek(lo_); d < hi_; d = it->Seek(d + 1)) {
      if (it->Confirm(d)) out.push_back(d);
    }
    return out;
  }

  std::pair<std::int64_t, std::int64_t> TimeBounds(const Node& n) const {
    if (n.kind == Kind::kSince) {
      return {now_us_ - n.seconds * 1000000, std::numeric_limits<std::int64_t>::max()};
    }
    return {n.from_us, n.to_us};
  }

  std::function<bool(std::uint32_t)> TimeCheck(std::int64_t from, std::int64_t to) const {
    if (const std::int64_t* times = seg_.TimeColumn()) {
      return [times, from, to](std::uint32_t d) { return times[d] >= from && times[d] <= to; };
    }
    return [this, from, to](std::uint32_t d) {
      const std::int64_t t = seg_.doc(d).time_us;
      return t >= from && t <= to;
    };
  }

  std::function<bool(std::uint32_t)> SpansCheck(const Node& n) {
    return [this, &n](std::uint32_t d) { return HasSpans(n, d); };
  }

  // Whether n occurs in document d (its positions, in its scope).
  bool HasSpans(const Node& n, std::uint32_t d) {
    check_spans_.clear();
    Spans(n, d, Window{}, check_spans_);
    return !check_spans_.empty();
  }

  // The iterator of the documents matching `n`.
  DocIter* Iter(const Node& n) {
    switch (n.kind) {
      case Kind::kMatchAll:
        return Make<AllIter>(lo_, hi_);
      case Kind::kTerm:
      case Kind::kPhrase: {
        Leaf& leaf = LeafOf(n);
        if (leaf.words.empty()) return Make<EmptyIter>();
        if (n.scope == query::Scope::kAll && leaf.words.size() == 1) return leaf.words[0];
        auto* checked = Make<CheckedIter>(LeafCandidates(leaf), SpansCheck(n));
        if (n.scope == query::Scope::kAll) {
          checked->SetBatch(
              [this, &leaf](std::vector<std::uint32_t>& docs) { PhraseBatch(leaf, docs); });
        }
        return checked;
      }
      case Kind::kPrefix: {
        DocIter* docs = Make<ListIter>(PrefixDocs(n));
        if (n.scope == query::Scope::kAll) return docs;
        return Make<CheckedIter>(docs, SpansCheck(n));
      }
      case Kind::kAnd: {
        std::vector<DocIter*> ops, excluded;
        std::vector<std::function<bool(std::uint32_t)>> checks;
        for (const auto& c : n.children) {
          switch (c->kind) {
            case Kind::kNot:
              if (!c->children.empty()) excluded.push_back(Iter(*c->children[0]));
              break;
            case Kind::kRange:  // never read as a list
            case Kind::kSince: {
              const auto [from, to] = TimeBounds(*c);
              if (TimeIter::Available(seg_)) {
                ops.push_back(Make<TimeIter>(seg_, from, to, lo_, hi_));
              } else {
                checks.push_back(TimeCheck(from, to));
              }
              break;
            }
            case Kind::kMatchAll:
              break;
            default:
              ops.push_back(Iter(*c));
          }
        }
        if (ops.empty()) ops.push_back(Make<AllIter>(lo_, hi_));
        return Make<ConjIter>(std::move(ops), std::move(excluded), std::move(checks));
      }
      case Kind::kOr: {
        std::vector<DocIter*> ops;
        for (const auto& c : n.children) ops.push_back(Iter(*c));
        return Make<UnionIter>(std::move(ops));
      }
      case Kind::kNot:
        return Make<ListIter>(Eval(n));
      case Kind::kNear:
      case Kind::kWithin:
      case Kind::kSame: {
        if (n.children.empty()) return Make<EmptyIter>();
        std::vector<DocIter*> ops;
        for (const auto& c : n.children) {
          if (!IsSpanNode(*c)) return Make<EmptyIter>();
          ops.push_back(Candidates(*c));
        }
        DocIter* cand = Meet(ops);
        if (cand == nullptr) {
          cand = Make<ConjIter>(std::move(ops), std::vector<DocIter*>{},
                                std::vector<std::function<bool(std::uint32_t)>>{});
        }
        auto* checked =
            Make<CheckedIter>(cand, [this, &n](std::uint32_t d) { return CheckProximity(n, d); });
        if (n.scope == query::Scope::kAll && !NearWords(n).empty()) {
          checked->SetBatch([this, &n](std::vector<std::uint32_t>& docs) {
            NearBatch(NearWords(n), n.distance, docs);
          });
        }
        return checked;
      }
      case Kind::kAtLeast: {
        if (n.children.empty()) return Make<EmptyIter>();
        if (n.count == 0) return Make<AllIter>(lo_, hi_);
        const Node& c = *n.children[0];
        if (!IsSpanNode(c)) return Make<EmptyIter>();
        return Make<CheckedIter>(Candidates(c), [this, &n, &c](std::uint32_t d) {
          check_spans_.clear();
          Spans(c, d, Narrow(Window{}, n.scope, d), check_spans_);
          return check_spans_.size() >= n.count;
        });
      }
      case Kind::kField:
        return FieldIter(n);
      case Kind::kRange:
      case Kind::kSince: {
        const auto [from, to] = TimeBounds(n);
        if (TimeIter::Available(seg_)) return Make<TimeIter>(seg_, from, to, lo_, hi_);
        return Make<CheckedIter>(Make<AllIter>(lo_, hi_), TimeCheck(from, to));
      }
    }
    return Make<EmptyIter>();
  }

  // Documents that may hold an occurrence of a span operand (a word, phrase, prefix, OR or
  // proximity expression); the operator's own check reads the positions.
  DocIter* Candidates(const Node& n) {
    if (!IsSpanNode(n)) return Make<EmptyIter>();
    switch (n.kind) {
      case Kind::kTerm:
      case Kind::kPhrase: {
        Leaf& leaf = LeafOf(n);
        if (leaf.words.empty()) return Make<EmptyIter>();
        return LeafCandidates(leaf);
      }
      case Kind::kPrefix:
        return Make<ListIter>(PrefixDocs(n));
      case Kind::kOr: {
        std::vector<DocIter*> ops;
        for (const auto& c : n.children) ops.push_back(Candidates(*c));
        return Make<UnionIter>(std::move(ops));
      }
      default: {
        if (n.children.empty()) return Make<EmptyIter>();
        std::vector<DocIter*> ops;
        for (const auto& c : n.children) ops.push_back(Candidates(*c));
        if (DocIter* met = Meet(ops)) return met;
        return Make<ConjIter>(std::move(ops), std::vector<DocIter*>{},
                              std::vector<std::function<bool(std::uint32_t)>>{});
      }
    }
  }

  // The documents holding every word of a leaf whose positions will be checked.
  DocIter* LeafCandidates(Leaf& leaf) {
    for (WordIter* w : leaf.words) w->WantPositions();
    if (leaf.words.size() == 1) return leaf.words[0];
    // A word much more frequent than the leaf's rarest ("of" in "bank of england") is left to
    // the position check, which reads words rarest first and so asks it only where the rarer
    // ones line up: as an AND operand its cursor would be moved to every document the rarer
    // words share.
    const std::uint64_t rarest = leaf.words[leaf.order[0]]->cost();
    std::vector<DocIter*> ops;
    for (WordIter* w : leaf.words) {
      if (w->cost() <= kPositionsOnly * std::max<std::uint64_t>(rarest, 1)) ops.push_back(w);
    }
    // One word left: still a bitmap when it pays, so that the positions are read by it
    // (FillForms) and the candidates can be checked in runs (CheckedIter::SetBatch).
    if (DocIter* met = Meet(ops)) return met;
    if (ops.size() == 1) return ops[0];
    return Make<ConjIter>(std::move(ops), std::vector<DocIter*>{},
                          std::vector<std::function<bool(std::uint32_t)>>{});
  }
  static constexpr std::uint64_t kPositionsOnly = 8;

  // The documents every operand holds as a bitmap (MeetBits), when every operand is a word
  // whose forms count in every document or a bitmap already; nullptr otherwise. The words'
  // own cursors are not moved: the positions are read from them later, at the candidates only.
  DocIter* Meet(const std::vector<DocIter*>& operands) {
    std::vector<BitOperand> ops;
    for (DocIter* it : operands) {
      BitOperand& op = ops.emplace_back();
      op.cost = it->cost();
      if (WordIter* w = it->AsWord(); w != nullptr && w->PlainForms()) {
        op.fill = [this, w](std::uint64_t* bits, const std::uint64_t* where) {
          if (w->positional()) {
            w->FillForms(bits, where);
          } else {
            FillTerms(w->terms(), bits, where);
          }
        };
      } else if (BitsIter* b = it->AsBits()) {
        op.fill = [b](std::uint64_t* bits, const std::uint64_t*) { b->OrInto(bits); };
      } else {
        return nullptr;
      }
    }
    auto met = MeetBits(ops);
    if (!met) return nullptr;
    return Make<BitsIter>(std::move(met->bits), lo_, met->first, met->last);
  }

  Leaf& LeafOf(const Node& n) {
    auto it = leaves_.find(&n);
    if (it != leaves_.end()) return it->second;
    Leaf leaf;
    leaf.seq = SequenceOf(n);
    for (const WordSpec& w : leaf.seq) {
      WordIter* word = Make<WordIter>(seg_, WordKeys(w), lo_, hi_);
      if (tfs_ != nullptr) word->RecordTfs(tfs_);
      leaf.words.push_back(word);
    }
    for (std::size_t i = 0; i < leaf.words.size(); ++i) leaf.order.push_back(i);
    std::stable_sort(leaf.order.begin(), leaf.order.end(), [&](std::size_t a, std::size_t b) {
      return leaf.words[a]->cost() < leaf.words[b]->cost();
    });
    return leaves_.emplace(&n, std::move(leaf)).first->second;
  }

  // The exact-word keys of a query word.
  std::vector<WordIter::Key> WordKeys(const WordSpec& w) {
    if (w.exact) return {{ExactKey(w.word), -1}};
    std::vector<WordIter::Key> keys;
    const std::vector<std::string>& languages = seg_.languages();
    const bool several = languages.size() > 1;
    for (std::size_t l = 0; l < languages.size(); ++l) {
      for (const std::string& key : ExactForms(languages[l], w.word)) {
        keys.push_back({key, several ? static_cast<int>(l) : -1});
      }
    }
    return keys;
  }

  DocIter* FieldIter(const Node& n) {
    const std::string field = text::Fold(n.field);
    if (field == "author" && !n.prefix) {
      const std::vector<std::string> words = QueryWords(n.text);
      if (words.empty()) return Make<EmptyIter>();
      std::vector<DocIter*> ops;
      for (const std::string& w : words) {
        ops.push_back(Make<WordIter>(seg_, std::vector<WordIter::Key>{{FieldKey(field, w), -1}}, lo_,
                                     hi_));
      }
      return Make<ConjIter>(std::move(ops), std::vector<DocIter*>{},
                            std::vector<std::function<bool(std::uint32_t)>>{});
    }
    if (n.prefix) return Make<ListIter>(FieldDocs(n));
    const std::string key =
        FieldKey(field, field == "lang" ? text::PrimaryLanguage(n.text) : text::Fold(n.text));
    return Make<WordIter>(seg_, std::vector<WordIter::Key>{{key, -1}}, lo_, hi_);
  }

  DocList All() const {
    DocList out(hi_ > lo_ ? hi_ - lo_ : 0);
    for (std::uint32_t i = 0; i < out.size(); ++i) out[i] = lo_ + i;
    return out;
  }

  // The documents of `key` in the range.
  DocList ReadDocs(std::string_view key) const {
    DocList out;
    if (lo_ >= hi_) return out;
    auto cur = seg_.Postings(key);
    if (!cur) return out;
    if (lo_ == 0 && hi_ == seg_.doc_count()) {
      const std::uint32_t n = cur->DocCount();  // kNoDoc: not known without another lookup
      if (n != kNoDoc) out.reserve(std::min(n, seg_.doc_count()));
    }
    cur->AppendRange(lo_, hi_, out);
    return out;
  }

  DocList TimeDocs(std::int64_t from, std::int64_t to) {
    if (TimeIter::Available(seg_)) return Collect(Make<TimeIter>(seg_, from, to, lo_, hi_));
    DocList out;
    const std::int64_t* times = seg_.TimeColumn();
    for (std::uint32_t d = lo_; d < hi_; ++d) {
      const std::int64_t t = times != nullptr ? times[d] : seg_.doc(d).time_us;
      if (t >= from && t <= to) out.push_back(d);
    }
    return out;
  }

  DocList FieldDocs(const Node& n) {
    const std::string field = text::Fold(n.field);
    if (field == "author" && !n.prefix) return Collect(FieldIter(n));
    const std::string key =
        FieldKey(field, field == "lang" ? text::PrimaryLanguage(n.text) : text::Fold(n.text));
    if (!n.prefix) return ReadDocs(key);
    DocList out;
    seg_.ForEachKey(key, [&](std::string_view k) {
      out = Union(out, ReadDocs(k));
      return true;
    });
    return out;
  }

  // Documents holding a query word: the exact word, or for a bare word any exact word with its
  // stem in the document's language.
  DocList WordDocs(const WordSpec& w) {
    if (w.exact) return ReadDocs(ExactKey(w.word));
    std::vector<DocList> per_language;
    for (std::size_t l = 0; l < seg_.languages().size(); ++l) {
      per_language.push_back(LanguageDocs(w, l));
    }
    return UnionAll(per_language);
  }

  // The documents in language l holding one of the bare word's forms in l.
  DocList LanguageDocs(const WordSpec& w, std::size_t l) {
    const std::vector<std::string>& languages = seg_.languages();
    const std::vector<std::string>& keys = ExactForms(languages[l], w.word);
    DocList docs = keys.size() == 1 ? ReadDocs(keys[0]) : FormsUnion(keys);
    if (languages.size() > 1) {
      std::erase_if(docs, [&](std::uint32_t d) { return seg_.doc(d).language != l; });
    }
    return docs;
  }

  // The query word of a term or phrase of one word and no scope, or nullptr.
  const WordSpec* LoneWord(const Node& n) {
    if (n.scope != query::Scope::kAll) return nullptr;
    auto it = sequences_.find(&n);
    if (it == sequences_.end()) it = sequences_.emplace(&n, SequenceOf(n)).first;
    return it->second.size() == 1 ? &it->second[0] : nullptr;
  }

  bool Live(std::uint32_t d) const {
    return seg_.dead == 0 ? d < seg_.live.size() : d < seg_.live.size() && seg_.live[d] != 0;
  }

  // The documents of [lo_, hi_) that are not live, ascending (found once per matcher).
  const DocList& Dead() {
    if (dead_ready_) return dead_;
    dead_ready_ = true;
    const std::uint32_t m =
        static_cast<std::uint32_t>(std::min<std::size_t>(hi_, seg_.live.size()));
    if (seg_.dead > 0 && lo_ < m) {
      const std::uint8_t* live = seg_.live.data();
      const std::uint8_t* at = live + lo_;
      const std::uint8_t* end = live + m;
      while (at < end) {
        const void* zero = std::memchr(at, 0, static_cast<std::size_t>(end - at));
        if (zero == nullptr) break;
        at = static_cast<const std::uint8_t*>(zero);
        dead_.push_back(static_cast<std::uint32_t>(at - live));
        ++at;
      }
    }
    for (std::uint32_t d = std::max(m, lo_); d < hi_; ++d) dead_.push_back(d);
    return dead_;
  }

  // How many of the dead documents hold one of `keys` (in language `language` when >= 0), each
  // asked of the keys' cursors in docid order. nullopt when that would cost more than decoding
  // `postings` postings.
  std::optional<std::uint64_t> DeadHolding(const std::vector<std::string>& keys, int language,
                                           std::uint64_t postings) {
    const DocList& dead = Dead();
    if (dead.empty()) return 0;
    // A cursor seek costs tens of nanoseconds, decoding a posting about one.
    if (dead.size() * keys.size() * kSeekCost > postings) return std::nullopt;
    std::vector<std::unique_ptr<PostingCursor>> cursors;
    std::vector<std::int64_t> at;  // each cursor's document, -1 before the first
    for (const std::string& key : keys) {
      if (auto cur = seg_.Postings(key)) {
        cursors.push_back(std::move(cur));
        at.push_back(-1);
      }
    }
    std::uint64_t held = 0;
    for (const std::uint32_t d : dead) {
      if (language >= 0 && seg_.doc(d).language != language) continue;
      for (std::size_t i = 0; i < cursors.size(); ++i) {
        // A cursor already on or past d is not moved (kNoDoc is past every document).
        if (at[i] < d) at[i] = cursors[i]->Advance(d);
        if (at[i] == d) {
          ++held;
          break;
        }
      }
    }
    return held;
  }
  static constexpr std::uint64_t kSeekCost = 32;

  // The live documents holding a query word. From the stored document counts when the segment
  // has them: an exact word's list length; a bare word's per language the document count of its
  // stem's bound entry (the documents in that language holding any of its forms, kept for the
  // stems with a list of more than one block), or of its one form's list in a segment of one
  // language. The dead documents among them are taken off one by one, or the lists are read
  // when there are many. Other stems (small lists) are read.
  std::uint64_t WordCount(const WordSpec& w) {
    if (w.exact) {
      const std::string key = ExactKey(w.word);
      const TermRef t = seg_.Lookup(key);
      if (t.doc_freq == 0) return 0;
      if (lo_ == 0 && hi_ == seg_.doc_count()) {
        // More dead holders than the stored count (a damaged file) falls back to the list.
        const auto dead = DeadHolding({key}, -1, t.doc_freq);
        if (dead && *dead <= t.doc_freq) return t.doc_freq - *dead;
      }
      return LiveCount(ReadDocs(key));
    }
    std::uint64_t count = 0;
    const std::vector<std::string>& languages = seg_.languages();
    for (std::size_t l = 0; l < languages.size(); ++l) {
      const std::vector<std::string>& forms = ExactForms(languages[l], w.word);
      if (forms.empty()) continue;
      std::uint32_t stored = 0;
      if (lo_ == 0 && hi_ == seg_.doc_count()) {
        if (forms.size() > 1) {
          stored = seg_.Lookup(StemBoundKey(languages[l], CachedStem(w.word, languages[l]))).doc_freq;
        } else if (languages.size() == 1) {
          stored = seg_.Lookup(forms[0]).doc_freq;
        }
      }
      if (stored != 0) {
        const int lang = languages.size() > 1 ? static_cast<int>(l) : -1;
        if (const auto dead = DeadHolding(forms, lang, stored); dead && *dead <= stored) {
          count += stored - *dead;
          continue;
        }
      }
      count += LiveCount(LanguageDocs(w, l));
    }
    return count;
  }

  std::uint64_t LiveCount(const DocList& docs) const {
    if (seg_.dead == 0 && seg_.live.size() >= hi_) return docs.size();
    std::uint64_t c = 0;
    for (const std::uint32_t d : docs) c += Live(d) ? 1 : 0;
    return c;
  }

  // The live documents of an OR: its operands' documents set in one bitmap of [lo_, hi_) (a
  // word's straight from its forms' postings), the dead ones cleared, the bits counted.
  std::uint64_t UnionCount(const Node& n) {
    const std::uint32_t range = hi_ - lo_;
    std::vector<std::uint64_t> bits((std::size_t{range} + 63) / 64, 0);
    const std::vector<std::string>& languages = seg_.languages();
    for (const auto& c : n.children) {
      const WordSpec* w = LoneWord(*c);
      if (w == nullptr) {
        SetDocBits(Eval(*c), bits.data());
        continue;
      }
      if (w->exact) {
        if (auto cur = seg_.Postings(ExactKey(w->word))) cur->SetBits(lo_, hi_, bits.data());
        continue;
      }
      if (languages.size() > 1) {  // the forms' documents in other languages do not count
        SetDocBits(WordDocs(*w), bits.data());
        continue;
      }
      // One language: every form's documents count.
      for (const std::string& key : ExactForms(languages[0], w->word)) {
        if (auto cur = seg_.Postings(key)) cur->SetBits(lo_, hi_, bits.data());
      }
    }
    ClearDocBits(Dead(), bits.data());
    return OnesIn(bits.data(), bits.size());
  }

  // The live documents an iterator confirms.
  std::uint64_t IterCount(DocIter* it) {
    std::uint64_t c = 0;
    for (std::uint32_t d = it->Seek(lo_); d < hi_; d = it->Seek(d + 1)) {
      if (it->Confirm(d) && Live(d)) ++c;
    }
    return c;
  }

  // Sets (clears) in `bits`, a bitmap of [lo_, hi_), the bits of the documents of `docs` that lie
  // in the range.
  void SetDocBits(const DocList& docs, std::uint64_t* bits) const {
    for (const std::uint32_t d : docs) {
      if (d < lo_ || d >= hi_) continue;
      bits[(d - lo_) >> 6] |= std::uint64_t{1} << ((d - lo_) & 63);
    }
  }
  void ClearDocBits(const DocList& docs, std::uint64_t* bits) const {
    for (const std::uint32_t d : docs) {
      if (d < lo_ || d >= hi_) continue;
      bits[(d - lo_) >> 6] &= ~(std::uint64_t{1} << ((d - lo_) & 63));
    }
  }

  // An AND of words and NOTs of words as one bitmap of [lo_, hi_): bit d - lo_ of `bits` says
  // whether document d (live or not) matches, in the 64-bit words [first, last) (the others
  // are 0).
  struct AndBitmap {
    std::vector<std::uint64_t> bits;
    std::size_t first = 0;
    std::size_t last = 0;
  };

  // One operand of a bitmap AND: sets its documents in a bitmap of [lo_, hi_) (with `where`,
  // possibly only those also set there).
  struct BitOperand {
    std::function<void(std::uint64_t* bits, const std::uint64_t* where)> fill;
    std::uint64_t cost = 0;  // postings
    bool excluded = false;
  };

  // The documents all the included operands hold and no excluded one does, as a bitmap, or
  // nullopt when the rarest included operand is too rare for a bitmap of the range to pay (the
  // leapfrogging iterators then cost less) or there is none. The operands meet rarest first:
  // each later one sets its documents in a second bitmap, decoding only its posting blocks that
  // hold a document still in the first (SetBitsWhere), and the two are ANDed (an excluded
  // one's: the first keeps what the second lacks) over the words of the first that still hold
  // documents.
  std::optional<AndBitmap> MeetBits(std::vector<BitOperand>& ops) {
    // Included operands first, the rarest leading; excluded ones after them.
    std::stable_sort(ops.begin(), ops.end(), [](const BitOperand& a, const BitOperand& b) {
      return a.excluded != b.excluded ? !a.excluded : a.cost < b.cost;
    });
    if (ops.empty() || ops[0].excluded || lo_ >= hi_) return std::nullopt;
    const std::size_t words = (std::size_t{hi_ - lo_} + 63) / 64;
    // Clearing and scanning the bitmap costs about a nanosecond per 64 documents; a lead
    // document costs the iterators tens of nanoseconds.
    if (ops[0].cost * kBitmapLeadRatio < words) return std::nullopt;
    AndBitmap out;
    out.bits.assign(words, 0);
    std::vector<std::uint64_t> next(words, 0);
    std::vector<std::uint64_t>& in = out.bits;
    ops[0].fill(in.data(), nullptr);
    std::size_t first = 0, last = words;
    auto shrink = [&] {
      while (first < last && in[first] == 0) ++first;
      while (last > first && in[last - 1] == 0) --last;
    };
    for (std::size_t i = 1; i < ops.size(); ++i) {
      shrink();
      if (first == last) break;
      if (ops[i].cost == 0) {
        if (ops[i].excluded) continue;
        first = last;
        break;
      }
      std::fill(next.begin() + static_cast<std::ptrdiff_t>(first),
                next.begin() + static_cast<std::ptrdiff_t>(last), 0);
      ops[i].fill(next.data(), in.data());
      if (ops[i].excluded) {
        for (std::size_t w = first; w < last; ++w) in[w] &= ~next[w];
      } else {
        for (std::size_t w = first; w < last; ++w) in[w] &= next[w];
      }
    }
    shrink();
    // Nothing outside [first, last) matches (an included operand no document holds ends the
    // loop with the lead's bits still set).
    std::fill(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(first), 0);
    std::fill(in.begin() + static_cast<std::ptrdiff_t>(last), in.end(), 0);
    out.first = first;
    out.last = last;
    return out;
  }

  // Sets the documents of the postings of `terms` in `bits` (see BitOperand).
  void FillTerms(const std::vector<TermRef>& terms, std::uint64_t* bits,
                 const std::uint64_t* where) const {
    index::FillTerms(seg_, terms, lo_, hi_, bits, where, nullptr);
  }

  // The bitmap (MeetBits) of an AND of words and NOTs of words, or nullopt for other ANDs.
  std::optional<AndBitmap> AndBits(const Node& n) {
    std::vector<std::pair<const WordSpec*, bool>> words;  // (word, excluded)
    for (const auto& c : n.children) {  // the operands' words first, no lookup yet
      const Node* x = c.get();
      const bool excluded = x->kind == Kind::kNot;
      if (excluded) {
        if (x->children.empty()) return std::nullopt;
        x = x->children[0].get();
      }
      if (x->kind != Kind::kTerm && x->kind != Kind::kPhrase) return std::nullopt;
      const WordSpec* w = LoneWord(*x);
      if (w == nullptr) return std::nullopt;
      words.emplace_back(w, excluded);
    }
    const std::vector<std::string>& languages = seg_.languages();
    std::vector<BitOperand> ops;
    for (const auto& [w, excluded] : words) {
      BitOperand& op = ops.emplace_back();
      op.excluded = excluded;
      if (!w->exact && languages.size() > 1) {
        // Several languages: a form counts only in documents of its stem's language.
        for (std::size_t l = 0; l < languages.size(); ++l) {
          for (const std::string& key : ExactForms(languages[l], w->word)) {
            op.cost += seg_.Lookup(key).doc_freq;
          }
        }
        op.fill = [this, w = w](std::uint64_t* bits, const std::uint64_t*) {
          SetDocBits(WordDocs(*w), bits);
        };
        continue;
      }
      std::vector<TermRef> terms;
      if (w->exact) {
        terms.push_back(seg_.Lookup(ExactKey(w->word)));
      } else if (languages.size() == 1) {
        terms = seg_.LookupAscending(ExactForms(languages[0], w->word));
      }
      for (const TermRef& t : terms) op.cost += t.doc_freq;
      op.fill = [this, terms = std::move(terms)](std::uint64_t* bits, const std::uint64_t* where) {
        FillTerms(terms, bits, where);
      };
    }
    return MeetBits(ops);
  }
  static constexpr std::size_t kBitmapLeadRatio = 16;

  // The live documents of an AND of words and NOTs of words (AndBits), or nullopt.
  std::optional<std::uint64_t> AndCount(const Node& n) {
    auto a = AndBits(n);
    if (!a) return std::nullopt;
    ClearDocBits(Dead(), a->bits.data());
    return a->last > a->first ? OnesIn(a->bits.data() + a->first, a->last - a->first) : 0;
  }

  // The documents of an AND of words and NOTs of words (AndBits), or nullopt.
  std::optional<DocList> AndDocs(const Node& n) {
    const auto a = AndBits(n);
    if (!a) return std::nullopt;
    return BitsToDocs(*a);
  }

  DocList BitsToDocs(const AndBitmap& a) const {
    DocList out;
    AppendSetBits(a.bits.data(), a.first, a.last, lo_, out);
    return out;
  }

  DocList PrefixDocs(const Node& n) {
    std::vector<DocList> lists;
    for (const std::string& key : PrefixForms(ExactKey(text::Fold(n.text)))) {
      lists.push_back(ReadDocs(key));
    }
    return UnionAll(lists);
  }

  // The terms of an OR of words, each counting in every document (exact words, or bare ones in
  // a segment of one language), or nullopt for other ORs.
  std::optional<std::vector<std::string>> OrOfWordsKeys(const Node& n) {
    std::vector<std::string> keys;
    const std::vector<std::string>& languages = seg_.languages();
    for (const auto& c : n.children) {
      const WordSpec* w = LoneWord(*c);
      if (w == nullptr) return std::nullopt;
      if (w->exact) {
        keys.push_back(ExactKey(w->word));
      } else if (languages.size() == 1) {
        const std::vector<std::string>& forms = ExactForms(languages[0], w->word);
        keys.insert(keys.end(), forms.begin(), forms.end());
      } else {
        return std::nullopt;
      }
    }
    return keys;
  }

  // The documents of [lo_, hi_) holding any of the terms `keys`. Where they are dense the
  // terms' postings set their documents in one bitmap (a bitmap block ORed in whole) and the
  // list is read from it: no list per term, no per-document merge (a frequent bare word's
  // documents took half of its newest hits with the total and the source facet).
  DocList FormsUnion(const std::vector<std::string>& keys) const {
    std::vector<TermRef> terms;
    std::size_t total = 0;
    for (const TermRef& t : seg_.LookupAscending(keys)) {
      if (t.doc_freq == 0) continue;
      terms.push_back(t);
      total += t.doc_freq;
    }
    const std::size_t range = hi_ > lo_ ? hi_ - lo_ : 0;
    if (total * 16 < range) {
      std::vector<DocList> lists;
      for (const TermRef& t : terms) {
        DocList& l = lists.emplace_back();
        if (auto cur = seg_.PostingsOf(t)) cur->AppendRange(lo_, hi_, l);
      }
      return UnionAll(lists);
    }
    std::vector<std::uint64_t> bits((range + 63) / 64, 0);
    for (const TermRef& t : terms) {
      if (auto cur = seg_.PostingsOf(t)) cur->SetBits(lo_, hi_, bits.data());
    }
    DocList out;
    out.reserve(std::min(total, range));
    AppendSetBits(bits.data(), 0, bits.size(), lo_, out);
    return out;
  }

  // The union of sorted document lists of [lo_, hi_). Many documents go through a bitmap of the
  // range (one bit set per document, then the set bits read in order) instead of merging the
  // lists one after another.
  DocList UnionAll(std::vector<DocList>& lists) const {
    if (lists.empty()) return {};
    if (lists.size() == 1) return std::move(lists[0]);
    std::size_t total = 0;
    for (const DocList& l : lists) total += l.size();
    const std::size_t range = hi_ > lo_ ? hi_ - lo_ : 0;
    if (total * 16 < range) {
      DocList out;
      for (const DocList& l : lists) out = Union(out, l);
      return out;
    }
    std::vector<std::uint64_t> bits((range + 63) / 64, 0);
    for (const DocList& l : lists) {
      for (const std::uint32_t d : l) {
        const std::uint32_t b = d - lo_;
        if (b < range) bits[b >> 6] |= std::uint64_t{1} << (b & 63);
      }
    }
    DocList out;
    out.reserve(total);
    AppendSetBits(bits.data(), 0, bits.size(), lo_, out);
    return out;
  }

  Window Narrow(Window w, query::Scope scope, std::uint32_t d) const {
    if (scope == query::Scope::kAll) return w;  // no record read (a cache miss per candidate)
    const std::uint32_t h = seg_.doc(d).headline_words;
    Window n;
    if (scope == query::Scope::kHeadline) n = {0, h};
    if (scope == query::Scope::kLead) n = {h, h + 50};
    return {std::max(w.lo, n.lo), std::min(w.hi, n.hi)};
  }

  // Positions of document d held by the postings of `key`; cursors are kept per key and only
  // move forward, as candidates come in docid order.
  void KeyPositions(const std::string& key, std::uint32_t d, std::vector<std::uint32_t>& out) {
    auto it = cursors_.find(key);
    if (it == cursors_.end()) it = cursors_.emplace(key, seg_.Postings(key)).first;
    PostingCursor* cur = it->second.get();
    if (cur != nullptr && cur->doc() != kNoDoc && cur->doc() > d) {
      it->second = seg_.Postings(key);  // asked out of order: start again
      cur = it->second.get();
    }
    if (cur == nullptr || cur->Advance(d) != d) return;
    cur->Positions(scratch_);
    out.insert(out.end(), scratch_.begin(), scratch_.end());
  }

  const std::vector<std::string>& ExactForms(const std::string& lang, const std::string& word) {
    std::string key = StemFormPrefix(lang, CachedStem(word, lang));
    auto it = forms_.find(key);
    if (it != forms_.end()) return it->second;
    std::vector<std::string> forms;
    seg_.ForEachKey(key, [&](std::string_view k) {
      forms.push_back(ExactKey(k.substr(key.size())));
      return true;
    });
    return forms_.emplace(std::move(key), std::move(forms)).first->second;
  }

  const std::vector<std::string>& PrefixForms(const std::string& prefix) {
    auto it = forms_.find(prefix);
    if (it != forms_.end()) return it->second;
    std::vector<std::string> forms;
    seg_.ForEachKey(prefix, [&](std::string_view k) {
      forms.emplace_back(k);
      return true;
    });
    return forms_.emplace(prefix, std::move(forms)).first->second;
  }

  void Spans(const Node& n, std::uint32_t d, Window w, std::vector<Span>& out) {
    const Window win = Narrow(w, n.scope, d);
    auto emit = [&](Span s) {
      if (s.first >= win.lo && s.last < win.hi) out.push_back(s);
    };
    if (n.kind == Kind::kOr) {
      for (const auto& c : n.children) Spans(*c, d, win, out);
      return;
    }
    if (n.kind == Kind::kNear || n.kind == Kind::kWithin || n.kind == Kind::kSame) {
      NestedSpans(n, d, win, out);
      return;
    }
    if (n.kind == Kind::kPrefix) {
      std::vector<std::uint32_t> pos;
      for (const std::string& key : PrefixForms(ExactKey(text::Fold(n.text)))) {
        KeyPositions(key, d, pos);
      }
      std::sort(pos.begin(), pos.end());
      for (std::uint32_t p : pos) emit({p, p});
      return;
    }
    Leaf& leaf = LeafOf(n);
    if (leaf.words.empty()) return;
    if (leaf.words.size() == 1) {  // a word: its positions, no starts to narrow
      std::vector<std::uint32_t>& pos = word_positions_;
      leaf.words[0]->Positions(d, pos);
      for (std::uint32_t p : pos) emit({p, p});
      return;
    }
    // The phrase's possible starts from its rarest word's positions, narrowed by each next
    // rarest word: most candidates fail on the rare words, and the positions of a frequent word
    // ("of", "the") are then never read. The buffers are the matcher's (a leaf has no operands,
    // so this never re-enters).
    std::vector<std::uint32_t>& starts = starts_;
    std::vector<std::uint32_t>& pos = word_positions_;
    starts.clear();
    for (std::size_t k = 0; k < leaf.order.size(); ++k) {
      const std::size_t i = leaf.order[k];
      leaf.words[i]->Positions(d, pos);
      if (k == 0) {
        for (std::uint32_t p : pos) {
          if (p >= i) starts.push_back(p - static_cast<std::uint32_t>(i));
        }
      } else {
        // Keep the starts s with s + i among the positions (both ascending).
        std::size_t kept = 0, at = 0;
        for (std::uint32_t st : starts) {
          const std::uint32_t want = st + static_cast<std::uint32_t>(i);
          while (at < pos.size() && pos[at] < want) ++at;
          if (at < pos.size() && pos[at] == want) starts[kept++] = st;
        }
        starts.resize(kept);
      }
      if (starts.empty()) return;
    }
    const auto len = static_cast<std::uint32_t>(leaf.words.size());
    for (std::uint32_t st : starts) emit({st, st + len - 1});
  }

  // A proximity expression used as an operand: one occurrence [first start, last end] per
  // combination of its operands' occurrences that satisfies it. Partial combinations that
  // already fail are cut: a larger one can only fail too.
  void NestedSpans(const Node& n, std::uint32_t d, Window win, std::vector<Span>& out) {
    if (n.children.empty()) return;
    std::vector<std::vector<Span>> occ(n.children.size());
    for (std::size_t i = 0; i < n.children.size(); ++i) {
      Spans(*n.children[i], d, win, occ[i]);
      if (occ[i].empty()) return;
    }
    std::vector<Span> found;
    Enumerate(n, d, occ, 0, {}, found);
    std::sort(found.begin(), found.end(), [](const Span& a, const Span& b) {
      return a.first != b.first ? a.first < b.first : a.last < b.last;
    });
    for (std::size_t i = 0; i < found.size(); ++i) {
      if (i == 0 || found[i].first != found[i - 1].first || found[i].last != found[i - 1].last) {
        out.push_back(found[i]);
      }
    }
  }

  struct Partial {
    std::int64_t max_first = -1;
    std::int64_t min_last = std::numeric_limits<std::int64_t>::max();
    std::int64_t prev_first = -1;   // W/n: the previous operand's start
    std::uint32_t first = std::numeric_limits<std::uint32_t>::max();
    std::uint32_t last = 0;
    std::uint32_t paragraph = std::numeric_limits<std::uint32_t>::max();
  };

  void Enumerate(const Node& n, std::uint32_t d, const std::vector<std::vector<Span>>& occ,
                 std::size_t k, Partial p, std::vector<Span>& found) {
    if (k == occ.size()) {
      found.push_back({p.first, p.last});
      return;
    }
    for (const Span& s : occ[k]) {
      Partial q = p;
      q.max_first = std::max<std::int64_t>(q.max_first, s.first);
      q.min_last = std::min<std::int64_t>(q.min_last, s.last);
      q.first = std::min(q.first, s.first);
      q.last = std::max(q.last, s.last);
      if (n.kind == Kind::kSame) {
        const std::uint32_t para = Paragraph(d, s.first);
        if (k > 0 && para != p.paragraph) continue;
        q.paragraph = para;
      } else {
        if (q.max_first - q.min_last > static_cast<std::int64_t>(n.distance)) continue;
        if (n.kind == Kind::kWithin) {
          if (static_cast<std::int64_t>(s.first) <= p.prev_first) continue;
          q.prev_first = s.first;
        }
      }
      Enumerate(n, d, occ, k + 1, q, found);
    }
  }

  std::uint32_t Paragraph(std::uint32_t d, std::uint32_t position) const {
    const std::uint32_t* starts = seg_.paragraphs(d);
    const std::uint32_t count = seg_.doc(d).para_count;
    return static_cast<std::uint32_t>(std::upper_bound(starts, starts + count, position) - starts);
  }

  // The operands of a NEAR when every one is a single word of no scope of its own (the
  // common "a" NEAR/5 "b"), else empty.
  const std::vector<WordIter*>& NearWords(const Node& n) {
    auto it = near_words_.find(&n);
    if (it != near_words_.end()) return it->second;
    std::vector<WordIter*> words;
    if (n.kind == Kind::kNear) {
      for (const auto& c : n.children) {
        if ((c->kind != Kind::kTerm && c->kind != Kind::kPhrase) ||
            c->scope != query::Scope::kAll || LeafOf(*c).words.size() != 1) {
          words.clear();
          break;
        }
        words.push_back(LeafOf(*c).words[0]);
      }
    }
    return near_words_.emplace(&n, std::move(words)).first->second;
  }

  // NEAR/n over single words: some choice of one position per word spans at most n (see
  // NearWithin).
  bool NearOfWords(const std::vector<WordIter*>& words, std::uint32_t n, std::uint32_t d,
                   Window win) {
    std::vector<std::vector<std::uint32_t>>& lists = near_positions_;
    if (lists.size() < words.size()) lists.resize(words.size());
    std::vector<std::span<const std::uint32_t>>& spans = near_spans_;
    spans.clear();
    for (std::size_t i = 0; i < words.size(); ++i) {
      std::vector<std::uint32_t>& pos = lists[i];
      words[i]->Positions(d, pos);
      if (win.lo != 0 || win.hi != Window{}.hi) {
        std::erase_if(pos, [&](std::uint32_t p) { return p < win.lo || p >= win.hi; });
      }
      if (pos.empty()) return false;
      spans.emplace_back(pos);
    }
    return NearWithin(spans, n);
  }

  // Whether some choice of one position from each (ascending, non-empty) list spans at most n,
  // found by sliding over the lists (always moving the smallest head), no spans built.
  bool NearWithin(const std::vector<std::span<const std::uint32_t>>& lists, std::uint32_t n) {
    const auto within = [n](std::uint32_t lo, std::uint32_t hi) { return hi - lo <= n; };
    if (lists.size() == 2) {
      const std::span<const std::uint32_t> a = lists[0];
      const std::span<const std::uint32_t> b = lists[1];
      std::size_t i = 0, j = 0;
      while (i < a.size() && j < b.size()) {
        if (a[i] <= b[j]) {
          if (within(a[i], b[j])) return true;
          ++i;
        } else {
          if (within(b[j], a[i])) return true;
          ++j;
        }
      }
      return false;
    }
    std::vector<std::size_t>& at = near_at_;
    at.assign(lists.size(), 0);
    while (true) {
      std::size_t lo = 0;
      std::uint32_t hi_pos = 0;
      for (std::size_t i = 0; i < lists.size(); ++i) {
        if (lists[i][at[i]] < lists[lo][at[lo]]) lo = i;
        hi_pos = std::max(hi_pos, lists[i][at[i]]);
      }
      if (within(lists[lo][at[lo]], hi_pos)) return true;
      if (++at[lo] == lists[lo].size()) return false;
    }
  }

  // The batch forms of the checks (CheckedIter::SetBatch): the same decisions for a run of
  // candidates, each word's positions read for all of them in one call (WordIter::PositionsOf).

  // A phrase of no scope: its possible starts per candidate from the rarest word, narrowed by
  // each next rarest word, as Spans; candidates left with none are dropped at once.
  void PhraseBatch(Leaf& leaf, std::vector<std::uint32_t>& docs) {
    std::vector<std::uint32_t>& starts = batch_starts_;  // document j's: [ends[j - 1], ends[j])
    std::vector<std::uint32_t>& ends = batch_ends_;
    PositionBatch& b = batch_positions_[0];
    for (std::size_t k = 0; k < leaf.order.size() && !docs.empty(); ++k) {
      const std::size_t i = leaf.order[k];
      const auto offset = static_cast<std::uint32_t>(i);
      leaf.words[i]->PositionsOf(docs, b);
      if (k == 0) {
        starts.resize(b.pos.size());
        ends.resize(docs.size());
      }
      // In place: what is kept never lies after what is read.
      std::size_t kept_docs = 0, kept = 0, from = 0;
      for (std::size_t j = 0; j < docs.size(); ++j) {
        const std::span<const std::uint32_t> pos = b.Of(j);
        const std::size_t begin = kept;
        if (k == 0) {
          for (const std::uint32_t p : pos) {
            if (p >= offset) starts[kept++] = p - offset;
          }
        } else {
          // Keep the starts s with s + i among the positions (both ascending).
          const std::size_t to = ends[j];
          std::size_t at = 0;
          for (std::size_t x = from; x < to; ++x) {
            const std::uint32_t want = starts[x] + offset;
            while (at < pos.size() && pos[at] < want) ++at;
            if (at < pos.size() && pos[at] == want) starts[kept++] = starts[x];
          }
          from = to;
        }
        if (kept > begin) {
          docs[kept_docs] = docs[j];
          ends[kept_docs++] = static_cast<std::uint32_t>(kept);
        }
      }
      docs.resize(kept_docs);
      ends.resize(kept_docs);
    }
  }

  // NEAR/n over single words of no scope (NearWords).
  void NearBatch(const std::vector<WordIter*>& words, std::uint32_t n,
                 std::vector<std::uint32_t>& docs) {
    if (batch_positions_.size() < words.size()) batch_positions_.resize(words.size());
    for (std::size_t i = 0; i < words.size(); ++i) words[i]->PositionsOf(docs, batch_positions_[i]);
    std::vector<std::span<const std::uint32_t>>& spans = near_spans_;
    std::size_t kept = 0;
    for (std::size_t j = 0; j < docs.size(); ++j) {
      spans.clear();
      for (std::size_t i = 0; i < words.size(); ++i) {
        const std::span<const std::uint32_t> pos = batch_positions_[i].Of(j);
        if (pos.empty()) break;
        spans.push_back(pos);
      }
      if (spans.size() == words.size() && NearWithin(spans, n)) docs[kept++] = docs[j];
    }
    docs.resize(kept);
  }

  bool CheckProximity(const Node& n, std::uint32_t d) {
    const Window win = Narrow(Window{}, n.scope, d);
    if (const std::vector<WordIter*>& words = NearWords(n); !words.empty()) {
      return NearOfWords(words, n.distance, d, win);
    }
    // Never re-entered (Spans does not confirm documents): the operands' occurrence lists are
    // the matcher's, reused from document to document.
    std::vector<std::vector<Span>>& occ = occurrences_;
    if (occ.size() != n.children.size()) occ.resize(n.children.size());
    for (std::size_t i = 0; i < n.children.size(); ++i) {
      occ[i].clear();
      Spans(*n.children[i], d, win, occ[i]);
      if (occ[i].empty()) return false;
      auto by_first = [](const Span& a, const Span& b) { return a.first < b.first; };
      // A word's or a phrase's occurrences come in order; an OR's or a nested operator's may not.
      if (!std::is_sorted(occ[i].begin(), occ[i].end(), by_first)) {
        std::sort(occ[i].begin(), occ[i].end(), by_first);
      }
    }
    if (n.kind == Kind::kSame) {
      std::vector<std::uint32_t> common;
      for (std::size_t i = 0; i < occ.size(); ++i) {
        std::vector<std::uint32_t> paras;
        for (const Span& s : occ[i]) paras.push_back(Paragraph(d, s.first));
        std::sort(paras.begin(), paras.end());
        paras.erase(std::unique(paras.begin(), paras.end()), paras.end());
        common = i == 0 ? std::move(paras) : Intersect(common, paras);
        if (common.empty()) return false;
      }
      return true;
    }
    if (n.kind == Kind::kNear) return NearAny(occ, n.distance);
    return WithinFrom(occ, 0, 0, std::numeric_limits<std::int64_t>::max(), n.distance);
  }

  // Every pair within n <=> (largest first) - (smallest last) <= n. Take each occurrence as the
  // one with the largest start; every other operand then does best with the occurrence that
  // starts no later and ends last.
  // The occurrences are sorted by start, so as the anchor's start grows each other operand's
  // best end is a running maximum over a growing prefix: one pass per anchor operand.
  bool NearAny(const std::vector<std::vector<Span>>& occ, std::uint32_t n) {
    std::vector<std::size_t>& at = near_at_;
    std::vector<std::int64_t>& best = near_best_;
    for (std::size_t a = 0; a < occ.size(); ++a) {
      at.assign(occ.size(), 0);
      best.assign(occ.size(), -1);
      for (const Span& anchor : occ[a]) {
        std::int64_t min_last = anchor.last;
        bool ok = true;
        for (std::size_t b = 0; b < occ.size(); ++b) {
          if (b == a) continue;
          const std::vector<Span>& o = occ[b];
          while (at[b] < o.size() && o[at[b]].first <= anchor.first) {
            best[b] = std::max<std::int64_t>(best[b], o[at[b]].last);
            ++at[b];
          }
          if (best[b] < 0) {
            ok = false;
            break;
          }
          min_last = std::min(min_last, best[b]);
        }
        if (ok && static_cast<std::int64_t>(anchor.first) - min_last <= n) return true;
      }
    }
    return false;
  }

  // W/n: starts strictly increasing in operand order and (last start) - (smallest last) <= n.
  static bool WithinFrom(const std::vector<std::vector<Span>>& occ, std::size_t k,
                         std::int64_t min_first, std::int64_t min_last, std::uint32_t n) {
    if (k == occ.size()) return true;
    for (const Span& s : occ[k]) {
      if (static_cast<std::int64_t>(s.first) < min_first) continue;
      if (k > 0 && static_cast<std::int64_t>(s.first) - min_last > n) break;
      const std::int64_t ml = std::min<std::int64_t>(min_last, s.last);
      if (WithinFrom(occ, k + 1, std::int64_t{s.first} + 1, ml, n)) return true;
    }
    return false;
  }

  const Segment& seg_;
  std::int64_t now_us_;
  MatchTfs* tfs_ = nullptr;  // KeepTfs
  std::uint32_t lo_;  // the documents [lo_, hi_) are matched
  std::uint32_t hi_;
  std::map<std::string, std::unique_ptr<PostingCursor>> cursors_;  // prefix forms' positions
  std::map<std::string, std::vector<std::string>> forms_;
  std::vector<std::uint32_t> scratch_;
  std::vector<std::unique_ptr<DocIter>> iters_;
  std::map<const Node*, Leaf> leaves_;
  std::vector<std::uint32_t> starts_;
  std::vector<std::uint32_t> word_positions_;
  std::vector<Span> check_spans_;
  std::vector<std::vector<Span>> occurrences_;
  std::map<const Node*, std::vector<WordIter*>> near_words_;
  std::vector<std::vector<std::uint32_t>> near_positions_;
  std::vector<std::size_t> near_at_;     // NearAny's and NearWithin's
  std::vector<std::span<const std::uint32_t>> near_spans_;
  std::vector<PositionBatch> batch_positions_ = std::vector<PositionBatch>(1);
  std::vector<std::uint32_t> batch_starts_;  // PhraseBatch's
  std::vector<std::uint32_t> batch_ends_;

  std::vector<std::int64_t> near_best_;
  std::map<const Node*, std::vector<WordSpec>> sequences_;  // LoneWord
  bool dead_ready_ = false;
  DocList dead_;  // Dead()
};

}  // namespace

DocList MatchSegment(const Segment& segment, const Node& query, std::int64_t now_us) {
  return MatchSegment(segment, query, now_us, 0, segment.doc_count());
}

DocList MatchSegment(const Segment& segment, const Node& query, std::int64_t now_us,
                     std::uint32_t lo, std::uint32_t hi) {
  Matcher m(segment, now_us, lo, hi);
  return m.Eval(query);
}

DocList MatchSegment(const Segment& segment, const Node& query, std::int64_t now_us,
                     MatchTfs* tfs) {
  Matcher m(segment, now_us, 0, segment.doc_count());
  m.KeepTfs(tfs);
  return m.Eval(query);
}

const MatchTfs::List* MatchTfs::Of(const TermRef& term) const {
  const List* best = nullptr;
  for (const List& l : lists) {
    if (l.term_slot == term.slot && (best == nullptr || l.docs.size() > best->docs.size())) {
      best = &l;
    }
  }
  return best;
}

std::optional<MatchBits> MatchSegmentBits(const Segment& segment, const Node& query,
                                          std::int64_t now_us) {
  Matcher m(segment, now_us, 0, segment.doc_count());
  return m.LiveAndBits(query);
}

std::optional<DocList> MeetWords(const Segment& segment,
                                 const std::vector<std::vector<TermRef>>& words,
                                 const DocList& excluded, TermBits* term_bits) {
  Matcher m(segment, 0, 0, segment.doc_count());
  return m.MeetTerms(words, excluded, term_bits);
}

struct PositionCheck::State {
  State(const Segment& segment, std::int64_t now_us)
      : matcher(segment, now_us, 0, segment.doc_count()) {}
  Matcher matcher;
};

PositionCheck::PositionCheck(const Segment& segment, std::vector<const Node*> nodes,
                             std::int64_t now_us)
    : segment_(segment), nodes_(std::move(nodes)), now_us_(now_us) {}

PositionCheck::~PositionCheck() = default;

bool PositionCheck::Matches(std::uint32_t d) {
  if (d >= segment_.doc_count()) return false;
  if (state_ == nullptr || d < last_) state_ = std::make_unique<State>(segment_, now_us_);
  last_ = d;
  for (const Node* n : nodes_) {
    if (!state_->matcher.Confirms(*n, d)) return false;
  }
  return true;
}

void RecycleTermBits(TermBits& term_bits) {
  for (auto& word : term_bits) Recycle(word);
  term_bits.clear();
}

bool CountsApart(const Node& query) {
  if (query.kind == Kind::kOr) return true;
  if (query.kind != Kind::kTerm && query.kind != Kind::kPhrase) return false;
  return query.scope == query::Scope::kAll && SequenceOf(query).size() == 1;
}

std::uint64_t CountSegment(const Segment& segment, const Node& query, std::int64_t now_us,
                           const std::vector<bool>* visible) {
  if (visible == nullptr) {
    Matcher m(segment, now_us, 0, segment.doc_count());
    return m.Count(query);
  }
  std::uint64_t count = 0;
  const std::uint16_t* sources = segment.SourceColumn();
  for (const std::uint32_t d : MatchSegment(segment, query, now_us)) {
    if (d >= segment.live.size() || segment.live[d] == 0) continue;
    const std::uint16_t src = sources != nullptr ? sources[d] : segment.doc(d).source;
    if (src < visible->size() && (*visible)[src]) ++count;
  }
  return count;
}

}  // namespace dateline::index
