#include "index/memory_segment.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "index/varint.h"

namespace dateline::index {
namespace {

// Reads a term's bytes across its chained slices (see MemorySegment), up to the term's tail.
class SliceReader {
 public:
  SliceReader() = default;
  SliceReader(const MemorySegment* seg, std::uint32_t head, std::uint32_t tail)
      : seg_(seg), pos_(head), limit_(head + MemorySegment::SliceSize(0) - 4), tail_(tail) {}

  bool AtEnd() const { return pos_ == tail_; }

  bool Byte(std::uint8_t* b) {
    if (pos_ == tail_) return false;
    if (pos_ == limit_) {
      NextSlice();
      if (pos_ == tail_) return false;
    }
    *b = *seg_->PoolAt(pos_++);
    return true;
  }

  // Appends the bytes up to the tail to `out`, a slice at a time.
  void AppendRest(std::vector<std::uint8_t>& out) {
    while (pos_ != tail_) {
      if (pos_ == limit_) {
        NextSlice();
        continue;
      }
      const std::uint32_t end = pos_ <= tail_ && tail_ <= limit_ ? tail_ : limit_;
      out.insert(out.end(), seg_->PoolAt(pos_), seg_->PoolAt(pos_) + (end - pos_));
      pos_ = end;
    }
  }

  bool Varint(std::uint32_t* v) {
    std::uint32_t result = 0;
    for (int shift = 0; shift <= 28; shift += 7) {
      std::uint8_t byte;
      if (!Byte(&byte)) return false;
      result |= static_cast<std::uint32_t>(byte & 0x7f) << shift;
      if (byte < 0x80) {
        *v = result;
        return true;
      }
    }
    return false;
  }

 private:
  // On to the next slice, whose offset the full one ends with.
  void NextSlice() {
    std::uint32_t next;
    std::memcpy(&next, seg_->PoolAt(limit_), 4);
    if (level_ < MemorySegment::kMaxSliceLevel) ++level_;
    pos_ = next;
    limit_ = next + MemorySegment::SliceSize(level_) - 4;
  }

  const MemorySegment* seg_ = nullptr;
  std::uint32_t pos_ = 0;
  std::uint32_t limit_ = 0;
  std::uint32_t tail_ = 0;
  std::uint32_t level_ = 0;
};

class MemoryCursor final : public PostingCursor {
 public:
  MemoryCursor(SliceReader reader, bool positional) : r_(reader), positional_(positional) {}

  std::uint32_t Next() override {
    SkipPositions();
    std::uint32_t delta = 0;
    if (doc_ == kNoDoc && started_) return doc_;
    if (!r_.Varint(&delta) || !r_.Varint(&tf_)) {
      doc_ = kNoDoc;
      started_ = true;
      return doc_;
    }
    doc_ = started_ ? doc_ + 1 + delta : delta;
    started_ = true;
    positions_ = r_;
    positions_pending_ = positional_;
    return doc_;
  }
  std::uint32_t Advance(std::uint32_t target) override {
    while (!started_ || (doc_ != kNoDoc && doc_ < target)) {
      if (Next() == kNoDoc) break;
    }
    return doc_;
  }
  std::uint32_t doc() const override { return doc_; }
  std::uint32_t tf() const override { return tf_; }
  void Positions(std::vector<std::uint32_t>& out) override {
    out.clear();
    if (!positional_ || doc_ == kNoDoc || !started_) return;
    SliceReader q = positions_;
    std::uint32_t pos = 0;
    for (std::uint32_t i = 0; i < tf_; ++i) {
      std::uint32_t d = 0;
      if (!q.Varint(&d)) break;
      pos += d;
      out.push_back(pos);
    }
  }

 private:
  void SkipPositions() {
    if (!positions_pending_) return;
    positions_pending_ = false;
    for (std::uint32_t i = 0; i < tf_; ++i) {
      std::uint32_t d = 0;
      if (!r_.Varint(&d)) return;
    }
  }

  SliceReader r_;
  SliceReader positions_;
  bool positional_;
  bool positions_pending_ = false;
  bool started_ = false;
  std::uint32_t doc_ = kNoDoc;
  std::uint32_t tf_ = 0;
};

// A quick 64-bit hash of short strings (folded words); quality enough for linear probing.
inline std::uint64_t HashWord(std::string_view w, std::uint32_t language) {
  std::uint64_t h = 0x9E3779B97F4A7C15ull ^ (w.size() * 0xff51afd7ed558ccdull) ^ language;
  const char* p = w.data();
  std::size_t n = w.size();
  while (n >= 8) {
    std::uint64_t x;
    std::memcpy(&x, p, 8);
    h = (h ^ x) * 0xbf58476d1ce4e5b9ull;
    h ^= h >> 31;
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    std::uint64_t x = 0;
    std::memcpy(&x, p, n);
    h = (h ^ x) * 0x94d049bb133111ebull;
  }
  h ^= h >> 29;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 32;
  return h;
}

}  // namespace

std::uint32_t MemorySegment::TermId(std::string_view key) {
  ReserveWords(1);
  const std::uint64_t h = HashWord(key, kKeySpace);
  Slot& slot = Probe(key, kKeySpace, h);
  if (slot.word != 0) return slot.term;
  const auto id = static_cast<std::uint32_t>(terms_.size());
  Term& t = terms_.emplace_back();
  t.key_offset = static_cast<std::uint32_t>(word_bytes_.size());
  t.key_length = static_cast<std::uint32_t>(key.size());
  Remember(slot, key, kKeySpace, h, id);
  memory_bytes_ += 80;
  return id;
}

std::uint32_t MemorySegment::FindTerm(std::string_view key) const {
  if (word_slots_.empty()) return kNoDoc;
  const Slot& slot = Probe(key, kKeySpace, HashWord(key, kKeySpace));
  return slot.word == 0 ? kNoDoc : slot.term;
}

std::uint32_t MemorySegment::NewSlice(std::uint32_t level) {
  const std::uint32_t size = SliceSize(level);
  if (kPoolBlock - pool_used_ < size) {
    pool_.push_back(std::make_unique<std::uint8_t[]>(kPoolBlock));
    pool_used_ = 0;
    memory_bytes_ += kPoolBlock;
  }
  const std::uint32_t at =
      static_cast<std::uint32_t>((pool_.size() - 1) << kPoolBlockBits) + pool_used_;
  pool_used_ += size;
  return at;
}

inline void MemorySegment::PutByte(Term& t, std::uint8_t b) {
  if (t.tail == t.limit) {
    const std::uint32_t level = std::min(t.level + 1, kMaxSliceLevel);
    const std::uint32_t next = NewSlice(level);
    std::memcpy(pool_[t.limit >> kPoolBlockBits].get() + (t.limit & (kPoolBlock - 1)), &next, 4);
    t.level = level;
    t.tail = next;
    t.limit = next + SliceSize(level) - 4;
  }
  pool_[t.tail >> kPoolBlockBits][t.tail & (kPoolBlock - 1)] = b;
  ++t.tail;
}

inline void MemorySegment::PutVarint(Term& t, std::uint32_t v) {
  while (v >= 0x80) {
    PutByte(t, static_cast<std::uint8_t>(v | 0x80));
    v >>= 7;
  }
  PutByte(t, static_cast<std::uint8_t>(v));
}

void MemorySegment::Post(std::uint32_t term, std::uint32_t doc, std::uint32_t tf,
                         const std::uint32_t* positions) {
  Term& t = terms_[term];
  if (t.df == 0) {
    t.head = t.tail = NewSlice(0);
    t.limit = t.head + SliceSize(0) - 4;
    t.level = 0;
  }
  const std::uint32_t delta = t.last_doc == kNoDoc ? doc : doc - t.last_doc - 1;
  const std::size_t most = 5 * (2 + (positions != nullptr ? std::size_t{tf} : 0));
  if (t.limit - t.tail >= most) {
    // Room in the current slice: plain stores (a slice never crosses a pool block).
    std::uint8_t* const begin = pool_[t.tail >> kPoolBlockBits].get() + (t.tail & (kPoolBlock - 1));
    std::uint8_t* p = begin;
    auto put = [&p](std::uint32_t v) {
      while (v >= 0x80) {
        *p++ = static_cast<std::uint8_t>(v | 0x80);
        v >>= 7;
      }
      *p++ = static_cast<std::uint8_t>(v);
    };
    put(delta);
    put(tf);
    if (positions != nullptr) {
      std::uint32_t prev = 0;
      for (std::uint32_t i = 0; i < tf; ++i) {
        put(positions[i] - prev);
        prev = positions[i];
      }
    }
    t.tail += static_cast<std::uint32_t>(p - begin);
    t.last_doc = doc;
    ++t.df;
    return;
  }
  PutVarint(t, delta);
  PutVarint(t, tf);
  if (positions != nullptr) {
    std::uint32_t prev = 0;
    for (std::uint32_t i = 0; i < tf; ++i) {
      PutVarint(t, positions[i] - prev);
      prev = positions[i];
    }
  }
  t.last_doc = doc;
  ++t.df;
}

std::uint16_t MemorySegment::Ordinal(std::vector<std::string>& table, const std::string& value) {
  for (std::size_t i = 0; i < table.size(); ++i) {
    if (table[i] == value) return static_cast<std::uint16_t>(i);
  }
  table.push_back(value);
  return static_cast<std::uint16_t>(table.size() - 1);
}

void MemorySegment::GrowWords() {
  const std::size_t size = word_slots_.empty() ? 4096 : word_slots_.size() * 2;
  std::vector<Slot> old(size);
  old.swap(word_slots_);
  for (const Slot& slot : old) {
    if (slot.word == 0) continue;
    const Word& w = words_[slot.word - 1];
    const std::string_view bytes = std::string_view(word_bytes_).substr(w.offset, w.length);
    Probe(bytes, w.space, HashWord(bytes, w.space)) = slot;
  }
  memory_bytes_ += (size - old.size()) * sizeof(Slot);
}

const MemorySegment::Slot& MemorySegment::Probe(std::string_view bytes, std::uint32_t space,
                                                std::uint64_t hash) const {
  const std::size_t mask = word_slots_.size() - 1;
  const auto tag = static_cast<std::uint32_t>(hash >> 32);
  const std::size_t n = bytes.size();
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& slot = word_slots_[i];
    if (slot.word == 0) return slot;
    if (slot.tag != tag || slot.space != space ||
        slot.length != static_cast<std::uint16_t>(std::min<std::size_t>(n, 0xffff)) ||
        std::memcmp(slot.head, bytes.data(), std::min(n, kInline)) != 0) {
      continue;
    }
    if (n <= kInline) return slot;
    const Word& w = words_[slot.word - 1];
    if (w.length == n && std::memcmp(word_bytes_.data() + w.offset + kInline,
                                     bytes.data() + kInline, n - kInline) == 0) {
      return slot;
    }
  }
}

void MemorySegment::Remember(Slot& slot, std::string_view bytes, std::uint32_t space,
                             std::uint64_t hash, std::uint32_t term) {
  Word w;
  w.offset = static_cast<std::uint32_t>(word_bytes_.size());
  w.length = static_cast<std::uint32_t>(bytes.size());
  w.space = space;
  word_bytes_.append(bytes);
  words_.push_back(w);
  slot.tag = static_cast<std::uint32_t>(hash >> 32);
  slot.word = static_cast<std::uint32_t>(words_.size());
  slot.term = term;
  slot.length = static_cast<std::uint16_t>(std::min<std::size_t>(bytes.size(), 0xffff));
  slot.space = static_cast<std::uint16_t>(space);
  std::memcpy(slot.head, bytes.data(), std::min(bytes.size(), kInline));
  memory_bytes_ += sizeof(Word) + bytes.size();
}

void MemorySegment::ExpectLike(const MemorySegment& like) {
  expected_ = {like.docs_.size(), like.words_.size(), like.word_bytes_.size(),
               like.terms_.size(), like.ids_.size(), like.paras_.size()};
}

void MemorySegment::Reserve(const Expected& e) {
  ReserveWords(e.words);
  words_.reserve(e.words);
  word_bytes_.reserve(e.word_bytes);
  terms_.reserve(e.terms);
  docs_.reserve(e.docs);
  live.reserve(e.docs);
  ids_.reserve(e.ids);
  paras_.reserve(e.paras);
}

void MemorySegment::ReserveWords(std::size_t more) {
  while ((words_.size() + more) * 2 > word_slots_.size()) GrowWords();
}

std::uint32_t MemorySegment::WordTerm(std::string_view word, std::string_view stem,
                                      std::uint32_t language, const std::string& language_code,
                                      std::uint64_t h) {
  if (const Slot& slot = Probe(word, language, h); slot.word != 0) return slot.term;
  // A new word: its exact term, and its (stem, word) pair as a key without postings.
  scratch_key_.assign(1, kExactTerm);
  scratch_key_ += word;
  const std::uint32_t exact = TermId(scratch_key_);
  if (stem.empty()) stem = CachedStem(word, language_code);
  scratch_key_.assign(1, kStemForm);
  scratch_key_ += language_code;
  scratch_key_.push_back(kSep);
  scratch_key_ += stem;
  scratch_key_.push_back(kSep);
  scratch_key_ += word;
  TermId(scratch_key_);
  ReserveWords(1);
  Remember(Probe(word, language, h), word, language, h, exact);  // TermId may have grown the table
  return exact;
}

std::uint32_t MemorySegment::Add(const AnalyzedStory& s) {
  const auto docid = static_cast<std::uint32_t>(docs_.size());
  if (docid == 0 && expected_.docs != 0) Reserve(expected_);
  DocRecord r;
  r.seq = s.seq;
  r.id_hash = StoryIdHash(s.id);
  r.time_us = s.time_us;
  r.id_offset = static_cast<std::uint32_t>(ids_.size());
  r.id_length = static_cast<std::uint32_t>(s.id.size());
  ids_ += s.id;
  r.para_offset = static_cast<std::uint32_t>(paras_.size());
  r.para_count = static_cast<std::uint32_t>(s.paragraph_starts.size());
  paras_.insert(paras_.end(), s.paragraph_starts.begin(), s.paragraph_starts.end());
  r.length = static_cast<std::uint32_t>(s.words.size());
  r.headline_words = s.headline_words;
  r.source = Ordinal(sources_, s.source);
  r.language = static_cast<std::uint8_t>(Ordinal(languages_, s.language));
  r.priority = static_cast<std::uint8_t>(s.priority);
  docs_.push_back(r);
  live.push_back(1);
  total_length_ += r.length;
  memory_bytes_ += sizeof(DocRecord) + s.id.size() + 4 * s.paragraph_starts.size();

  // Exact words with positions, grouped by term with a counting scatter (linear, no sort): the
  // words come in position order, so each term's positions come out ascending.
  // The table slots of all words are prefetched first, then their terms, so that their cache
  // misses overlap.
  const std::size_t n = s.words.size();
  ReserveWords(n);
  scratch_hashes_.resize(n);
  const std::size_t mask = word_slots_.size() - 1;
  for (std::size_t i = 0; i < n; ++i) {
    scratch_hashes_[i] = HashWord(s.exact(s.words[i]), r.language);
    __builtin_prefetch(&word_slots_[scratch_hashes_[i] & mask]);
  }
  scratch_word_terms_.resize(n);
  scratch_terms_.clear();
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t term = WordTerm(s.exact(s.words[i]), s.stem(s.words[i]), r.language,
                                         s.language, scratch_hashes_[i]);
    scratch_word_terms_[i] = term;
    __builtin_prefetch(&terms_[term], 1);
  }
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t term = scratch_word_terms_[i];
    Term& t = terms_[term];
    if (t.story != docid) {
      t.story = docid;
      t.story_at = 0;
      scratch_terms_.push_back(term);
    }
    ++t.story_at;
  }
  // Each term's range of scratch_positions_ ends where the next one's starts; the words are
  // placed from the last, so that story_at ends at the start of the term's range.
  // The bytes each term's posting goes to are prefetched on the way (stores that miss).
  std::uint32_t end = 0;
  for (const std::uint32_t term : scratch_terms_) {
    Term& t = terms_[term];
    end += t.story_at;
    t.story_at = end;
    if (t.df > 0) {
      __builtin_prefetch(pool_[t.tail >> kPoolBlockBits].get() + (t.tail & (kPoolBlock - 1)), 1);
    }
  }
  scratch_positions_.resize(n);
  for (std::size_t i = n; i-- > 0;) {
    scratch_positions_[--terms_[scratch_word_terms_[i]].story_at] = s.words[i].position;
  }
  for (std::size_t k = 0; k < scratch_terms_.size(); ++k) {
    const std::uint32_t at = terms_[scratch_terms_[k]].story_at;
    const std::uint32_t next_at =
        k + 1 < scratch_terms_.size() ? terms_[scratch_terms_[k + 1]].story_at
                                      : static_cast<std::uint32_t>(n);
    Post(scratch_terms_[k], docid, next_at - at, scratch_positions_.data() + at);
  }
  for (const auto& [field, value] : s.fields) {  // sorted and unique
    scratch_key_.assign(1, kFieldTerm);
    scratch_key_ += field;
    scratch_key_.push_back(kSep);
    scratch_key_ += value;
    Post(TermId(scratch_key_), docid, 1, nullptr);
  }
  return docid;
}

std::uint32_t MemorySegment::DocFreq(std::string_view key) const {
  const std::uint32_t id = FindTerm(key);
  return id == kNoDoc ? 0 : terms_[id].df;
}

std::unique_ptr<PostingCursor> MemorySegment::Postings(std::string_view key) const {
  const std::uint32_t id = FindTerm(key);
  if (id == kNoDoc || terms_[id].df == 0) return nullptr;
  const Term& t = terms_[id];
  return std::make_unique<MemoryCursor>(SliceReader(this, t.head, t.tail), HasPositions(key));
}

TermRef MemorySegment::Lookup(std::string_view key) const {
  const std::uint32_t id = FindTerm(key);
  if (id == kNoDoc) return {};
  return {terms_[id].df, HasPositions(key), id};
}

std::unique_ptr<PostingCursor> MemorySegment::PostingsOf(const TermRef& term) const {
  if (term.doc_freq == 0 || term.slot >= terms_.size()) return nullptr;
  const Term& t = terms_[static_cast<std::size_t>(term.slot)];
  if (t.df == 0) return nullptr;
  return std::make_unique<MemoryCursor>(SliceReader(this, t.head, t.tail), term.positional);
}

void MemorySegment::AppendPostingsAt(std::size_t i, const DocRemap& remap,
                                     std::vector<std::uint32_t>& docs,
                                     std::vector<std::uint32_t>& tfs,
                                     std::vector<std::uint32_t>& position_codes,
                                     std::vector<std::uint8_t>& bytes) const {
  if (i >= sorted_.size()) return;
  const Term& t = terms_[sorted_[i]];
  if (t.df == 0) return;
  const bool positional = HasPositions(Key(sorted_[i]));
  // The slices' bytes, in order, then decoded from there.
  bytes.clear();
  SliceReader(this, t.head, t.tail).AppendRest(bytes);
  const std::uint8_t* p = bytes.data();
  const std::uint8_t* const end = p + bytes.size();
  auto varint = [&p, end](std::uint32_t* v) { return GetVarint(&p, end, v); };
  std::uint32_t doc = 0;
  for (std::uint32_t k = 0; k < t.df; ++k) {
    std::uint32_t delta = 0;
    std::uint32_t tf = 0;
    if (!varint(&delta) || !varint(&tf)) return;
    doc = k == 0 ? delta : doc + 1 + delta;
    const std::uint32_t to = remap(doc);
    if (!positional) {
      if (to == kNoDoc) continue;
      docs.push_back(to);
      tfs.push_back(tf);
      continue;
    }
    const std::size_t before = position_codes.size();
    std::uint32_t code = 0;
    for (std::uint32_t j = 0; j < tf && varint(&code); ++j) position_codes.push_back(code);
    if (to == kNoDoc) {
      position_codes.resize(before);
      continue;
    }
    docs.push_back(to);
    tfs.push_back(static_cast<std::uint32_t>(position_codes.size() - before));
  }
}

void MemorySegment::SortKeys() const {
  std::lock_guard<std::mutex> lk(sorted_mu_);
  const std::size_t have = sorted_.size();
  if (have == terms_.size()) return;
  // The new ids sorted by their first 16 key bytes (big-endian, so integer order is byte order),
  // the whole keys only on ties: most comparisons touch no key bytes.
  struct Item {
    std::uint64_t hi, lo;
    std::uint32_t id;
  };
  auto load_be = [](std::string_view k, std::size_t at) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < 8; ++i) {
      v = v << 8 | (at + i < k.size() ? static_cast<std::uint8_t>(k[at + i]) : 0u);
    }
    return v;
  };
  std::vector<Item> items;
  items.reserve(terms_.size() - have);
  for (std::size_t id = have; id < terms_.size(); ++id) {
    const std::string_view k = Key(static_cast<std::uint32_t>(id));
    items.push_back({load_be(k, 0), load_be(k, 8), static_cast<std::uint32_t>(id)});
  }
  std::sort(items.begin(), items.end(), [this](const Item& a, const Item& b) {
    if (a.hi != b.hi) return a.hi < b.hi;
    if (a.lo != b.lo) return a.lo < b.lo;
    return Key(a.id) < Key(b.id);  // equal first 16 bytes (or a shorter key padded with zeros)
  });
  for (const Item& it : items) sorted_.push_back(it.id);
  std::inplace_merge(sorted_.begin(), sorted_.begin() + static_cast<std::ptrdiff_t>(have),
                     sorted_.end(),
                     [this](std::uint32_t a, std::uint32_t b) { return Key(a) < Key(b); });
}

void MemorySegment::ForEachKey(std::string_view prefix,
                               const std::function<bool(std::string_view)>& fn) const {
  SortKeys();
  auto it = std::lower_bound(sorted_.begin(), sorted_.end(), prefix,
                             [this](std::uint32_t a, std::string_view b) { return Key(a) < b; });
  for (; it != sorted_.end(); ++it) {
    const std::string_view key = Key(*it);
    if (key.substr(0, prefix.size()) != prefix) break;
    if (!fn(key)) break;
  }
}

}  // namespace dateline::index
