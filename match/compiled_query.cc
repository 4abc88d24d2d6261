#include "match/compiled_query.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <unordered_map>

#include "core/hash.h"
#include "match/presearch_keys.h"
#include "match/story_view.h"
#include "text/analyzer.h"

namespace dateline::match {

const std::vector<std::string>& StemmerLanguages() {
  static const std::vector<std::string> languages = [] {
    std::vector<std::string> out;
    for (const char* l : {"ar", "ca", "da", "de", "el", "en", "es", "eu", "fi", "fr", "ga", "hi",
                          "hu", "hy", "id", "it", "lt", "nb", "ne", "nl", "nn", "no", "pt", "ro",
                          "ru", "sr", "sv", "ta", "tr", "yi"}) {
      if (text::HasStemmer(l)) out.emplace_back(l);
    }
    return out;
  }();
  return languages;
}

namespace {

// A field value as stories hold it: folded; a language code by its primary subtag ("en-GB").
std::string FieldValue(const std::string& field, const std::string& text) {
  return field == "lang" ? text::PrimaryLanguage(text) : text::Fold(text);
}

std::uint64_t SaturatingAdd(std::uint64_t a, std::uint64_t b) {
  return a + b < a ? UINT64_MAX : a + b;
}
std::uint64_t SaturatingMul(std::uint64_t a, std::uint64_t b) {
  return b != 0 && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

// Keys under which a bare word is filed: the word and its stem in every stemmer language. A story
// offers its words and their stems in its own language, so whatever that language is, a story
// word with the query word's stem shares a key with it (languages without a stemmer compare the
// words themselves).
std::vector<std::uint64_t> StemVariantKeys(const std::string& word) {
  // Cached per word (a saved alert's words come from a bounded vocabulary); once full the cache
  // stops growing rather than being cleared inside some unlucky Add.
  constexpr std::size_t kMaxEntries = 1 << 19;
  thread_local std::unordered_map<std::string, std::vector<std::uint64_t>> cache;
  auto it = cache.find(word);
  if (it != cache.end()) return it->second;
  std::vector<std::uint64_t> keys{WordKey(word)};
  for (const std::string& l : StemmerLanguages()) keys.push_back(WordKey(text::Stem(word, l)));
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  if (cache.size() < kMaxEntries) cache.emplace(word, keys);
  return keys;
}

// A set of keys at least one of which every matching story offers; empty when the node can never
// match. std::nullopt when no such set is known (negations, time, MatchAll).
struct KeySet {
  std::vector<std::uint64_t> keys;
  double cost = 0;  // expected candidates: the summed frequency of the keys
};

}  // namespace

class QueryCompiler {
 public:
  explicit QueryCompiler(const KeyFrequency& frequency) : frequency_(frequency) {}

  CompiledQuery Build(const query::Node& root) {
    Emit(root);
    std::vector<std::uint64_t> entries;
    bool always = false;
    const query::Node* source = nullptr;  // the entry's node
    auto add_entry = [&](std::uint32_t node, std::optional<KeySet> ks) {
      if (ks && ks->keys.empty()) return;  // this branch can never match
      if (ks) {
        std::sort(ks->keys.begin(), ks->keys.end());
        ks->keys.erase(std::unique(ks->keys.begin(), ks->keys.end()), ks->keys.end());
      } else {
        always = true;
      }
      entries.push_back(static_cast<std::uint64_t>(node) << 32 | (ks ? ks->keys.size() : 0));
      entries.push_back(ks ? Check(*source, ks->keys) : 0);
      if (ks) entries.insert(entries.end(), ks->keys.begin(), ks->keys.end());
    };
    if (root.kind == query::Kind::kOr) {
      std::uint32_t node = 1;
      for (const auto& child : root.children) {
        source = child.get();
        add_entry(node, Extract(*child));
        node = nodes_[node].end;
      }
    } else {
      source = &root;
      std::optional<KeySet> ks = Extract(root);
      const bool filed = ks && !ks->keys.empty();
      add_entry(0, std::move(ks));
      if (filed) Decision(root);
    }
    CompiledQuery q;
    q.decision_ = std::move(decision_);
    const std::size_t header = 8 * QueryView::kHeaderWords;
    const std::size_t bytes = header + 16 * nodes_.size() + 8 * entries.size() + pool_.size();
    q.words_ = (bytes + 7) / 8;
    q.storage_ = std::make_unique<std::uint64_t[]>(q.words_);  // zeroed: id and work start at 0
    q.blob_ = q.storage_.get();
    char* p = reinterpret_cast<char*>(q.storage_.get());
    const QueryView::Header h{static_cast<std::uint32_t>(nodes_.size()),
                              static_cast<std::uint32_t>(entries.size()),
                              static_cast<std::uint32_t>(pool_.size()), always ? 1u : 0u,
                              prefix_lengths_, field_prefix_lengths_, 0, 0};
    std::memcpy(p, &h, header);
    std::memcpy(p + header, nodes_.data(), 16 * nodes_.size());
    if (!entries.empty()) std::memcpy(p + header + 16 * nodes_.size(), entries.data(), 8 * entries.size());
    if (!pool_.empty()) {
      std::memcpy(p + header + 16 * nodes_.size() + 8 * entries.size(), pool_.data(), pool_.size());
    }
    return q;
  }

 private:
  void PutU32(std::uint32_t v) { pool_.append(reinterpret_cast<const char*>(&v), 4); }
  void PutI64(std::int64_t v) { pool_.append(reinterpret_cast<const char*>(&v), 8); }
  void PutStr(std::string_view s) {
    PutU32(static_cast<std::uint32_t>(s.size()));
    pool_.append(s);
  }
  void PutWord(std::string_view s) {
    PutI64(static_cast<std::int64_t>(Hash64(s)));
    PutStr(s);
  }

  void Emit(const query::Node& n) {
    using query::Kind;
    const std::size_t index = nodes_.size();
    nodes_.emplace_back();
    CompiledNode c;
    c.kind = n.kind;
    c.scope = n.scope;
    c.data = static_cast<std::uint32_t>(pool_.size());
    switch (n.kind) {
      case Kind::kTerm: {
        const std::vector<std::string> words = QueryWords(n.text);
        c.flags = n.exact ? kExact : 0;
        PutU32(static_cast<std::uint32_t>(words.size()));
        for (const std::string& w : words) {
          PutWord(w);
          if (!n.exact) PutWord(CachedStem(w, "en"));
        }
        break;
      }
      case Kind::kPhrase: {
        std::vector<std::string> words;
        for (const std::string& word : n.words) {
          for (std::string& w : QueryWords(word)) words.push_back(std::move(w));
        }
        c.flags = kExact;
        PutU32(static_cast<std::uint32_t>(words.size()));
        for (const std::string& w : words) PutWord(w);
        break;
      }
      case Kind::kPrefix: {
        const std::string p = text::Fold(n.text);
        prefix_lengths_ |= PrefixLengthBit(p.size());
        PutStr(p);
        break;
      }
      case Kind::kField: {
        const std::string field = text::Fold(n.field);
        PutStr(field);
        if (n.prefix) c.flags |= kFieldPrefix;
        if (field == "author" && !n.prefix) {
          c.flags |= kAuthorWords;
          const std::vector<std::string> words = QueryWords(n.text);
          PutU32(static_cast<std::uint32_t>(words.size()));
          for (const std::string& w : words) PutStr(w);
        } else {
          const std::string value = FieldValue(field, n.text);
          if (n.prefix) field_prefix_lengths_ |= PrefixLengthBit(value.size());
          PutStr(value);
        }
        break;
      }
      case Kind::kRange:
        PutI64(n.from_us);
        PutI64(n.to_us);
        break;
      case Kind::kSince:
        PutI64(n.seconds);
        break;
      case Kind::kNear:
      case Kind::kWithin:
        c.arg = n.distance;
        break;
      case Kind::kAtLeast:
        c.arg = n.count;
        break;
      default:
        break;
    }
    for (const auto& child : n.children) Emit(*child);
    c.end = static_cast<std::uint32_t>(nodes_.size());
    nodes_[index] = c;
  }

  double Frequency(std::uint64_t key) const { return static_cast<double>(frequency_(key)); }

  // Cost of one word's keys; among equally frequent (e.g. all unseen) words a longer one is
  // taken, as longer words tend to be rarer.
  KeySet WordKeys(const std::string& word, bool stemmed) const {
    KeySet ks;
    if (stemmed) {
      ks.keys = StemVariantKeys(word);
    } else {
      ks.keys = {WordKey(word)};
    }
    for (std::uint64_t k : ks.keys) ks.cost += Frequency(k);
    ks.cost += 1.0 / (1.0 + static_cast<double>(word.size()));
    return ks;
  }

  static void Cheapest(std::optional<KeySet>& best, std::optional<KeySet> candidate) {
    if (candidate && (!best || candidate->cost < best->cost)) best = std::move(candidate);
  }

  // The occurrences of a text operand need one of these keys (NEAR, W, SAME, ATLEAST operands).
  // Operands without occurrences (AND, NOT, fields) never produce any: the empty set.
  std::optional<KeySet> ExtractSpans(const query::Node& n) const {
    using query::Kind;
    switch (n.kind) {
      case Kind::kTerm:
      case Kind::kPhrase:
      case Kind::kPrefix:
      case Kind::kNear:  // a nested proximity expression has occurrences when all its operands do
      case Kind::kWithin:
      case Kind::kSame:
        return Extract(n);
      case Kind::kOr:
        return UnionOf(n, [this](const query::Node& c) { return ExtractSpans(c); });
      default:
        return KeySet{};
    }
  }

  // An OR needs one of its children: the union of their keys, or nullopt (no usable key) as
  // soon as one child has none.
  template <typename ExtractChild>
  static std::optional<KeySet> UnionOf(const query::Node& n, ExtractChild extract) {
    KeySet all;
    for (const auto& c : n.children) {
      std::optional<KeySet> ks = extract(*c);
      if (!ks) return std::nullopt;
      all.keys.insert(all.keys.end(), ks->keys.begin(), ks->keys.end());
      all.cost += ks->cost;
    }
    return all;
  }

  std::optional<KeySet> Extract(const query::Node& n) const {
    using query::Kind;
    switch (n.kind) {
      case Kind::kTerm:
      case Kind::kPhrase: {
        std::vector<std::string> words;
        if (n.kind == Kind::kTerm) {
          words = QueryWords(n.text);
        } else {
          for (const std::string& word : n.words) {
            for (std::string& w : QueryWords(word)) words.push_back(std::move(w));
          }
        }
        std::optional<KeySet> best;
        if (words.empty()) return KeySet{};  // never matches
        const bool stemmed = n.kind == Kind::kTerm && !n.exact;
        for (const std::string& w : words) Cheapest(best, WordKeys(w, stemmed));
        return best;
      }
      case Kind::kPrefix: {
        const std::string p = text::Fold(n.text);
        if (p.empty()) return std::nullopt;  // every word starts with ""
        KeySet ks;
        ks.keys = {PrefixKey(p)};
        // Prefixes are not counted; a short one is assumed to match many stories.
        ks.cost = 1e6 / static_cast<double>(p.size() * p.size());
        return ks;
      }
      case Kind::kAnd: {
        std::optional<KeySet> best;
        for (const auto& c : n.children) Cheapest(best, Extract(*c));
        return best;
      }
      case Kind::kOr:
        return UnionOf(n, [this](const query::Node& c) { return Extract(c); });
      case Kind::kNear:
      case Kind::kWithin:
      case Kind::kSame: {
        if (n.children.empty()) return KeySet{};
        std::optional<KeySet> best;
        for (const auto& c : n.children) {
          std::optional<KeySet> ks = ExtractSpans(*c);
          Cheapest(best, std::move(ks));
        }
        return best;
      }
      case Kind::kAtLeast:
        if (n.children.empty()) return KeySet{};
        if (n.count == 0) return std::nullopt;
        return ExtractSpans(*n.children[0]);
      case Kind::kField: {
        const std::string field = text::Fold(n.field);
        if (field == "author" && !n.prefix) {
          std::optional<KeySet> best;
          const std::vector<std::string> words = QueryWords(n.text);
          if (words.empty()) return KeySet{};
          for (const std::string& w : words) {
            KeySet ks;
            ks.keys = {FieldKey(field, w)};
            ks.cost = Frequency(ks.keys[0]) + 1.0 / (1.0 + static_cast<double>(w.size()));
            Cheapest(best, std::move(ks));
          }
          return best;
        }
        const std::string value = FieldValue(field, n.text);
        KeySet ks;
        if (n.prefix) {
          if (value.empty()) return std::nullopt;
          ks.keys = {FieldPrefixKey(field, value)};
          ks.cost = 1e6 / static_cast<double>(value.size() * value.size());
        } else {
          ks.keys = {FieldKey(field, value)};
          ks.cost = Frequency(ks.keys[0]) + 1.0 / (1.0 + static_cast<double>(value.size()));
        }
        return ks;
      }
      case Kind::kNot:
      case Kind::kMatchAll:
      case Kind::kRange:
      case Kind::kSince:
        return std::nullopt;
    }
    return std::nullopt;
  }

  // A key every story matching `n` offers; `english_only`: only English stories must offer it.
  struct Required {
    std::uint64_t key;
    bool english_only;
    double cost;
  };

  void RequiredWords(const query::Node& n, std::vector<Required>& out) const {
    std::vector<std::string> words;
    if (n.kind == query::Kind::kTerm) {
      words = QueryWords(n.text);
    } else {
      for (const std::string& word : n.words) {
        for (std::string& w : QueryWords(word)) words.push_back(std::move(w));
      }
    }
    const bool stemmed = n.kind == query::Kind::kTerm && !n.exact;
    for (const std::string& w : words) {
      // A stemmed word is looked up by its English stem in an English story (verifier.cc).
      const std::uint64_t key = WordKey(stemmed ? CachedStem(w, "en") : w);
      out.push_back({key, stemmed, Frequency(key) + 1.0 / (1.0 + static_cast<double>(w.size()))});
    }
  }

  // Keys every story whose occurrences of operand `n` are non-empty offers (proximity operands).
  void RequiredOfSpans(const query::Node& n, std::vector<Required>& out) const {
    using query::Kind;
    switch (n.kind) {
      case Kind::kTerm:
      case Kind::kPhrase:
        RequiredWords(n, out);
        return;
      case Kind::kNear:
      case Kind::kWithin:
      case Kind::kSame:
        for (const auto& c : n.children) RequiredOfSpans(*c, out);
        return;
      default:
        return;  // ORs and prefixes require no one key
    }
  }

  // Keys every story matching `n` offers (a subset is fine: fewer keys only check less).
  void RequiredKeys(const query::Node& n, std::vector<Required>& out) const {
    using query::Kind;
    switch (n.kind) {
      case Kind::kTerm:
      case Kind::kPhrase:
        RequiredWords(n, out);
        return;
      case Kind::kAnd:
        for (const auto& c : n.children) RequiredKeys(*c, out);
        return;
      case Kind::kNear:
      case Kind::kWithin:
      case Kind::kSame:
        for (const auto& c : n.children) RequiredOfSpans(*c, out);
        return;
      case Kind::kAtLeast:
        if (n.count > 0 && !n.children.empty()) RequiredOfSpans(*n.children[0], out);
        return;
      case Kind::kField: {
        if (n.prefix) return;
        const std::string field = text::Fold(n.field);
        if (field == "author") {
          for (const std::string& w : QueryWords(n.text)) {
            const std::uint64_t key = FieldKey(field, w);
            out.push_back({key, false, Frequency(key) + 1.0 / (1.0 + static_cast<double>(w.size()))});
          }
          return;
        }
        const std::string value = FieldValue(field, n.text);
        const std::uint64_t key = FieldKey(field, value);
        out.push_back({key, false, Frequency(key) + 1.0 / (1.0 + static_cast<double>(value.size()))});
        return;
      }
      default:
        return;  // OR, NOT, prefixes, time and MatchAll require no one key
    }
  }

  // The check word of an entry filed under `filed` (sorted): the rarest required keys of `n`
  // other than those (presearch_keys.h, PassesCheck).
  std::uint64_t Check(const query::Node& n, const std::vector<std::uint64_t>& filed) const {
    std::vector<Required> req;
    RequiredKeys(n, req);
    std::sort(req.begin(), req.end(), [](const Required& a, const Required& b) {
      return a.cost != b.cost ? a.cost < b.cost : a.key < b.key;
    });
    std::uint64_t check = 0;
    int used = 0;
    std::vector<std::uint32_t> fragments;
    for (const Required& r : req) {
      if (used == kCheckKeys) break;
      if (std::binary_search(filed.begin(), filed.end(), r.key)) continue;
      const std::uint32_t fragment = CheckFragment(r.key);
      if (fragment == 0 || std::find(fragments.begin(), fragments.end(), fragment) != fragments.end()) continue;
      fragments.push_back(fragment);
      const std::uint64_t slot = fragment | (r.english_only ? std::uint64_t{1} << kCheckBits : 0);
      check |= slot << (kCheckSlotBits * used++);
    }
    return check;
  }

  // The decision key of a node that is one key test (a one-word term or phrase, a two-word exact
  // phrase, a one-word term in the headline, a word prefix, a keyword field value, an author of
  // one word); 0 when it is none.
  std::uint64_t Literal(const query::Node& n, bool& english_only) const {
    using query::Kind;
    // One word in the headline (hd:word) is a key test too; other scopes are positional.
    const bool headline = n.scope == query::Scope::kHeadline && n.kind == Kind::kTerm;
    if ((n.scope != query::Scope::kAll && !headline) || !n.children.empty()) return 0;
    if (n.kind == Kind::kPrefix) {
      const std::string p = text::Fold(n.text);
      return p.empty() || p.size() >= 64 ? 0 : PrefixDecideKey(p);
    }
    if (n.kind == Kind::kTerm || n.kind == Kind::kPhrase) {
      std::vector<std::string> words;
      if (n.kind == Kind::kTerm) {
        words = QueryWords(n.text);
      } else {
        for (const std::string& word : n.words) {
          for (std::string& w : QueryWords(word)) words.push_back(std::move(w));
        }
      }
      const bool exact = n.kind == Kind::kPhrase || n.exact;
      // Two exact words: the story's key of that pair at adjacent positions.
      if (words.size() == 2 && exact && !headline) return BigramDecideKey(WordKey(words[0]), WordKey(words[1]));
      if (words.size() != 1) return 0;
      if (exact) return headline ? HeadlineExactDecideKey(words[0]) : ExactDecideKey(words[0]);
      // A stemmed word is looked up by its English stem in an English story (verifier.cc).
      english_only = true;
      const std::string& stem = CachedStem(words[0], "en");
      return headline ? HeadlineStemDecideKey(stem) : StemDecideKey(stem);
    }
    if (n.kind == Kind::kField && !n.prefix) {
      const std::string field = text::Fold(n.field);
      if (field == "author") {
        const std::vector<std::string> words = QueryWords(n.text);
        return words.size() == 1 ? FieldDecideKey(field, words[0]) : 0;
      }
      return FieldDecideKey(field, FieldValue(field, n.text));
    }
    return 0;
  }

  // One clause (an OR of literals, a literal, or a negated literal or OR of literals, which is a
  // clause per literal) appended to `lits`; false when `n` is no such thing.
  bool Clause(const query::Node& n, std::vector<std::uint64_t>& lits, bool& english_only) const {
    using query::Kind;
    auto literal = [&](const query::Node& c, bool negated, bool start) {
      const query::Node* x = &c;
      if (x->kind == Kind::kNot) {
        // A doubly negated word is no matched term of verification (CollectTerms): not decided.
        if (negated || x->scope != query::Scope::kAll || x->children.size() != 1) return false;
        negated = !negated;
        x = x->children[0].get();
      }
      const std::uint64_t key = Literal(*x, english_only);
      if (key == 0) return false;
      lits.push_back(key | (negated ? kDecideNegated : 0) | (start ? kDecideClauseStart : 0));
      return true;
    };
    if (n.kind == Kind::kOr) {
      if (n.children.empty()) return false;
      bool start = true;
      for (const auto& c : n.children) {
        if (!literal(*c, false, start)) return false;
        start = false;
      }
      return true;
    }
    if (n.kind == Kind::kNot && n.children.size() == 1 && n.children[0]->kind == Kind::kOr) {
      // NOT (a OR b) = NOT a AND NOT b.
      const query::Node& o = *n.children[0];
      if (o.scope != query::Scope::kAll || o.children.empty()) return false;
      for (const auto& c : o.children) {
        if (!literal(*c, true, true)) return false;
      }
      return true;
    }
    return literal(n, false, true);
  }

  // Conjunction of clauses (ANDs flattened).
  bool Conjunction(const query::Node& n, std::vector<std::uint64_t>& lits, bool& english_only) const {
    if (n.kind != query::Kind::kAnd) return Clause(n, lits, english_only);
    if (n.scope != query::Scope::kAll || n.children.empty()) return false;
    for (const auto& c : n.children) {
      if (!Conjunction(*c, lits, english_only)) return false;
    }
    return true;
  }

  // Sets decision_ when the query (filed as one entry) is decided by its key tests alone.
  void Decision(const query::Node& root) {
    std::vector<std::uint64_t> lits;
    bool english_only = false;
    if (!Conjunction(root, lits, english_only) || lits.empty() || lits.size() > kMaxDecisionLiterals) return;
    // Shorter clauses first: a unit clause that fails ends the test after one lookup.
    std::vector<std::pair<std::size_t, std::size_t>> clauses;  // (first literal, length)
    for (std::size_t k = 0; k < lits.size(); ++k) {
      if ((lits[k] & kDecideClauseStart) != 0) clauses.emplace_back(k, 0);
      ++clauses.back().second;
    }
    std::stable_sort(clauses.begin(), clauses.end(),
                     [](const auto& a, const auto& b) { return a.second < b.second; });
    decision_.push_back(lits.size() | (english_only ? std::uint64_t{1} << 32 : 0));
    for (const auto& [first, length] : clauses) {
      decision_.insert(decision_.end(), lits.begin() + static_cast<std::ptrdiff_t>(first),
                       lits.begin() + static_cast<std::ptrdiff_t>(first + length));
    }
  }

  const KeyFrequency& frequency_;
  std::vector<std::uint64_t> decision_;
  std::vector<CompiledNode> nodes_;
  std::string pool_;
  std::uint64_t prefix_lengths_ = 0;
  std::uint64_t field_prefix_lengths_ = 0;
};

CompiledQuery Compile(const query::Node& query, const KeyFrequency& frequency) {
  return QueryCompiler(frequency).Build(query);
}

std::uint64_t StaticCost(const query::Node& n) {
  using query::Kind;
  std::uint64_t children = 0;
  for (const auto& c : n.children) children = SaturatingAdd(children, StaticCost(*c));
  switch (n.kind) {
    case Kind::kTerm:
    case Kind::kField:
    case Kind::kRange:
    case Kind::kSince:
      return n.kind == Kind::kField && n.prefix ? 10 : 1;
    case Kind::kPhrase:
      return std::max<std::uint64_t>(1, n.words.size());
    case Kind::kPrefix:
      return 10;
    case Kind::kNear:
    case Kind::kWithin:
      return SaturatingMul(children, 4);
    case Kind::kSame:
    case Kind::kAtLeast:
      return SaturatingMul(children, 2);
    default:
      return children;
  }
}

}  // namespace dateline::match
