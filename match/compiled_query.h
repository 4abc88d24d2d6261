// A standing query compiled once into one flat allocation: its nodes in pre-order (each knowing
// where its subtree ends), its presearch entries, and a pool holding the folded
// words, field values and time bounds the nodes point into. At 1.5 million queries this costs a
// few hundred bytes per query instead of one heap-allocated AST node per operator and term.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "query/ast.h"

namespace dateline::match {

// One node; `end` is the index one past its subtree, so children are [index + 1, end) walked by
// jumping to each child's `end`.
struct CompiledNode {
  query::Kind kind = query::Kind::kMatchAll;
  query::Scope scope = query::Scope::kAll;
  std::uint8_t flags = 0;     // kExact, kFieldPrefix, kAuthorWords
  std::uint8_t unused = 0;
  std::uint32_t end = 0;
  std::uint32_t arg = 0;      // distance (kNear, kWithin), count (kAtLeast)
  std::uint32_t data = 0;     // offset of the node's data in the pool
};
static_assert(sizeof(CompiledNode) == 16);

inline constexpr std::uint8_t kExact = 1;        // kTerm: exact folded form, no stemming
inline constexpr std::uint8_t kFieldPrefix = 2;  // kField: value is a prefix (ticker:72*)
inline constexpr std::uint8_t kAuthorWords = 4;  // kField: every word of the value among bylines

// Bit of a prefix length in CompiledQuery::prefix_lengths.
inline std::uint64_t PrefixLengthBit(std::size_t bytes) {
  return std::uint64_t{1} << (bytes < 64 ? bytes : 0);
}

// Pool layouts (integers little-endian u32 unless said otherwise, strings as u32 length + bytes):
//   kTerm, kPhrase  u32 n, then n words, each as u64 Hash64(word) + string; a stemmed kTerm
//                   follows each word with its English stem the same way (most stories are
//                   English; other languages stem at verification). The hashes let the verifier
//                   test a story's word filter and table without hashing again.
//   kPrefix         the folded prefix
//   kField          folded field name, then folded value, or for kAuthorWords u32 n and n words
//   kRange          i64 from_us, i64 to_us;  kSince: i64 seconds
//
// QueryView reads a compiled query through a pointer to its blob (what the presearch index files,
// so a candidate is verified without first reading its slot); CompiledQuery owns the blob.
class QueryView {
 public:
  QueryView() = default;
  explicit QueryView(const std::uint64_t* blob) : blob_(blob) {}
  std::uint32_t node_count() const { return header().nodes; }
  const CompiledNode* nodes() const {
    return reinterpret_cast<const CompiledNode*>(blob_ + kHeaderWords);
  }
  // Presearch entries: the query matches exactly when one of its entry nodes does (the root, or
  // each child of a top-level OR, so a long OR is verified only in the branches a story can
  // satisfy). Each entry is one word `node << 32 | key count`, one check word (further keys every
  // match of the entry needs: presearch_keys.h, PassesCheck), then that many keys; an entry with
  // no keys has no term every match needs and is verified for every story.
  std::uint32_t entry_words() const { return header().entry_words; }
  const std::uint64_t* entries() const { return blob_ + kHeaderWords + 2 * header().nodes; }
  // True when some entry is verified for every story.
  bool always_verify() const { return header().always != 0; }
  // Lengths of the word and field-value prefixes in the query: bit n for n bytes (bit 0 for 64
  // and more). A story offers prefix keys only of lengths some query uses.
  std::uint64_t prefix_lengths() const { return header().prefix_lengths; }
  std::uint64_t field_prefix_lengths() const { return header().field_prefix_lengths; }
  const char* pool() const { return reinterpret_cast<const char*>(entries() + header().entry_words); }
  const std::uint64_t* data() const { return blob_; }
  explicit operator bool() const { return blob_ != nullptr; }

  // The id the query was added under (Matcher::Add), kept with it so that a firing candidate
  // needs nothing else.
  std::uint64_t id() const { return header().id; }
  // Verification work spent on the query so far (Matcher::CostliestQueries); updated by
  // concurrent Match calls, hence atomic.
  std::uint64_t work() const { return WorkRef().load(std::memory_order_relaxed); }
  void AddWork(std::uint64_t w) const { WorkRef().fetch_add(w, std::memory_order_relaxed); }

  // Reads a u32 / string / i64 / u64 at `*offset` of the pool and advances it.
  std::uint32_t U32(std::uint32_t* offset) const {
    std::uint32_t v;
    std::memcpy(&v, pool() + *offset, 4);
    *offset += 4;
    return v;
  }
  std::string_view Str(std::uint32_t* offset) const {
    const std::uint32_t n = U32(offset);
    std::string_view s(pool() + *offset, n);
    *offset += n;
    return s;
  }
  std::int64_t I64(std::uint32_t* offset) const {
    std::int64_t v;
    std::memcpy(&v, pool() + *offset, 8);
    *offset += 8;
    return v;
  }
  std::uint64_t U64(std::uint32_t* offset) const { return static_cast<std::uint64_t>(I64(offset)); }

 protected:
  friend class QueryCompiler;
  struct Header {
    std::uint32_t nodes;
    std::uint32_t entry_words;
    std::uint32_t pool_bytes;
    std::uint32_t always;
    std::uint64_t prefix_lengths;
    std::uint64_t field_prefix_lengths;
    std::uint64_t id;
    std::uint64_t work;
  };
  static constexpr std::size_t kHeaderWords = 6;
  static_assert(sizeof(Header) == 8 * kHeaderWords);
  const Header& header() const { return *reinterpret_cast<const Header*>(blob_); }
  std::atomic_ref<std::uint64_t> WorkRef() const {
    // The blob is the owner's mutable allocation; only this counter is ever written after Add.
    return std::atomic_ref<std::uint64_t>(const_cast<std::uint64_t*>(blob_)[kHeaderWords - 1]);
  }
  const std::uint64_t* blob_ = nullptr;
};

class CompiledQuery : public QueryView {
 public:
  CompiledQuery() = default;
  CompiledQuery(CompiledQuery&& o) noexcept { *this = std::move(o); }
  CompiledQuery& operator=(CompiledQuery&& o) noexcept {
    storage_ = std::move(o.storage_);
    decision_ = std::move(o.decision_);
    words_ = o.words_;
    blob_ = storage_.get();
    o.blob_ = nullptr;
    o.words_ = 0;
    return *this;
  }
  std::size_t bytes() const { return 8 * words_; }
  std::size_t words() const { return words_; }
  void set_id(std::uint64_t id) { storage_[4] = id; }  // Header::id

  // When the query (one presearch entry, node 0) is decided by key tests alone
  // (presearch_keys.h, decision keys): one header word `literal count | english_only << 32`, then
  // the literals, each a decision key with kDecideNegated / kDecideClauseStart in its low bits.
  // The query matches exactly when every clause has a literal whose key the story has (or, when
  // negated, lacks). english_only: some literal is an English stem, so only an English story can
  // be decided; others verify. Empty when the query needs verification. Not part of the blob:
  // the Matcher files it with the entry's postings.
  const std::vector<std::uint64_t>& decision() const { return decision_; }

 private:
  friend class QueryCompiler;
  std::unique_ptr<std::uint64_t[]> storage_;
  std::vector<std::uint64_t> decision_;
  std::size_t words_ = 0;
};

// How rare a presearch key is: the number of stories seen that offered it (0 when unknown).
using KeyFrequency = std::function<std::uint64_t(std::uint64_t key)>;

// Compiles `query`. The presearch keys are chosen with `frequency` (rarest term of an AND, union
// of an OR, a top-level OR split into one entry per child); which keys are chosen changes speed
// only, never which stories match.
CompiledQuery Compile(const query::Node& query, const KeyFrequency& frequency);

// Most literals a decided query may have (its decision is copied into each posting of the entry;
// an OR of 50 names narrowed by a word, common in saved alerts, has 51).
inline constexpr std::size_t kMaxDecisionLiterals = 64;

// Static cost: 1 per word, phrase word, field value or time bound, 10 per prefix; a NEAR or W
// node costs 4 times its operands, SAME and ATLEAST 2 times (they enumerate occurrences).
// Saturates instead of overflowing.
std::uint64_t StaticCost(const query::Node& query);

// Languages with a Snowball stemmer (text::HasStemmer); a bare word is filed under its stem in
// each of them, because the story's language is not known when the query is saved.
const std::vector<std::string>& StemmerLanguages();

}  // namespace dateline::match
