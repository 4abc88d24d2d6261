#include "match/matcher.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "match/blob_arena.h"
#include "match/compiled_query.h"
#include "match/presearch_keys.h"
#include "match/story_view.h"
#include "match/verifier.h"

namespace dateline::match {
namespace {

// Maps are split into shards by hash so that no single rehash (which copies the whole table
// inside the exclusive section) makes an Add slow at millions of queries.
constexpr std::size_t kShards = 256;
constexpr std::size_t kSlotsPerChunk = 4096;
// Candidates verified per hold of the shared lock: a waiting Add gets in between groups.
constexpr std::size_t kVerifyGroup = 256;
// How many candidates ahead of verification their compiled queries are prefetched.
constexpr std::size_t kPrefetchAhead = 8;
// Bound on the term statistics (distinct keys); past it only known keys are counted.
constexpr std::size_t kMaxStatisticsKeys = 4'000'000;
// Stories counted one by one into the term statistics before they are sampled (Match).
constexpr std::uint64_t kStatisticsExact = 4096;
constexpr std::uint32_t kStatisticsStride = 4;
constexpr int kFilterLog2 = 25;  // 4 MiB of bits
constexpr std::size_t kFilterBits = std::size_t{1} << kFilterLog2;

// A presearch entry as filed: the entry (slot << 32 | generation << 16 | node: the query in that
// slot matches if that node does; the generation spares reading the slot to recognise a stale
// one), its required-key check, tested against the story before the query is touched, and the
// query's blob, so that verifying a candidate reads no slot.
struct Posting {
  std::uint64_t entry;
  std::uint64_t check;
  const std::uint64_t* blob;
};

// Entries filed under one key: those verified (after their check) and those decided by key
// tests alone, as records of kDecidedHeader words (entry, query id) followed by the query's
// decision (CompiledQuery::decision: a count word, then the literals), read in order.
// The blob of a decided query is read from its slot in the rare story that verifies it instead
// (no decision keys): reading the records is most of a story's time, and it is memory-bound.
constexpr std::size_t kDecidedHeader = 2;
struct KeyPostings {
  std::vector<Posting> verify;
  std::vector<std::uint64_t> decided;
};

// Key -> KeyPostings of one shard, open addressing with linear probing, each slot (key, flag and
// the lists' heads) one cache line: finding a story's ~300 lists is one memory access each, where
// a node-based map took two (bucket, node) before the lists themselves.
class KeyTable {
 public:
  // The lists filed under `key`, or null.
  const KeyPostings* Find(std::uint64_t key) const {
    if (slots_.empty()) return nullptr;
    for (std::size_t i = Home(key);; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (!s.used) return nullptr;
      if (s.key == key) return &s.value;
    }
  }
  KeyPostings* Find(std::uint64_t key) {
    return const_cast<KeyPostings*>(static_cast<const KeyTable&>(*this).Find(key));
  }
  // The lists filed under `key`, added empty when there are none.
  KeyPostings& Get(std::uint64_t key) {
    if (KeyPostings* kp = Find(key)) return *kp;
    if (8 * (size_ + 1) > 5 * slots_.size()) Grow();  // load factor at most 5/8
    std::size_t i = Home(key);
    while (slots_[i].used) i = (i + 1) & mask_;
    slots_[i].used = true;
    slots_[i].key = key;
    ++size_;
    return slots_[i].value;
  }
  // Removes `key` (present) by shifting later slots of its run back (no tombstones).
  void Erase(std::uint64_t key) {
    std::size_t i = Home(key);
    while (slots_[i].key != key || !slots_[i].used) i = (i + 1) & mask_;
    for (std::size_t j = (i + 1) & mask_; slots_[j].used; j = (j + 1) & mask_) {
      const std::size_t h = Home(slots_[j].key);
      // Slot j may move to the hole at i unless its home lies cyclically in (i, j].
      const bool stays = i <= j ? (h > i && h <= j) : (h > i || h <= j);
      if (stays) continue;
      slots_[i].key = slots_[j].key;
      slots_[i].value = std::move(slots_[j].value);
      i = j;
    }
    slots_[i].used = false;
    slots_[i].value = KeyPostings();
    --size_;
  }
  std::size_t size() const { return size_; }
  std::size_t bytes() const { return slots_.size() * sizeof(Slot); }

 private:
  struct alignas(64) Slot {
    std::uint64_t key = 0;
    bool used = false;
    KeyPostings value;
  };
  std::size_t Home(std::uint64_t key) const { return static_cast<std::size_t>((key * 0x9e3779b97f4a7c15ULL) >> 40) & mask_; }
  void Grow() {
    std::vector<Slot> old(slots_.empty() ? 16 : 2 * slots_.size());
    old.swap(slots_);
    mask_ = slots_.size() - 1;
    for (Slot& o : old) {
      if (!o.used) continue;
      std::size_t i = Home(o.key);
      while (slots_[i].used) i = (i + 1) & mask_;
      slots_[i].used = true;
      slots_[i].key = o.key;
      slots_[i].value = std::move(o.value);
    }
  }
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

// A query decided for a story: its entry and id, and the story's word values
// (DecideTable) of its positive literals that held, [terms_begin, terms_end) of FiredTerms::values.
struct DecidedHit {
  std::uint64_t entry;
  std::uint64_t id;
  std::uint32_t terms_begin;
  std::uint32_t terms_end;
};

// A candidate of one story: its entry and the blob of its query.
struct Candidate {
  std::uint64_t entry;
  const std::uint64_t* blob;
  bool operator<(const Candidate& o) const { return entry < o.entry; }
  bool operator==(const Candidate& o) const { return entry == o.entry; }
};

struct Slot {
  std::uint64_t id = 0;
  std::uint16_t generation = 0;  // bumped on reuse, so a candidate taken before is recognised
  bool live = false;
  bool decided = false;     // filed as decided records (KeyPostings::decided)
  QueryView query;          // in the Matcher's BlobArena
  std::uint32_t words = 0;  // of the query's blob
};

// Evaluates a decision (CompiledQuery::decision) of `n` literals against the story's decision
// keys. When it holds, the story values of its positive literals that held are appended to
// `terms` (for matched terms); when it fails, `terms` may have gained values the caller drops.
bool Decide(const std::uint64_t* lit, std::uint32_t n, const StoryView& view, std::vector<std::uint32_t>& terms) {
  bool clause = true;  // the clause before the current literal holds
  for (std::uint32_t k = 0; k < n; ++k) {
    const std::uint64_t l = lit[k];
    if ((l & kDecideClauseStart) != 0) {
      if (!clause) return false;
      clause = false;
    }
    const std::uint32_t v = view.decide.Find(l & ~kDecideFlags);
    if ((l & kDecideNegated) != 0) {
      clause |= v == DecideTable::kMissing;
    } else if (v != DecideTable::kMissing) {
      clause = true;
      if (v != DecideTable::kField) terms.push_back(v);
    }
  }
  return clause;
}

}  // namespace

// The story as a Match call saw it and the word values (DecideTable values; a verified query's
// words as exact ids, kExact) of every query it fired.
struct FiredTerms {
  StoryView view;
  std::vector<std::uint32_t> values;
};

std::vector<std::string> Fired::MatchedTerms() const {
  if (terms == nullptr) return {};
  const StoryView& view = terms->view;
  std::vector<std::uint32_t> ids;
  for (std::uint32_t t = terms_begin; t < terms_end; ++t) {
    const std::uint32_t v = terms->values[t];
    const std::uint32_t id = v & ~DecideTable::kKindMask;
    const std::uint32_t kind = v & DecideTable::kKindMask;
    if (kind == DecideTable::kExact) {
      ids.push_back(id);
    } else if (kind == DecideTable::kBigram) {
      ids.push_back(view.exact_of[id]);
      ids.push_back(view.exact_of[id + 1]);
    } else if (kind == DecideTable::kOther) {
      const std::uint32_t sub = v & DecideTable::kSubKindMask;
      if (sub == (DecideTable::kHeadlineExact & DecideTable::kSubKindMask)) {
        ids.push_back(v & ~(DecideTable::kKindMask | DecideTable::kSubKindMask));
      } else if (sub == (DecideTable::kHeadlineStem & DecideTable::kSubKindMask)) {
        // The headline's occurrences of the stem only, as verification collects them.
        const std::uint32_t stem = v & ~(DecideTable::kKindMask | DecideTable::kSubKindMask);
        for (std::uint32_t p = 0; p < view.headline_words && p < view.size(); ++p) {
          if (view.stem_of[p] == stem) ids.push_back(view.exact_of[p]);
        }
      } else {
        // Every word with the prefix: the first `length` bytes of word `id`.
        const std::uint32_t word = v & DecideTable::kMaxPrefixId;
        const std::size_t length = (v >> 22) & 63;
        const std::string_view prefix = std::string_view(view.exacts.word(word)).substr(0, length);
        for (std::uint32_t e = 0; e < view.exacts.size(); ++e) {
          if (std::string_view(view.exacts.word(e)).substr(0, length) == prefix) ids.push_back(e);
        }
      }
    } else {
      for (std::uint32_t e = view.stem_exact_offsets[id]; e < view.stem_exact_offsets[id + 1]; ++e) {
        ids.push_back(view.stem_exacts[e]);
      }
    }
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::vector<std::string> out;
  out.reserve(ids.size());
  for (std::uint32_t id : ids) out.push_back(view.exacts.word(id));
  std::sort(out.begin(), out.end());
  return out;
}

struct Matcher::Impl {
  MatcherOptions options;

  mutable std::shared_mutex mu;  // queries, slots and presearch index
  std::vector<std::unique_ptr<Slot[]>> chunks;
  std::vector<std::uint32_t> free_slots;
  std::uint32_t slot_count = 0;  // slots ever handed out
  std::unordered_map<std::uint64_t, std::uint32_t> ids[kShards];                  // id -> slot
  KeyTable postings[kShards];  // key -> entries
  std::vector<Posting> always;  // entries verified for every story
  std::uint64_t queries = 0;
  std::uint64_t always_queries = 0;  // queries with an entry in `always`
  std::uint64_t blob_bytes = 0;
  BlobArena arena;  // the compiled queries
  std::uint64_t posting_entries = 0;
  std::uint64_t decided_words = 0;  // in every KeyPostings::decided
  // Bumped by every Add and Remove: while it is unchanged since a story took its candidates, their
  // blobs are all still filed and no slot needs checking.
  std::uint64_t changes = 0;

  // Prefix lengths some filed query uses (bits as PrefixLengthBit); only ever gain bits.
  std::atomic<std::uint64_t> prefix_lengths{0};
  std::atomic<std::uint64_t> field_prefix_lengths{0};
  // One bit per presearch key ever filed (bits are never cleared): a story's key without its bit
  // skips the hash-map probe. Most of a story's keys (prefixes, common words) have no queries.
  std::vector<std::uint64_t> key_filter = std::vector<std::uint64_t>(kFilterBits / 64);
  static std::size_t FilterBit(std::uint64_t key) { return (key * 0x9e3779b97f4a7c15ULL) >> (64 - kFilterLog2); }

  mutable std::mutex df_mu;  // term statistics
  mutable std::unordered_map<std::uint64_t, std::uint32_t> df;
  mutable std::uint64_t statistics_stories = 0;  // stories seen by the statistics

  Slot& slot(std::uint32_t i) const { return chunks[i / kSlotsPerChunk][i % kSlotsPerChunk]; }
  static std::size_t Shard(std::uint64_t h) { return (h ^ (h >> 29)) % kShards; }

  std::uint64_t Entry(std::uint32_t s, std::uint32_t node) const {
    return static_cast<std::uint64_t>(s) << 32 | static_cast<std::uint64_t>(slot(s).generation) << 16 | node;
  }

  // Calls f(node, check, keys, key_count) for each presearch entry of `q`.
  template <typename F>
  static void ForEachEntry(QueryView q, F f) {
    const std::uint64_t* e = q.entries();
    const std::uint64_t* end = e + q.entry_words();
    while (e < end) {
      const auto node = static_cast<std::uint32_t>(*e >> 32);
      const auto count = static_cast<std::uint32_t>(*e);
      f(node, e[1], e + 2, count);
      e += 2 + count;
    }
  }

  // Requires mu held exclusively.
  void File(std::uint32_t s, const std::vector<std::uint64_t>& decision) {
    const QueryView q = slot(s).query;
    slot(s).decided = !decision.empty();
    if (q.always_verify()) ++always_queries;
    prefix_lengths.fetch_or(q.prefix_lengths());
    field_prefix_lengths.fetch_or(q.field_prefix_lengths());
    ForEachEntry(slot(s).query, [&](std::uint32_t node, std::uint64_t check, const std::uint64_t* keys,
                                    std::uint32_t n) {
      const Posting posting{Entry(s, node), check, q.data()};
      if (n == 0) always.push_back(posting);
      for (std::uint32_t k = 0; k < n; ++k) {
        KeyPostings& kp = postings[Shard(keys[k])].Get(keys[k]);
        if (decision.empty()) {
          kp.verify.push_back(posting);
        } else {
          kp.decided.insert(kp.decided.end(), {posting.entry, q.id()});
          kp.decided.insert(kp.decided.end(), decision.begin(), decision.end());
          decided_words += kDecidedHeader + decision.size();
        }
        const std::size_t bit = FilterBit(keys[k]);
        key_filter[bit / 64] |= std::uint64_t{1} << (bit % 64);
      }
      posting_entries += n;
    });
  }

  // Requires mu held exclusively.
  void Unfile(std::uint32_t s) {
    Slot& sl = slot(s);
    const QueryView q = sl.query;
    if (q.always_verify()) --always_queries;
    auto same = [](std::uint64_t entry) { return [entry](const Posting& p) { return p.entry == entry; }; };
    ForEachEntry(q, [&](std::uint32_t node, std::uint64_t, const std::uint64_t* keys, std::uint32_t n) {
      const std::uint64_t entry = Entry(s, node);
      if (n == 0) {
        auto it = std::find_if(always.begin(), always.end(), same(entry));
        if (it != always.end()) {
          *it = always.back();
          always.pop_back();
        }
      }
      for (std::uint32_t k = 0; k < n; ++k) {
        KeyTable& shard = postings[Shard(keys[k])];
        KeyPostings* found = shard.Find(keys[k]);
        if (found == nullptr) continue;
        KeyPostings& kp = *found;
        if (sl.decided) {
          // Records are variable-length: found by walking them, removed by closing the gap.
          auto& d = kp.decided;
          for (std::size_t r = 0; r < d.size();) {
            const std::size_t len = kDecidedHeader + 1 + static_cast<std::uint32_t>(d[r + kDecidedHeader]);
            if (d[r] == entry) {
              d.erase(d.begin() + static_cast<std::ptrdiff_t>(r), d.begin() + static_cast<std::ptrdiff_t>(r + len));
              decided_words -= len;
              --posting_entries;
              break;
            }
            r += len;
          }
        } else {
          auto& list = kp.verify;
          auto pos = std::find_if(list.begin(), list.end(), same(entry));
          if (pos != list.end()) {
            *pos = list.back();
            list.pop_back();
            --posting_entries;
          }
        }
        if (kp.verify.empty() && kp.decided.empty()) shard.Erase(keys[k]);
      }
    });
    blob_bytes -= 8 * sl.words;
    arena.Free(const_cast<std::uint64_t*>(q.data()), sl.words);
    sl.query = QueryView();
    sl.words = 0;
    sl.live = false;
    sl.decided = false;
    free_slots.push_back(s);
    --queries;
  }
};

Matcher::Matcher(MatcherOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = options;
}

Matcher::~Matcher() = default;

std::uint64_t Matcher::Cost(const query::Node& query) { return StaticCost(query); }

Status Matcher::Add(std::uint64_t id, const query::Node& query) {
  const std::uint64_t cost = Cost(query);
  if (cost > impl_->options.max_query_cost) {
    return Status::TooLarge("query cost " + std::to_string(cost) + " is above the budget of " +
                                std::to_string(impl_->options.max_query_cost) +
                                " (fewer prefixes or proximity operators lower it)",
                            "q");
  }
  // Compiling (analysis, stemming, choosing presearch terms) happens outside the exclusive
  // section; only filing the result blocks matching.
  CompiledQuery compiled;
  {
    std::lock_guard lock(impl_->df_mu);
    const auto& df = impl_->df;
    compiled = Compile(query, [&df](std::uint64_t key) -> std::uint64_t {
      auto it = df.find(key);
      return it == df.end() ? 0 : it->second;
    });
  }
  if (compiled.node_count() > 0xffff) {  // entries hold node numbers in 16 bits
    return Status::TooLarge("query has " + std::to_string(compiled.node_count()) +
                                " operators and terms, above the limit of 65535",
                            "q");
  }
  Impl& m = *impl_;
  std::unique_lock lock(m.mu);
  auto& ids = m.ids[Impl::Shard(id)];
  auto existing = ids.find(id);
  if (existing != ids.end()) {
    m.Unfile(existing->second);
    ids.erase(existing);
  }
  std::uint32_t s;
  if (!m.free_slots.empty()) {
    s = m.free_slots.back();
    m.free_slots.pop_back();
  } else {
    if (m.slot_count % kSlotsPerChunk == 0) m.chunks.push_back(std::make_unique<Slot[]>(kSlotsPerChunk));
    s = m.slot_count++;
  }
  Slot& sl = m.slot(s);
  sl.id = id;
  ++sl.generation;
  sl.live = true;
  compiled.set_id(id);
  // Copied into the arena (the exclusive section is the arena's lock; a few hundred bytes).
  std::uint64_t* blob = m.arena.Allocate(compiled.words());
  std::memcpy(blob, compiled.data(), compiled.bytes());
  sl.query = QueryView(blob);
  sl.words = static_cast<std::uint32_t>(compiled.words());
  m.File(s, compiled.decision());
  m.blob_bytes += compiled.bytes();
  ++m.queries;
  ids.emplace(id, s);
  ++m.changes;
  return Status::Ok();
}

bool Matcher::Remove(std::uint64_t id) {
  Impl& m = *impl_;
  std::unique_lock lock(m.mu);
  auto& ids = m.ids[Impl::Shard(id)];
  auto it = ids.find(id);
  if (it == ids.end()) return false;
  m.Unfile(it->second);
  ids.erase(it);
  ++m.changes;
  return true;
}

std::vector<Fired> Matcher::Match(const Story& story, std::int64_t now_us, MatchStats* stats) const {
  const Impl& m = *impl_;
  // The story view and the fired queries' word values, reused from story to story unless a
  // Fired of an earlier story still holds them (its matched terms are read from them).
  thread_local std::shared_ptr<FiredTerms> terms;
  if (!terms || terms.use_count() > 1) {
    terms = std::make_shared<FiredTerms>();
  } else {
    // use_count() is a relaxed load: the last Fired may have been dropped on another thread
    // just now, after reading the analysis there. The fence pairs with that release decrement so
    // its reads happen before the analysis is overwritten below.
#if !defined(__SANITIZE_THREAD__)  // ThreadSanitizer does not model fences (-Wtsan)
    std::atomic_thread_fence(std::memory_order_acquire);
#endif
  }
  StoryView& view = terms->view;
  const std::uint64_t prefix_lengths = m.prefix_lengths.load();
  BuildStoryView(story, view, prefix_lengths, m.field_prefix_lengths.load());
  if (now_us == 0) {
    now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  }

  // The story's check filter: the fragment bit of every key it offers (presearch_keys.h).
  thread_local std::vector<std::uint64_t> check_filter((std::size_t{1} << kCheckBits) / 64);
  thread_local std::vector<std::uint32_t> check_set;  // words of check_filter set for the last story
  for (std::uint32_t w : check_set) check_filter[w] = 0;
  check_set.clear();
  auto set_bit = [&](std::uint32_t fragment) {
    std::uint64_t& word = check_filter[fragment >> 6];
    if (word == 0) check_set.push_back(fragment >> 6);
    word |= std::uint64_t{1} << (fragment & 63);
  };
  set_bit(0);
  for (std::uint64_t key : view.keys) set_bit(CheckFragment(key));
  const bool english = view.language == "en";

  // Candidates: the entries filed under a key the story offers that pass their check, and those
  // verified for every story.
  thread_local std::vector<Candidate> candidates;
  candidates.clear();
  thread_local std::vector<DecidedHit> hits;
  std::vector<std::uint32_t>& hit_terms = terms->values;
  hits.clear();
  hit_terms.clear();
  std::uint64_t checked_out = 0;
  std::uint64_t decided = 0;
  std::uint64_t changes = 0;
  {
    std::shared_lock lock(m.mu);
    // Two passes: the lists of the story's keys first, then their entries, each list's start
    // prefetched a few lists ahead (reading the index is mostly waiting for memory).
    thread_local std::vector<const KeyPostings*> lists;
    lists.clear();
    // A query added since the story was analysed may use a prefix length the story's decision
    // keys lack: then this story verifies decided queries instead.
    const bool decidable = view.decidable && m.prefix_lengths.load() == prefix_lengths;
    for (std::uint64_t key : view.keys) {
      const std::size_t bit = Impl::FilterBit(key);
      if ((m.key_filter[bit / 64] & (std::uint64_t{1} << (bit % 64))) == 0) continue;
      if (const KeyPostings* kp = m.postings[Impl::Shard(key)].Find(key)) lists.push_back(kp);
    }
    constexpr std::size_t kListsAhead = 6;
    auto prefetch_list = [](const KeyPostings* kp) {
      __builtin_prefetch(kp->verify.data());
      __builtin_prefetch(kp->decided.data());
    };
    for (std::size_t l = 0; l < std::min(kListsAhead, lists.size()); ++l) prefetch_list(lists[l]);
    for (std::size_t l = 0; l < lists.size(); ++l) {
      if (l + kListsAhead < lists.size()) prefetch_list(lists[l + kListsAhead]);
      const KeyPostings& kp = *lists[l];
      for (const Posting& p : kp.verify) {
        if (PassesCheck(p.check, check_filter.data(), english)) {
          candidates.push_back({p.entry, p.blob});
        } else {
          ++checked_out;
        }
      }
      // Decided records: the query's own key tests against the story's decision keys, without
      // touching its compiled query — unless it needs English stems and the story is not English.
      const std::vector<std::uint64_t>& d = kp.decided;
      for (std::size_t r = 0; r < d.size();) {
        const std::uint64_t head = d[r + kDecidedHeader];
        const auto n = static_cast<std::uint32_t>(head);
        const std::uint64_t* lit = d.data() + r + kDecidedHeader + 1;
        if (!decidable || (!english && (head >> 32) != 0)) {
          candidates.push_back({d[r], m.slot(static_cast<std::uint32_t>(d[r] >> 32)).query.data()});
        } else {
          ++decided;
          const auto mark = static_cast<std::uint32_t>(hit_terms.size());
          if (Decide(lit, n, view, hit_terms)) {
            hits.push_back({d[r], d[r + 1], mark, static_cast<std::uint32_t>(hit_terms.size())});
          } else {
            hit_terms.resize(mark);
          }
        }
        r += kDecidedHeader + 1 + n;
      }
    }
    for (const Posting& p : m.always) candidates.push_back({p.entry, p.blob});
    changes = m.changes;
  }
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());

  // Verified queries that fired, in slot order (merged with the decided ones by id below).
  thread_local std::vector<Fired> verified_fired;
  verified_fired.clear();
  std::vector<Fired>& fired = verified_fired;
  thread_local Verifier verifier;
  verifier.Reset(view, now_us);
  std::uint64_t verified = 0;
  std::size_t c = 0;
  auto slot_of = [](const Candidate& x) { return static_cast<std::uint32_t>(x.entry >> 32); };
  while (c < candidates.size()) {
    std::shared_lock lock(m.mu);
    // Unchanged since the candidates were taken: every blob is still filed. Otherwise each
    // candidate's slot says whether its query was removed or replaced meanwhile (the change wins).
    const bool unchanged = m.changes == changes;
    for (std::size_t group_end = std::min(candidates.size(), c + kVerifyGroup); c < group_end;) {
      const std::uint32_t s = slot_of(candidates[c]);
      // The entries of one query are adjacent; the first that matches decides.
      std::size_t next = c;
      while (next < candidates.size() && slot_of(candidates[next]) == s) ++next;
      if (next + kPrefetchAhead < candidates.size()) {
        // Verification mostly waits for the compiled query to arrive from memory.
        const char* ahead = reinterpret_cast<const char*>(candidates[next + kPrefetchAhead].blob);
        __builtin_prefetch(ahead);
        __builtin_prefetch(ahead + 64);
      }
      QueryView q(candidates[c].blob);
      bool live = unchanged;
      if (!unchanged) {
        const Slot& sl = m.slot(s);
        live = sl.live && sl.generation == static_cast<std::uint16_t>(candidates[c].entry >> 16);
        q = sl.query;
      }
      if (live) {
        ++verified;
        std::uint64_t work = 0;
        bool hit = false;
        for (std::size_t k = c; k < next && !hit; ++k) {
          hit = verifier.Matches(q, static_cast<std::uint16_t>(candidates[k].entry), &work);
        }
        q.AddWork(work);
        if (hit) {
          const auto begin = static_cast<std::uint32_t>(hit_terms.size());
          verifier.AppendMatchedTermIds(q, hit_terms);
          fired.push_back(Fired{q.id(), terms, begin, static_cast<std::uint32_t>(hit_terms.size())});
        }
      }
      c = next;
    }
  }
  // Decided hits: one per query (an entry filed under several keys the story offers repeats), in
  // id order like the verified ones, which are fewer: both sorted and merged (sorting the small
  // hits is cheaper than sorting the Fired).
  std::sort(hits.begin(), hits.end(), [](const DecidedHit& a, const DecidedHit& b) { return a.id < b.id; });
  std::sort(verified_fired.begin(), verified_fired.end(),
            [](const Fired& a, const Fired& b) { return a.query_id < b.query_id; });
  std::vector<Fired> out;
  thread_local std::size_t fired_hint = 0;  // what the last story fired: one allocation, not log n
  out.reserve(std::max(fired_hint, verified_fired.size() + hits.size()));
  std::size_t v = 0;
  for (std::size_t h = 0; h < hits.size(); ++h) {
    if (h > 0 && hits[h].id == hits[h - 1].id) continue;
    while (v < verified_fired.size() && verified_fired[v].query_id < hits[h].id) out.push_back(std::move(verified_fired[v++]));
    out.push_back(Fired{hits[h].id, terms, hits[h].terms_begin, hits[h].terms_end});
  }
  while (v < verified_fired.size()) out.push_back(std::move(verified_fired[v++]));
  verified_fired.clear();
  fired_hint = out.size();

  {
    // Past the first kStatisticsExact stories only every kStatisticsStride-th is counted, with that
    // weight: each count is a cache miss in a table of millions of keys, and the statistics only
    // rank keys by frequency (which key a query is filed under changes speed, never results).
    std::lock_guard lock(m.df_mu);
    const std::uint64_t n = m.statistics_stories++;
    const std::uint32_t weight = n < kStatisticsExact ? 1 : n % kStatisticsStride == 0 ? kStatisticsStride : 0;
    if (weight > 0) {
      std::vector<std::uint64_t>& keys = view.statistics_keys;
      std::sort(keys.begin(), keys.end());
      keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
      for (std::uint64_t key : keys) {
        if (m.df.size() < kMaxStatisticsKeys) {
          m.df[key] += weight;
        } else if (auto it = m.df.find(key); it != m.df.end()) {
          it->second += weight;
        }
      }
    }
  }
  if (stats != nullptr) {
    stats->candidates = verified;
    stats->checked_out = checked_out;
    stats->decided = decided;
    stats->matched = out.size();
  }
  return out;
}

MatcherStats Matcher::Stats() const {
  const Impl& m = *impl_;
  std::shared_lock lock(m.mu);
  MatcherStats st;
  st.queries = m.queries;
  st.always_verified = m.always_queries;
  // The arena reserves 64 MiB chunks but only the blobs in them are touched (resident).
  std::uint64_t bytes = m.blob_bytes + kFilterBits / 8 + m.chunks.size() * kSlotsPerChunk * sizeof(Slot);
  std::uint64_t ids = 0;
  for (std::size_t i = 0; i < kShards; ++i) {
    ids += m.ids[i].size();
    bytes += m.postings[i].bytes() + m.ids[i].bucket_count() * 8;
  }
  // Node of an unordered_map: next pointer, key, value, cached hash, plus allocator overhead.
  bytes += ids * 32 + m.posting_entries * sizeof(Posting) * 3 / 2 + m.decided_words * 8 * 3 / 2 +
           m.always.capacity() * sizeof(Posting);
  st.memory_bytes = bytes;
  return st;
}

std::vector<std::pair<std::uint64_t, std::uint64_t>> Matcher::CostliestQueries(std::size_t n) const {
  const Impl& m = *impl_;
  std::shared_lock lock(m.mu);
  std::vector<std::pair<std::uint64_t, std::uint64_t>> all;
  for (std::uint32_t s = 0; s < m.slot_count; ++s) {
    const Slot& sl = m.slot(s);
    if (sl.live) all.emplace_back(sl.id, sl.query.work());
  }
  n = std::min(n, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n), all.end(),
                    [](const auto& a, const auto& b) {
                      return a.second != b.second ? a.second > b.second : a.first < b.first;
                    });
  all.resize(n);
  return all;
}

}  // namespace dateline::match
