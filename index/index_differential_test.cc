// The index against the linear scan (linear_scan.h) on real text: thousands of random queries
// built from the corpus's own vocabulary, bigrams and field values must give exactly the linear
// scan's matches and total — in the memory segment, across flushed and merged segments, after
// new versions of stories replace old ones, after ForceMerge and after reopening the directory.
//
// Knobs (environment):
//   DATELINE_INDEX_TEST_DOCS     stories indexed; default all of Reuters-21578 + BBC News
//                                (23,803) in optimised builds, 3,000 in debug/sanitizer builds
//   DATELINE_INDEX_TEST_QUERIES  random queries per phase; default 200 (optimised), 150 (debug)
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <unordered_map>

#include "index/analyzed_story.h"
#include "index/linear_scan.h"
#include "index/search_index.h"
#include "index/test_corpus.h"
#include "query/parser.h"
#include "text/analyzer.h"

namespace dateline::index {
namespace {

using query::Kind;
using query::Node;
using query::NodePtr;

#ifdef NDEBUG
constexpr std::size_t kDefaultDocs = 1000000;
constexpr std::size_t kDefaultQueries = 200;
#else
constexpr std::size_t kDefaultDocs = 3000;
constexpr std::size_t kDefaultQueries = 150;
#endif

NodePtr Make(Kind k) {
  auto n = std::make_unique<Node>();
  n->kind = k;
  return n;
}

// Vocabulary of the corpus as the generator draws from it.
struct Vocabulary {
  std::vector<std::string> words;        // exact forms, repeated by frequency (capped)
  std::vector<std::vector<std::string>> bigrams;
  std::vector<std::pair<std::string, std::string>> fields;
  std::int64_t min_time = 0, max_time = 0;
};

Vocabulary BuildVocabulary(const std::vector<AnalyzedStory>& stories, std::mt19937& rng) {
  Vocabulary v;
  std::unordered_map<std::string, int> freq;
  std::set<std::pair<std::string, std::string>> fields;
  v.min_time = INT64_MAX;
  v.max_time = INT64_MIN;
  for (const AnalyzedStory& s : stories) {
    for (std::size_t i = 0; i < s.words.size(); ++i) {
      const std::string word(s.exact(s.words[i]));
      if (++freq[word] <= 3) v.words.push_back(word);
      if (i + 1 < s.words.size() && rng() % 40 == 0) {
        v.bigrams.push_back({word, std::string(s.exact(s.words[i + 1]))});
      }
    }
    for (const auto& f : s.fields) fields.insert(f);
    v.min_time = std::min(v.min_time, s.time_us);
    v.max_time = std::max(v.max_time, s.time_us);
  }
  v.fields.assign(fields.begin(), fields.end());
  return v;
}

// A vocabulary of the most frequent words (postings of many blocks) mixed with rare ones, and
// bigrams of frequent words: ANDs and proximity operators over very unequal lists, phrases whose
// occurrences sit in many posting blocks, bare words with many forms per stem.
Vocabulary FrequentVocabulary(const std::vector<AnalyzedStory>& stories, const Vocabulary& all) {
  std::unordered_map<std::string, std::size_t> df;
  for (const AnalyzedStory& s : stories) {
    std::set<std::string> seen;
    for (const auto& w : s.words) seen.insert(std::string(s.exact(w)));
    for (const auto& w : seen) ++df[w];
  }
  std::vector<std::pair<std::size_t, std::string>> by_df;
  for (const auto& [w, n] : df) by_df.emplace_back(n, w);
  std::sort(by_df.rbegin(), by_df.rend());
  Vocabulary v = all;
  v.words.clear();
  std::set<std::string> frequent;
  for (std::size_t i = 0; i < by_df.size() && i < 150; ++i) {
    frequent.insert(by_df[i].second);
    v.words.push_back(by_df[i].second);
  }
  for (std::size_t i = 0; i < all.words.size() && i < 150 * 7; i += 7) v.words.push_back(all.words[i]);
  v.bigrams.clear();
  for (const AnalyzedStory& s : stories) {
    for (std::size_t i = 0; i + 1 < s.words.size() && v.bigrams.size() < 2000; ++i) {
      const std::string a(s.exact(s.words[i]));
      const std::string b(s.exact(s.words[i + 1]));
      if (frequent.count(a) != 0 && frequent.count(b) != 0 &&
          (i * 31 + s.words.size()) % 17 == 0) {
        v.bigrams.push_back({a, b});
      }
    }
  }
  if (v.bigrams.empty()) v.bigrams = all.bigrams;
  return v;
}

class QueryGenerator {
 public:
  QueryGenerator(const Vocabulary& v, std::uint32_t seed) : v_(v), rng_(seed) {}

  NodePtr Query() { return Any(0); }

 private:
  std::size_t Pick(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }
  const std::string& Word() { return v_.words[Pick(v_.words.size())]; }
  query::Scope Scope() {
    const std::size_t r = Pick(10);
    return r == 0 ? query::Scope::kHeadline : r == 1 ? query::Scope::kLead : query::Scope::kAll;
  }

  // A word, phrase, prefix or OR of them: an operand with occurrences.
  NodePtr SpanOperand(int depth) {
    if (depth < 1 && Pick(8) == 0) {  // a proximity expression as an operand
      static const Kind kinds[] = {Kind::kNear, Kind::kWithin, Kind::kSame};
      auto n = Make(kinds[Pick(3)]);
      for (int i = 0; i < 2; ++i) n->children.push_back(SpanOperand(depth + 1));
      n->distance = static_cast<std::uint32_t>(1 + Pick(8));
      return n;
    }
    switch (Pick(depth < 2 ? 6 : 5)) {
      case 0:
      case 1: {
        auto n = Make(Kind::kTerm);
        n->text = Word();
        n->exact = Pick(3) == 0;
        n->scope = Pick(4) == 0 ? Scope() : query::Scope::kAll;
        return n;
      }
      case 2: {
        auto n = Make(Kind::kPhrase);
        n->words = v_.bigrams[Pick(v_.bigrams.size())];
        if (Pick(4) == 0) n->words.pop_back();
        n->scope = Pick(4) == 0 ? Scope() : query::Scope::kAll;
        return n;
      }
      case 3: {
        auto n = Make(Kind::kPrefix);
        const std::string& w = Word();
        n->text = w.substr(0, std::min<std::size_t>(w.size(), 3 + Pick(4)));
        return n;
      }
      case 4: {
        auto n = Make(Kind::kTerm);
        n->text = Word();
        return n;
      }
      default: {
        auto n = Make(Kind::kOr);
        for (int i = 0; i < 2; ++i) n->children.push_back(SpanOperand(depth + 1));
        return n;
      }
    }
  }

  NodePtr Leaf() {
    switch (Pick(12)) {
      case 0: {
        auto n = Make(Kind::kField);
        const auto& f = v_.fields[Pick(v_.fields.size())];
        n->field = f.first;
        n->text = f.second;
        if (Pick(4) == 0 && f.second.size() > 2) {
          n->prefix = true;
          n->text = f.second.substr(0, 2);
        }
        return n;
      }
      case 1: {
        auto n = Make(Kind::kRange);
        const std::int64_t span = std::max<std::int64_t>(1, v_.max_time - v_.min_time);
        std::int64_t a = v_.min_time + static_cast<std::int64_t>(Pick(1000)) * (span / 1000);
        std::int64_t b = a + static_cast<std::int64_t>(Pick(300)) * (span / 1000);
        n->field = "published";
        n->from_us = Pick(6) == 0 ? INT64_MIN : a;
        n->to_us = Pick(6) == 0 ? INT64_MAX : b;
        return n;
      }
      case 2: {
        auto n = Make(Kind::kSince);
        n->seconds = static_cast<std::int64_t>(Pick(2000)) * 86400;
        return n;
      }
      case 3:
      case 4: {  // proximity
        static const Kind kinds[] = {Kind::kNear, Kind::kWithin, Kind::kSame};
        auto n = Make(kinds[Pick(3)]);
        const std::size_t arity = 2 + (Pick(4) == 0 ? 1 : 0);
        for (std::size_t i = 0; i < arity; ++i) n->children.push_back(SpanOperand(0));
        n->distance = static_cast<std::uint32_t>(Pick(12));
        n->scope = Pick(5) == 0 ? Scope() : query::Scope::kAll;
        return n;
      }
      case 5: {
        auto n = Make(Kind::kAtLeast);
        n->count = static_cast<std::uint32_t>(1 + Pick(4));
        n->children.push_back(SpanOperand(1));
        n->scope = Pick(5) == 0 ? Scope() : query::Scope::kAll;
        return n;
      }
      case 6:
        return Make(Kind::kMatchAll);
      default:
        return SpanOperand(0);
    }
  }

  NodePtr Any(int depth) {
    if (depth >= 3 || Pick(3) == 0) return Leaf();
    switch (Pick(4)) {
      case 0:
      case 1: {
        auto n = Make(Kind::kAnd);
        const std::size_t k = 2 + Pick(2);
        for (std::size_t i = 0; i < k; ++i) {
          if (Pick(4) == 0) {
            auto no = Make(Kind::kNot);
            no->children.push_back(Any(depth + 1));
            n->children.push_back(std::move(no));
          } else {
            n->children.push_back(Any(depth + 1));
          }
        }
        return n;
      }
      case 2: {
        auto n = Make(Kind::kOr);
        const std::size_t k = 2 + Pick(2);
        for (std::size_t i = 0; i < k; ++i) n->children.push_back(Any(depth + 1));
        return n;
      }
      default: {
        auto n = Make(Kind::kNot);
        n->children.push_back(Any(depth + 1));
        return n;
      }
    }
  }

  const Vocabulary& v_;
  std::mt19937 rng_;
};

// A readable form for failure messages (the query part's ToString may not know every node yet).
std::string Show(const Node& n) {
  std::string s;
  switch (n.kind) {
    case Kind::kMatchAll: return "*";
    case Kind::kTerm: s = n.exact ? "\"" + n.text + "\"" : n.text; break;
    case Kind::kPhrase: {
      s = "\"";
      for (std::size_t i = 0; i < n.words.size(); ++i) s += (i ? " " : "") + n.words[i];
      s += "\"";
      break;
    }
    case Kind::kPrefix: s = n.text + "*"; break;
    case Kind::kField: s = n.field + ":" + n.text + (n.prefix ? "*" : ""); break;
    case Kind::kRange: return "published:[" + std::to_string(n.from_us) + " TO " + std::to_string(n.to_us) + "]";
    case Kind::kSince: return "since:" + std::to_string(n.seconds) + "s";
    default: {
      const char* op = n.kind == Kind::kAnd ? " AND " : n.kind == Kind::kOr ? " OR " :
                       n.kind == Kind::kSame ? " SAME " : " ";
      std::string sep = op;
      if (n.kind == Kind::kNear) sep = " NEAR/" + std::to_string(n.distance) + " ";
      if (n.kind == Kind::kWithin) sep = " W/" + std::to_string(n.distance) + " ";
      if (n.kind == Kind::kNot) s = "NOT ";
      if (n.kind == Kind::kAtLeast) s = "ATLEAST " + std::to_string(n.count) + " ";
      s += "(";
      for (std::size_t i = 0; i < n.children.size(); ++i) s += (i ? sep : "") + Show(*n.children[i]);
      s += ")";
    }
  }
  if (n.scope == query::Scope::kHeadline) s = "hd:" + s;
  if (n.scope == query::Scope::kLead) s = "lead:" + s;
  return s;
}

class Differential : public ::testing::Test {
 protected:
  void SetUp() override {
    stories_ = testing::LoadCorpus(testing::EnvSize("DATELINE_INDEX_TEST_DOCS", kDefaultDocs));
    ASSERT_GT(stories_.size(), 100u) << "test corpus missing under " DATELINE_SHARED_DATA;
    // A few stories declared German or French: their words stem differently from the same words
    // in English stories, so bare words must be matched per document language.
    for (std::size_t i = 0; i < stories_.size(); ++i) {
      if (i % 7 == 3) stories_[i].language = "de";
      if (i % 11 == 5) stories_[i].language = "fr-FR";
    }
    for (const Story& s : stories_) {
      analyzed_.push_back(Analyze(s));
      latest_[s.id] = analyzed_.size() - 1;
    }
    std::mt19937 rng(7);
    vocab_ = BuildVocabulary(analyzed_, rng);
    now_us_ = vocab_.max_time + 86400LL * 1000000 * 30;
    queries_ = testing::EnvSize("DATELINE_INDEX_TEST_QUERIES", kDefaultQueries);
    dir_ = std::filesystem::temp_directory_path() /
           ("dateline-index-diff-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Expected seqs in newest-first order.
  std::vector<std::uint64_t> Expected(const Node& q) const {
    std::vector<std::pair<std::int64_t, std::uint64_t>> keyed;
    for (const auto& [id, i] : latest_) {
      const AnalyzedStory& s = analyzed_[i];
      if (Matches(q, s, now_us_)) keyed.emplace_back(s.time_us, s.seq);
    }
    std::sort(keyed.rbegin(), keyed.rend());
    std::vector<std::uint64_t> out;
    for (const auto& k : keyed) out.push_back(k.second);
    return out;
  }

  void Check(SearchIndex& index, const std::string& phase, std::uint32_t seed,
             const Vocabulary* vocab = nullptr) {
    QueryGenerator gen(vocab != nullptr ? *vocab : vocab_, seed);
    std::size_t nonempty = 0, checked = 0;
    for (std::size_t i = 0; i < queries_; ++i) {
      NodePtr q = gen.Query();
      SearchRequest req;
      req.query = q.get();
      req.limit = 1000;
      req.now_us = now_us_;
      auto r = index.Search(req);
      if (!r.ok()) {
        // Only an over-wide prefix may be refused.
        ASSERT_EQ(r.status().code(), StatusCode::kTooLarge) << r.status().ToString();
        continue;
      }
      const std::vector<std::uint64_t> want = Expected(*q);
      ++checked;
      if (!want.empty()) ++nonempty;
      ASSERT_EQ(r->total, want.size()) << phase << ": " << Show(*q);
      const std::size_t n = std::min<std::size_t>(want.size(), 1000);
      ASSERT_EQ(r->hits.size(), n) << phase << ": " << Show(*q);
      for (std::size_t k = 0; k < n; ++k) {
        ASSERT_EQ(r->hits[k].seq, want[k]) << phase << ": hit " << k << " of " << Show(*q);
      }
      CheckTopK(index, *q, phase);
    }
    // The generator must produce queries that match something, or the test proves little.
    EXPECT_GT(nonempty, checked / 3) << phase;
    std::printf("%s: %zu queries checked, %zu with matches\n", phase.c_str(), checked, nonempty);
  }

  // Top-k skips documents that cannot be among the hits (with or without the exact total): its
  // hits, scores and cursors must equal those of the search that scores every match, for both
  // sorts, on the first page and the next; with the exact total (counted in a separate pass
  // when the word top-k makes the hits), its total and facets too. Without the total, also
  // with every two-word phrase or proximity run as a checked AND (checked_min_docs 0).
  void CheckTopK(SearchIndex& index, const Node& q, const std::string& phase,
                 const std::function<bool(std::string_view)>& visible = {}) {
    for (Sort sort : {Sort::kNewest, Sort::kRelevance}) {
      for (std::size_t limit : {1, 10}) {
        std::string cursor;
        for (int page = 0; page < 2; ++page) {
          SearchRequest full;
          full.query = &q;
          full.sort = sort;
          full.limit = limit;
          full.cursor = cursor;
          full.now_us = now_us_;
          full.exhaustive = true;
          full.source_visible = visible;
          full.facets = {"source"};  // as the API asks by default
          if (!vocab_.fields.empty()) full.facets.push_back(vocab_.fields[0].first);
          full.facet_limit = 1000;
          SearchRequest counted = full;  // the exact total and facets
          counted.exhaustive = false;
          SearchRequest totalled = counted;  // the exact total only
          totalled.facets.clear();
          SearchRequest pruned = totalled;
          pruned.count_total = false;
          SearchRequest checked = pruned;  // a phrase or NEAR of two words as a checked AND
          checked.checked_min_docs = 0;
          auto a = index.Search(full);
          auto c = index.Search(counted);
          auto t = index.Search(totalled);
          auto b = index.Search(pruned);
          auto k = index.Search(checked);
          ASSERT_TRUE(a.ok() && b.ok() && c.ok() && t.ok() && k.ok()) << Show(q);
          const std::string what = phase + ": " + (sort == Sort::kNewest ? "newest " : "relevance ") +
                                   std::to_string(limit) + " page " + std::to_string(page) +
                                   " of " + Show(q);
          ASSERT_EQ(a->total, c->total) << what;
          ASSERT_EQ(a->total, t->total) << what;
          ASSERT_LE(b->total, a->total) << what;
          ASSERT_LE(k->total, a->total) << what;
          ASSERT_EQ(a->facets.size(), c->facets.size()) << what;
          for (std::size_t f = 0; f < a->facets.size(); ++f) {
            const Facet& want = a->facets[f];
            const Facet& got = c->facets[f];
            ASSERT_EQ(want.field, got.field) << what;
            ASSERT_EQ(want.values.size(), got.values.size()) << what << " facet " << want.field;
            for (std::size_t v = 0; v < want.values.size(); ++v) {
              ASSERT_EQ(want.values[v].value, got.values[v].value) << what << " facet " << want.field;
              ASSERT_EQ(want.values[v].count, got.values[v].count) << what << " facet " << want.field;
            }
          }
          for (const SearchResult* r : {&*b, &*c, &*t, &*k}) {
            ASSERT_EQ(a->hits.size(), r->hits.size()) << what;
            for (std::size_t k = 0; k < a->hits.size(); ++k) {
              ASSERT_EQ(a->hits[k].seq, r->hits[k].seq) << what << " hit " << k;
              ASSERT_EQ(a->hits[k].score, r->hits[k].score) << what << " hit " << k;
            }
            ASSERT_EQ(a->next_cursor, r->next_cursor) << what;
          }
          // Started from a known bar just under the last hit's score, the top-k finds the
          // same hits (the bench's --known-bar relies on it).
          if (sort == Sort::kRelevance && page == 0 && a->hits.size() == limit) {
            SearchRequest barred = pruned;
            barred.known_bar = a->hits.back().score * (1 - 1e-9);
            auto r = index.Search(barred);
            ASSERT_TRUE(r.ok()) << what;
            ASSERT_EQ(a->hits.size(), r->hits.size()) << what << " from a known bar";
            for (std::size_t k = 0; k < a->hits.size(); ++k) {
              ASSERT_EQ(a->hits[k].seq, r->hits[k].seq) << what << " from a known bar, hit " << k;
            }
          }
          if (a->next_cursor.empty()) break;
          cursor = a->next_cursor;
        }
      }
    }
  }

  // A new version of a random story, to be changed and added: it replaces the newest version.
  // Small segments merged three at a time, flushed and merged on the calling thread.
  IndexOptions VersionsOptions() const {
    IndexOptions opt;
    opt.flush_docs = std::max<std::size_t>(50, stories_.size() / 9);
    opt.merge_factor = 3;
    opt.background = false;
    return opt;
  }

  // The corpus in flushed segments (`flushed` runs then), then 300 new versions of stories: a
  // changed headline, a dropped body, a new tag (only the newest version may match); half of
  // them flushed, half left in the memory segment; and a replayed story, which is ignored.
  void AddVersions(SearchIndex& index, const std::function<void()>& flushed = {}) {
    std::uint64_t last_seq = stories_.back().seq;
    for (const Story& s : stories_) ASSERT_TRUE(index.Add(s).ok());
    ASSERT_TRUE(index.Flush().ok());
    if (flushed) flushed();
    std::mt19937 rng(11);
    for (int i = 0; i < 300; ++i) {
      Story s = NewVersion(rng, last_seq, 2);
      s.headline = "Revised: " + s.headline + " zyxwvut";
      if (i % 3 == 0) s.body.clear();
      if (i % 5 == 0) s.tags.push_back({"topic", "revised"});
      ASSERT_TRUE(AddStory(index, s).ok());
      if (i == 150) {
        ASSERT_TRUE(index.Flush().ok());
      }
    }
    ASSERT_TRUE(index.Add(stories_[0]).ok());
    EXPECT_EQ(index.IndexedSeq(), last_seq);
  }

  Story NewVersion(std::mt19937& rng, std::uint64_t& last_seq, std::uint32_t version) {
    Story s = stories_[rng() % stories_.size()];
    s.version = version;
    s.previous_seq = analyzed_[latest_[s.id]].seq;
    s.seq = ++last_seq;
    return s;
  }

  // Every third source, from the `first`-th on: the sources a check with hidden sources hides.
  std::set<std::string> EveryThirdSource(std::size_t first) const {
    std::set<std::string> sources;
    for (const AnalyzedStory& a : analyzed_) sources.insert(a.source);
    std::set<std::string> hidden;
    std::size_t k = 0;
    for (const std::string& src : sources) {
      if (k++ % 3 == first) hidden.insert(src);
    }
    return hidden;
  }

  Status AddStory(SearchIndex& index, const Story& s) {
    analyzed_.push_back(Analyze(s));
    latest_[s.id] = analyzed_.size() - 1;
    return index.Add(s);
  }

  std::vector<Story> stories_;
  std::vector<AnalyzedStory> analyzed_;
  std::map<std::string, std::size_t> latest_;  // story id -> newest analysed version
  Vocabulary vocab_;
  std::int64_t now_us_ = 0;
  std::size_t queries_ = 0;
  std::filesystem::path dir_;
};

TEST_F(Differential, MemorySegment) {
  IndexOptions opt;
  opt.flush_docs = stories_.size() + 1;
  opt.background = false;
  auto index = SearchIndex::Open(dir_.string(), opt);
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  for (const Story& s : stories_) ASSERT_TRUE((*index)->Add(s).ok());
  EXPECT_EQ((*index)->Stats().segments, 0u);
  Check(**index, "memory", 1);
}

// Two ctest cases (they run side by side): the checks before the force merge, and those after
// it and after a reopen, each on the same index built anew.
TEST_F(Differential, SegmentsAndVersions) {
  IndexOptions opt = VersionsOptions();
  auto index = SearchIndex::Open(dir_.string(), opt);
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  const Vocabulary frequent = FrequentVocabulary(analyzed_, vocab_);
  AddVersions(**index, [&] {
    EXPECT_GE((*index)->Stats().segments, 2u);
    Check(**index, "flushed segments", 2);
    Check(**index, "flushed segments, frequent words", 6, &frequent);
  });
  Check(**index, "new versions", 3);
}

TEST_F(Differential, MergesAndReopen) {
  IndexOptions opt = VersionsOptions();
  const Vocabulary frequent = FrequentVocabulary(analyzed_, vocab_);
  std::uint64_t indexed = 0;
  {
    auto index = SearchIndex::Open(dir_.string(), opt);
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    AddVersions(**index);
    indexed = (*index)->IndexedSeq();
    ASSERT_TRUE((*index)->ForceMerge().ok());
    EXPECT_EQ((*index)->Stats().segments, 1u);
    Check(**index, "force merged", 4);
    Check(**index, "force merged, frequent words", 7, &frequent);
    EXPECT_EQ((*index)->Stats().stories, latest_.size());
  }
  auto reopened = SearchIndex::Open(dir_.string(), opt);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_EQ((*reopened)->IndexedSeq(), indexed);
  EXPECT_EQ((*reopened)->Stats().stories, latest_.size());
  Check(**reopened, "reopened", 5);
}

}  // namespace
}  // namespace dateline::index

namespace dateline::index {
namespace {

// Queries as users type them, through the real parser: the trees it builds (scopes pushed to
// the leaves, n-ary chains, nested proximity, field groups) must agree too.
TEST_F(Differential, ParsedQueries) {
  IndexOptions opt;
  opt.flush_docs = std::max<std::size_t>(50, stories_.size() / 4);
  opt.background = false;
  auto index = SearchIndex::Open(dir_.string(), opt);
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  for (const Story& s : stories_) ASSERT_TRUE((*index)->Add(s).ok());
  const char* queries[] = {
      "oil", "\"oil\"", "oil prices", "oil OR gold", "oil -opec", "-oil", "NOT oil NOT gold",
      "\"crude oil\"", "\"oil prices\" OR \"gold prices\"", "infla*", "hd:oil", "lead:oil",
      "hd:(oil OR gold)", "hd:\"crude oil\"", "lead:(bank NEAR/5 rates)", "oil NEAR/5 prices",
      "oil NEAR prices", "oil W/3 prices", "oil SAME prices", "oil NEAR/5 prices NEAR/5 opec",
      "(oil NEAR/3 prices) W/10 opec", "(oil OR gold) NEAR/4 (prices OR price)",
      "\"crude oil\" NEAR/10 opec", "ATLEAST 3 oil", "ATLEAST2 \"crude oil\"",
      "hd:(ATLEAST 2 oil)", "topic:crude", "topic:(crude OR gold)", "place:usa -topic:earn",
      "topic:ear*", "source:reuters", "lang:en", "priority:normal", "*",
      "published:[1987-03-01 TO 1987-03-10]", "published:{1987-03-01 TO 1987-03-10}",
      "published:1987-03-02", "since:100w", "U.S. trade", "\"U.S.\"", "shares AND NOT (oil OR gold)",
      "bank W/2 england", "interest SAME rates", "film OR music", "hd:(film* SAME award*)",
      // Lists of very unequal lengths, phrases and proximity over frequent words (many posting
      // blocks), bare words with many forms, time ranges and exclusions as AND operands.
      "\"bank of england\"", "\"the company\"", "\"of the\" NEAR/3 shares",
      "\"said it\" W/4 \"the\"", "ATLEAST 3 \"of the\"", "rates W/2 interest",
      "(rate OR rates) SAME (bank OR banks)", "oil AND NOT \"crude oil\"", "the AND oil AND prices",
      "said published:[1987-03-01 TO 1987-03-20]", "oil since:100w -gold",
      "oil topic:crude published:[1987-03-01 TO 1987-03-05]", "hd:\"the\" AND oil",
      "market* NEAR/4 the", "lead:\"of the\"", "trade NEAR/2 (deficit OR surplus) NEAR/8 japan",
      // Phrases and NEARs of words with no scope: as operands of
      // AND, OR and NOT, with a time range, a word repeated or absent, frequent words, NEAR/1.
      "\"the united states\"", "\"of the\" AND \"the company\"", "\"crude oil\" OR oil NEAR/2 prices",
      "-\"crude oil\"", "oil NEAR/3 oil", "\"oil oil\"", "prices NEAR/2 zzzqx", "\"crude zzzqx\"",
      "\"crude oil\" opec published:[1987-03-01 TO 1987-03-20]", "\"the\" NEAR/1 \"of\"",
      "said NEAR/1 the", "rates NEAR/3 interest -\"interest rates\"", "\"the the\"",
      "(\"of the\" OR \"in the\") NEAR/2 company", "hd:oil AND \"crude oil\"",
      // Two-word phrases and proximity as the AND of their words whose candidates are checked
      // (without the total): with other words, NOT, a filter, a scope.
      "\"crude oil\" AND opec -gold", "prices W/2 oil AND opec", "hd:(oil NEAR/3 prices)",
      "\"oil prices\" topic:crude", "lead:\"crude oil\" AND \"the company\""};
  for (const char* text : queries) {
    auto parsed = query::Parse(text);
    ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.error().message;
    SearchRequest req;
    req.query = parsed.node().get();
    req.limit = 1000;
    req.now_us = now_us_;
    auto r = (*index)->Search(req);
    ASSERT_TRUE(r.ok()) << text << ": " << r.status().ToString();
    const std::vector<std::uint64_t> want = Expected(*parsed.node());
    ASSERT_EQ(r->total, want.size()) << text << " = " << query::ToString(*parsed.node());
    for (std::size_t k = 0; k < r->hits.size(); ++k) ASSERT_EQ(r->hits[k].seq, want[k]) << text;
    CheckTopK(**index, *parsed.node(), text);
  }
}

}  // namespace
}  // namespace dateline::index

namespace dateline::index {
namespace {

// Relevance top-k of single words and flat AND / OR of words runs document-at-a-time over stem
// cursors with block-max bounds (word_topk.h): its pages must equal those of the search that
// scores every match, over several segments and the memory segment, with dead versions,
// invisible sources, NOT and field filters, exact words, and words whose stem has several forms.
TEST_F(Differential, WordQueriesTopK) {
  IndexOptions opt;
  opt.flush_docs = std::max<std::size_t>(50, stories_.size() / 5);
  opt.background = false;
  auto index = SearchIndex::Open(dir_.string(), opt);
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  for (const Story& s : stories_) ASSERT_TRUE((*index)->Add(s).ok());
  ASSERT_TRUE((*index)->Flush().ok());
  std::uint64_t last_seq = stories_.back().seq;
  std::mt19937 rng(13);
  for (int i = 0; i < 200; ++i) {  // new versions: the old ones die; the last stay in memory
    Story s = NewVersion(rng, last_seq, 2);
    s.headline = "Revised: " + s.headline;
    if (i % 3 == 0) s.body.clear();
    ASSERT_TRUE(AddStory(**index, s).ok());
    if (i == 120) {
      ASSERT_TRUE((*index)->Flush().ok());
    }
  }
  EXPECT_GE((*index)->Stats().segments, 3u);

  // Frequent words (long posting lists with skip entries) and words whose English stem has
  // several forms in the corpus (a bare word's score sums its forms).
  std::unordered_map<std::string, std::size_t> freq;
  std::map<std::string, std::set<std::string>> forms;
  for (const AnalyzedStory& a : analyzed_) {
    for (const AnalyzedWord& word : a.words) {
      const std::string w(a.exact(word));
      if (w.size() < 3) continue;
      ++freq[w];
      if (a.language == "en") forms[CachedStem(w, "en")].insert(w);
    }
  }
  std::vector<std::pair<std::size_t, std::string>> by_freq;
  for (const auto& [w, f] : freq) by_freq.emplace_back(f, w);
  std::sort(by_freq.rbegin(), by_freq.rend());
  std::vector<std::string> pool;
  for (std::size_t i = 0; i < std::min<std::size_t>(by_freq.size(), 150); ++i) {
    pool.push_back(by_freq[i].second);
  }
  for (const auto& [stem, f] : forms) {
    if (f.size() >= 3 && freq[*f.begin()] >= 5) pool.insert(pool.end(), f.begin(), f.end());
  }
  ASSERT_GT(pool.size(), 200u);
  auto pick = [&] { return pool[rng() % pool.size()]; };
  auto term = [&](bool may_be_exact) {
    NodePtr t = Make(Kind::kTerm);
    t->text = pick();
    t->exact = may_be_exact && rng() % 5 == 0;
    return t;
  };
  // Stories of every third source are not visible.
  const std::set<std::string> hidden = EveryThirdSource(1);
  auto visible = [&](std::string_view src) { return hidden.count(std::string(src)) == 0; };

  const std::size_t n = std::max<std::size_t>(40, queries_ / 2);
  for (std::size_t i = 0; i < n; ++i) {
    NodePtr q;
    switch (i % 3) {
      case 0:
        q = term(true);
        break;
      case 1: {
        // One word too: a single word with a NOT, a field or a time range.
        q = Make(Kind::kAnd);
        const std::size_t words = 1 + rng() % 3;
        for (std::size_t w = 0; w < words; ++w) q->children.push_back(term(true));
        if (rng() % 4 == 0) {
          NodePtr no = Make(Kind::kNot);
          no->children.push_back(term(false));
          q->children.push_back(std::move(no));
        }
        if (rng() % 5 == 0 && !vocab_.fields.empty()) {
          NodePtr f = Make(Kind::kField);
          const auto& field = vocab_.fields[rng() % vocab_.fields.size()];
          f->field = field.first;
          f->text = field.second;
          q->children.push_back(std::move(f));
        }
        if (rng() % 4 == 0) {  // a time range (checked per candidate on the time column)
          NodePtr r = Make(Kind::kRange);
          const std::int64_t span = std::max<std::int64_t>(1, vocab_.max_time - vocab_.min_time);
          r->field = "published";
          r->from_us = vocab_.min_time + static_cast<std::int64_t>(rng() % 1000) * (span / 1000);
          r->to_us = rng() % 3 == 0 ? INT64_MAX : r->from_us + static_cast<std::int64_t>(rng() % 600) * (span / 1000);
          q->children.push_back(std::move(r));
        } else if (rng() % 6 == 0) {
          NodePtr r = Make(Kind::kSince);
          r->seconds = static_cast<std::int64_t>(rng() % 4000) * 86400;
          q->children.push_back(std::move(r));
        }
        break;
      }
      default: {
        q = Make(Kind::kOr);
        const std::size_t words = 2 + rng() % 3;
        for (std::size_t w = 0; w < words; ++w) q->children.push_back(term(true));
        break;
      }
    }
    // Every other query is asked at the time of the newest story: recency boosts of up to +50%
    // then differ between stories and between runs of docids.
    const std::int64_t now = now_us_;
    if (i % 2 == 1) now_us_ = vocab_.max_time;
    const std::string what = "words " + std::to_string(i);
    CheckTopK(**index, *q, what);
    CheckTopK(**index, *q, what + " (some sources hidden)", visible);
    now_us_ = now;
    if (HasFailure()) return;
  }
}

// The word top-k's paths that need a threshold (the first segment's most promising pieces of an
// AND's lead scored first, an AND lead's piece skipped whole, the length cutoff) are taken most
// by frequent words: checked in an index of the corpus's languages and in one of one language
// (every form counts in every document), before and after replaced versions (deleted
// documents), with and without hidden sources, recency boosts, a time range and a NOT.
TEST_F(Differential, FrequentWordsTopK) {
  auto run = [&](const std::string& label, std::uint32_t seed) {
    std::filesystem::remove_all(dir_);
    IndexOptions opt;
    opt.flush_docs = std::max<std::size_t>(50, stories_.size() / 4);
    opt.background = false;
    auto index = SearchIndex::Open(dir_.string(), opt);
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    for (const Story& s : stories_) ASSERT_TRUE((*index)->Add(s).ok());
    ASSERT_TRUE((*index)->Flush().ok());

    // The most frequent words by documents: long lists of many blocks, thresholds that prune.
    std::unordered_map<std::string, std::size_t> df;
    for (const AnalyzedStory& a : analyzed_) {
      std::set<std::string> seen;
      for (const AnalyzedWord& word : a.words) {
        const std::string w(a.exact(word));
        if (w.size() >= 3 && seen.insert(w).second) ++df[w];
      }
    }
    std::vector<std::pair<std::size_t, std::string>> by_df;
    for (const auto& [w, f] : df) by_df.emplace_back(f, w);
    std::sort(by_df.rbegin(), by_df.rend());
    std::vector<std::string> pool;
    for (std::size_t i = 0; i < std::min<std::size_t>(by_df.size(), 80); ++i) {
      pool.push_back(by_df[i].second);
    }
    ASSERT_GE(pool.size(), 40u);
    // The most frequent field values: filters that keep many of an AND's met documents.
    std::map<std::pair<std::string, std::string>, std::size_t> field_df;
    for (const AnalyzedStory& a : analyzed_) {
      for (const auto& f : a.fields) ++field_df[f];
    }
    std::vector<std::pair<std::size_t, std::pair<std::string, std::string>>> by_field_df;
    for (const auto& [f, c] : field_df) by_field_df.emplace_back(c, f);
    std::sort(by_field_df.rbegin(), by_field_df.rend());
    ASSERT_GE(by_field_df.size(), 4u);
    by_field_df.resize(4);
    std::mt19937 rng(seed);
    auto term = [&] {
      NodePtr t = Make(Kind::kTerm);
      t->text = pool[rng() % pool.size()];
      t->exact = rng() % 5 == 0;
      return t;
    };
    const std::set<std::string> hidden = EveryThirdSource(0);
    auto visible = [&](std::string_view src) { return hidden.count(std::string(src)) == 0; };

    const std::size_t n = std::max<std::size_t>(36, queries_ / 4);
    for (int phase = 0; phase < 2; ++phase) {
      if (phase == 1) {  // new versions: the old ones die; the last stay in memory
        std::uint64_t last_seq = 0;
        for (const AnalyzedStory& a : analyzed_) last_seq = std::max(last_seq, a.seq);
        for (int i = 0; i < 300; ++i) {
          Story s = NewVersion(rng, last_seq, 2 + i);
          s.headline = "Revised: " + s.headline;
          if (i % 2 == 0) s.body.clear();
          ASSERT_TRUE(AddStory(**index, s).ok());
          if (i == 200) {
            ASSERT_TRUE((*index)->Flush().ok());
          }
        }
      }
      for (std::size_t i = 0; i < n; ++i) {
        // Shapes: a word, ANDs of 2-3 words (alone, with a frequent field value) or 1-3 (with
        // a time range, with a NOT), an OR.
        NodePtr q;
        const std::size_t shape = i % 6;
        if (shape == 0) {
          q = term();
        } else {
          q = Make(shape == 5 ? Kind::kOr : Kind::kAnd);
          // With a time range or a NOT, a single word too (its pass checks them per document).
          const std::size_t words = shape == 3 || shape == 4
                                        ? 1 + rng() % 3
                                        : 2 + rng() % (q->kind == Kind::kOr ? 3 : 2);
          for (std::size_t w = 0; w < words; ++w) q->children.push_back(term());
        }
        if (shape == 2) {
          NodePtr f = Make(Kind::kField);
          const auto& [field, value] = by_field_df[rng() % by_field_df.size()].second;
          f->field = field;
          f->text = value;
          q->children.push_back(std::move(f));
        } else if (shape == 3) {
          NodePtr r = Make(Kind::kRange);
          r->field = "published";
          const std::int64_t span = vocab_.max_time - vocab_.min_time;
          r->from_us = vocab_.min_time + span / 4;
          r->to_us = vocab_.min_time + 3 * (span / 4);
          q->children.push_back(std::move(r));
        } else if (shape == 4) {
          NodePtr no = Make(Kind::kNot);
          no->children.push_back(term());
          q->children.push_back(std::move(no));
        }
        const std::int64_t now = now_us_;
        if (i % 2 == 1) now_us_ = vocab_.max_time;
        const std::string what = label + ", phase " + std::to_string(phase) + ", " +
                                 std::to_string(i);
        CheckTopK(**index, *q, what);
        CheckTopK(**index, *q, what + " (some sources hidden)", visible);
        now_us_ = now;
        if (HasFailure()) return;
      }
    }
  };
  run("frequent words, several languages", 31);
  if (HasFailure()) return;

  analyzed_.clear();
  latest_.clear();
  for (Story& s : stories_) s.language = "en";
  for (const Story& s : stories_) {
    analyzed_.push_back(Analyze(s));
    latest_[s.id] = analyzed_.size() - 1;
  }
  run("frequent words, one language", 29);
}

}  // namespace
}  // namespace dateline::index

namespace dateline::index {
namespace {

// Exact totals of words, ANDs and ORs (newest first with the total, as `dateline-bench` counts,
// and by relevance with the total and no facets) against the linear scan, in segments of one
// language (a one-form stem is counted from its word's list length there) and of several
// languages (the Differential fixture's stories): before and after new versions kill documents
// (the stored counts then lose the dead documents that hold the word, or the lists are read when
// the dead are many), with some sources hidden (every match's record is read), after ForceMerge
// (the stem bound entries are written again), with a few dead documents in the merged segment,
// and after reopening.
class CountDifferential : public Differential {
 protected:
  void CheckCounts(SearchIndex& index, const std::string& phase, std::uint32_t seed) {
    // Frequent words (stems with bound entries, lists of many blocks), words whose stem has
    // several forms, and rare words (one-block lists).
    std::unordered_map<std::string, std::size_t> freq;
    std::map<std::string, std::set<std::string>> forms;
    for (const auto& [id, i] : latest_) {
      const AnalyzedStory& a = analyzed_[i];
      std::set<std::string> seen;
      for (const AnalyzedWord& word : a.words) {
        const std::string w(a.exact(word));
        if (w.size() < 3 || !seen.insert(w).second) continue;
        ++freq[w];
        if (a.language == "en") forms[CachedStem(w, "en")].insert(w);
      }
    }
    std::vector<std::pair<std::size_t, std::string>> by_freq;
    for (const auto& [w, f] : freq) by_freq.emplace_back(f, w);
    std::sort(by_freq.rbegin(), by_freq.rend());
    std::vector<std::string> pool;
    for (std::size_t i = 0; i < std::min<std::size_t>(by_freq.size(), 100); ++i) {
      pool.push_back(by_freq[i].second);
    }
    for (std::size_t i = by_freq.size() / 2; i < by_freq.size() && i < by_freq.size() / 2 + 40; ++i) {
      pool.push_back(by_freq[i].second);
    }
    for (const auto& [stem, f] : forms) {
      if (f.size() >= 3 && freq[*f.begin()] >= 5) pool.insert(pool.end(), f.begin(), f.end());
    }
    ASSERT_GT(pool.size(), 150u);
    std::mt19937 rng(seed);
    // Half the words from the most frequent 30: their stored counts outweigh a few dead
    // documents' checks, so those are taken off instead of the lists being read.
    auto term = [&] {
      NodePtr t = Make(Kind::kTerm);
      t->text = rng() % 2 == 0 ? pool[rng() % 30] : pool[rng() % pool.size()];
      t->exact = rng() % 4 == 0;
      return t;
    };
    const std::set<std::string> hidden = EveryThirdSource(1);
    auto visible = [&](std::string_view src) { return hidden.count(std::string(src)) == 0; };
    const std::size_t n = std::max<std::size_t>(60, queries_ / 2);
    std::size_t nonzero = 0;
    for (std::size_t i = 0; i < n; ++i) {
      NodePtr q;
      if (i % 3 == 0) {
        q = term();
      } else {
        q = Make(i % 3 == 1 ? Kind::kAnd : Kind::kOr);
        const std::size_t words = 2 + rng() % 3;
        for (std::size_t w = 0; w < words; ++w) q->children.push_back(term());
        if (i % 3 == 1 && rng() % 4 == 0) {
          NodePtr no = Make(Kind::kNot);
          no->children.push_back(term());
          q->children.push_back(std::move(no));
        }
        if (i % 3 == 1 && rng() % 8 == 0) {  // a word no story holds, included or excluded
          NodePtr absent = Make(Kind::kTerm);
          absent->text = "zqxjvoid";
          if (rng() % 2 == 0) {
            NodePtr no = Make(Kind::kNot);
            no->children.push_back(std::move(absent));
            q->children.push_back(std::move(no));
          } else {
            q->children.push_back(std::move(absent));
          }
        }
        if (rng() % 4 == 0) {  // an operand that is not a lone word
          NodePtr p = Make(Kind::kPhrase);
          p->words = {pool[rng() % pool.size()], pool[rng() % pool.size()]};
          q->children.push_back(std::move(p));
        }
      }
      std::uint64_t all = 0, shown = 0;
      for (const auto& [id, at] : latest_) {
        const AnalyzedStory& s = analyzed_[at];
        if (!Matches(*q, s, now_us_)) continue;
        ++all;
        if (visible(s.source)) ++shown;
      }
      nonzero += all > 0 ? 1 : 0;
      for (Sort sort : {Sort::kNewest, Sort::kRelevance}) {
        for (bool hide : {false, true}) {
          SearchRequest req;
          req.query = q.get();
          req.sort = sort;
          req.limit = 1;
          req.now_us = now_us_;
          if (hide) req.source_visible = visible;
          auto r = index.Search(req);
          ASSERT_TRUE(r.ok()) << r.status().ToString();
          ASSERT_EQ(r->total, hide ? shown : all)
              << phase << (sort == Sort::kNewest ? " newest" : " relevance")
              << (hide ? " (some sources hidden): " : ": ") << Show(*q);
        }
      }
    }
    EXPECT_GT(nonzero, n / 2) << phase;
  }

  // Indexes the stories in segments of about a quarter each, then checks, replaces 300
  // stories (half of the new versions flushed), checks, merges, checks, replaces 12 more and
  // flushes, checks, reopens and checks.
  void Run() {
    IndexOptions opt;
    opt.flush_docs = std::max<std::size_t>(50, stories_.size() / 4);
    opt.merge_factor = 10;
    opt.background = false;
    std::uint64_t last_seq = stories_.back().seq;
    {
      auto index = SearchIndex::Open(dir_.string(), opt);
      ASSERT_TRUE(index.ok()) << index.status().ToString();
      for (const Story& s : stories_) ASSERT_TRUE((*index)->Add(s).ok());
      ASSERT_TRUE((*index)->Flush().ok());
      CheckCounts(**index, "flushed", 21);
      if (HasFailure()) return;
      std::mt19937 rng(23);
      for (int i = 0; i < 300; ++i) {
        Story s = NewVersion(rng, last_seq, 2);
        s.headline = "Revised: " + s.headline;
        if (i % 3 == 0) s.body.clear();
        ASSERT_TRUE(AddStory(**index, s).ok());
        if (i == 150) {
          ASSERT_TRUE((*index)->Flush().ok());
        }
      }
      CheckCounts(**index, "new versions", 22);
      if (HasFailure()) return;
      ASSERT_TRUE((*index)->ForceMerge().ok());
      CheckCounts(**index, "force merged", 23);
      if (HasFailure()) return;
      // A few dead documents in the merged segment.
      for (int i = 0; i < 12; ++i) {
        Story s = NewVersion(rng, last_seq, 3);
        s.headline = "Revised again: " + s.headline;
        ASSERT_TRUE(AddStory(**index, s).ok());
      }
      ASSERT_TRUE((*index)->Flush().ok());
      CheckCounts(**index, "a few dead in the merged segment", 25);
      if (HasFailure()) return;
    }
    auto reopened = SearchIndex::Open(dir_.string(), opt);
    ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
    CheckCounts(**reopened, "reopened", 24);
  }
};

TEST_F(CountDifferential, SeveralLanguages) { Run(); }

TEST_F(CountDifferential, OneLanguage) {
  analyzed_.clear();
  latest_.clear();
  for (Story& s : stories_) {
    s.language = "en";
    analyzed_.push_back(Analyze(s));
    latest_[s.id] = analyzed_.size() - 1;
  }
  Run();
}

}  // namespace
}  // namespace dateline::index
