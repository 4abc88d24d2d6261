// SearchIndex behaviour: paging, facets, entitlements, versions, replay, persistence, damage,
// background flushing and snippets. Result sets are checked against the linear scan.
#include "index/search_index.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "index/analyzed_story.h"
#include "index/linear_scan.h"
#include "index/test_corpus.h"

namespace dateline::index {
namespace {

namespace fs = std::filesystem;
using query::Kind;
using query::Node;
using query::NodePtr;

NodePtr Term(const std::string& w) {
  auto n = std::make_unique<Node>();
  n->kind = Kind::kTerm;
  n->text = w;
  return n;
}
NodePtr Prefix(const std::string& w) {
  auto n = Term(w);
  n->kind = Kind::kPrefix;
  return n;
}
NodePtr All() {
  auto n = std::make_unique<Node>();
  n->kind = Kind::kMatchAll;
  return n;
}
NodePtr Or(NodePtr a, NodePtr b) {
  auto n = std::make_unique<Node>();
  n->kind = Kind::kOr;
  n->children.push_back(std::move(a));
  n->children.push_back(std::move(b));
  return n;
}

// 1,500 Reuters stories and 300 BBC ones, seqs 1..1800.
const std::vector<Story>& Corpus() {
  static const std::vector<Story> corpus = [] {
    std::vector<Story> out = testing::LoadCorpus(1500);
    auto bbc = LoadBbcCorpus(DATELINE_SHARED_DATA "/bbc");
    EXPECT_TRUE(bbc.ok()) << bbc.status().ToString();
    if (bbc.ok()) {
      for (std::size_t i = 0; i < 300 && i < bbc->size(); ++i) out.push_back((*bbc)[i]);
    }
    for (std::size_t i = 0; i < out.size(); ++i) out[i].seq = i + 1;
    return out;
  }();
  return corpus;
}

class SearchIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(Corpus().size(), 1800u) << "test corpus missing under " DATELINE_SHARED_DATA;
    dir_ = fs::temp_directory_path() / ("dateline-index-test-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<SearchIndex> OpenIndex(IndexOptions opt = {}) {
    auto index = SearchIndex::Open(dir_.string(), opt);
    EXPECT_TRUE(index.ok()) << index.status().ToString();
    return index.ok() ? std::move(index).value() : nullptr;
  }
  std::unique_ptr<SearchIndex> Filled(IndexOptions opt) {
    auto index = OpenIndex(opt);
    for (const Story& s : Corpus()) EXPECT_TRUE(index->Add(s).ok());
    return index;
  }
  static std::uint64_t Total(const SearchIndex& index, const Node& q) {
    SearchRequest req;
    req.query = &q;
    req.now_us = 1;
    auto r = index.Search(req);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->total : 0;
  }

  fs::path dir_;
};

TEST_F(SearchIndexTest, EmptyDirectoryIsAnEmptyIndex) {
  auto index = OpenIndex();
  ASSERT_TRUE(index);
  EXPECT_EQ(index->IndexedSeq(), 0u);
  EXPECT_EQ(Total(*index, *All()), 0u);
  EXPECT_TRUE(fs::exists(dir_));
}

TEST_F(SearchIndexTest, CursorPagingCoversEveryHitOnce) {
  IndexOptions opt;
  opt.flush_docs = 500;  // memory and disk segments both
  opt.background = false;
  auto index = Filled(opt);
  NodePtr q = Or(Term("oil"), Term("market"));
  for (Sort sort : {Sort::kNewest, Sort::kRelevance}) {
    SearchRequest req;
    req.query = q.get();
    req.sort = sort;
    req.limit = 1000;
    req.now_us = 600000000000000;
    auto all = index->Search(req);
    ASSERT_TRUE(all.ok());
    ASSERT_GT(all->total, 100u);
    ASSERT_EQ(all->hits.size(), all->total);
    std::vector<std::uint64_t> paged;
    req.limit = 7;
    for (int pages = 0;; ++pages) {
      ASSERT_LT(pages, 1000);
      auto page = index->Search(req);
      ASSERT_TRUE(page.ok()) << page.status().ToString();
      EXPECT_EQ(page->total, all->total);  // total counts every match, not the page
      for (const Hit& h : page->hits) paged.push_back(h.seq);
      if (page->next_cursor.empty()) break;
      req.cursor = page->next_cursor;
    }
    ASSERT_EQ(paged.size(), all->total);
    for (std::size_t i = 0; i < paged.size(); ++i) ASSERT_EQ(paged[i], all->hits[i].seq) << i;
    for (std::size_t i = 1; i < all->hits.size(); ++i) {
      const Hit& a = all->hits[i - 1];
      const Hit& b = all->hits[i];
      if (sort == Sort::kNewest) {
        ASSERT_TRUE(a.published_us > b.published_us ||
                    (a.published_us == b.published_us && a.seq > b.seq));
      } else {
        ASSERT_GT(a.score, 0);
        ASSERT_TRUE(a.score > b.score || (a.score == b.score && a.seq > b.seq));
      }
    }
  }
  SearchRequest bad;
  bad.query = q.get();
  bad.cursor = "not-a-cursor";
  auto r = index->Search(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field(), "cursor");
}

TEST_F(SearchIndexTest, FacetsEqualLinearScanCounts) {
  IndexOptions opt;
  opt.flush_docs = 700;
  opt.background = false;
  auto index = Filled(opt);
  NodePtr q = Or(Term("oil"), Term("film"));
  const std::vector<std::string> fields = {"topic", "place", "source", "lang"};
  std::vector<std::map<std::string, std::uint64_t>> want(fields.size());
  std::uint64_t matches = 0;
  for (const Story& s : Corpus()) {
    const AnalyzedStory a = Analyze(s);
    if (!Matches(*q, a, 1)) continue;
    ++matches;
    for (std::size_t f = 0; f < fields.size(); ++f) {
      for (const auto& [field, value] : a.fields) {
        if (field == fields[f]) ++want[f][value];
      }
    }
  }
  SearchRequest req;
  req.query = q.get();
  req.facets = fields;
  req.facet_limit = 100000;
  auto r = index->Search(req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->total, matches);
  ASSERT_EQ(r->facets.size(), fields.size());
  for (std::size_t f = 0; f < fields.size(); ++f) {
    EXPECT_EQ(r->facets[f].field, fields[f]);
    std::map<std::string, std::uint64_t> got;
    for (const FacetValue& v : r->facets[f].values) got[v.value] = v.count;
    EXPECT_EQ(got, want[f]) << fields[f];
    EXPECT_FALSE(got.empty()) << fields[f];
    for (std::size_t i = 1; i < r->facets[f].values.size(); ++i) {
      EXPECT_GE(r->facets[f].values[i - 1].count, r->facets[f].values[i].count);
    }
  }
  req.facet_limit = 3;
  auto top = index->Search(req);
  ASSERT_TRUE(top.ok());
  EXPECT_EQ(top->facets[0].values.size(), 3u);
}

TEST_F(SearchIndexTest, EntitlementFilterAppliesToHitsTotalAndFacets) {
  IndexOptions opt;
  opt.flush_docs = 1000;
  opt.background = false;
  auto index = Filled(opt);
  NodePtr q = All();
  SearchRequest req;
  req.query = q.get();
  req.limit = 1000;
  req.facets = {"source"};
  auto everything = index->Search(req);
  ASSERT_TRUE(everything.ok());
  EXPECT_EQ(everything->total, 1800u);
  req.source_visible = [](std::string_view source) { return source != "bbc"; };
  auto r = index->Search(req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->total, 1500u);
  for (const Hit& h : r->hits) EXPECT_EQ(h.source, "reuters");
  ASSERT_EQ(r->facets.size(), 1u);
  ASSERT_EQ(r->facets[0].values.size(), 1u);
  EXPECT_EQ(r->facets[0].values[0].value, "reuters");
  EXPECT_EQ(r->facets[0].values[0].count, 1500u);
}

TEST_F(SearchIndexTest, NewVersionReplacesOldInMemoryOnDiskAndAfterReopen) {
  IndexOptions opt;
  opt.background = false;
  Story v1;
  v1.id = MakeStoryId("wire", "1");
  v1.source = "wire";
  v1.headline = "Alpha headline";
  v1.body = {{Block::Kind::kParagraph, "first version text"}};
  v1.published_us = 1000;
  v1.seq = 1;
  Story v2 = v1;
  v2.headline = "Beta headline";
  v2.seq = 2;
  {
    auto index = OpenIndex(opt);
    ASSERT_TRUE(index->Add(v1).ok());
    EXPECT_EQ(Total(*index, *Term("alpha")), 1u);
    ASSERT_TRUE(index->Flush().ok());
    ASSERT_TRUE(index->Add(v2).ok());  // on disk the old one, in memory the new one
    EXPECT_EQ(Total(*index, *Term("alpha")), 0u);
    EXPECT_EQ(Total(*index, *Term("beta")), 1u);
    EXPECT_EQ(Total(*index, *Term("headline")), 1u);
    ASSERT_TRUE(index->Flush().ok());
    EXPECT_EQ(Total(*index, *Term("alpha")), 0u);
    EXPECT_EQ(index->Stats().stories, 1u);
  }
  auto index = OpenIndex(opt);
  EXPECT_EQ(Total(*index, *Term("alpha")), 0u);
  EXPECT_EQ(Total(*index, *Term("beta")), 1u);
  ASSERT_TRUE(index->ForceMerge().ok());
  EXPECT_EQ(Total(*index, *All()), 1u);
  EXPECT_EQ(index->Stats().segments, 1u);
}

TEST_F(SearchIndexTest, ReplayAfterReopenIsIdempotent) {
  IndexOptions opt;
  opt.background = false;
  {
    auto index = OpenIndex(opt);
    for (std::size_t i = 0; i < 600; ++i) ASSERT_TRUE(index->Add(Corpus()[i]).ok());
    ASSERT_TRUE(index->Flush().ok());
    for (std::size_t i = 600; i < 700; ++i) ASSERT_TRUE(index->Add(Corpus()[i]).ok());
    EXPECT_EQ(index->IndexedSeq(), 700u);
    EXPECT_EQ(index->Stats().flushed_seq, 600u);
  }  // closed without a flush: the last 100 live only in the story log
  auto index = OpenIndex(opt);
  EXPECT_EQ(index->IndexedSeq(), 600u);
  EXPECT_EQ(Total(*index, *All()), 600u);
  for (std::size_t i = 0; i < 700; ++i) ASSERT_TRUE(index->Add(Corpus()[i]).ok());  // replay
  EXPECT_EQ(Total(*index, *All()), 700u);
  EXPECT_EQ(index->IndexedSeq(), 700u);
}

TEST_F(SearchIndexTest, CorruptSegmentFailsOpenNamingTheFile) {
  IndexOptions opt;
  opt.background = false;
  {
    auto index = OpenIndex(opt);
    for (std::size_t i = 0; i < 200; ++i) ASSERT_TRUE(index->Add(Corpus()[i]).ok());
    ASSERT_TRUE(index->Flush().ok());
  }
  std::string seg;
  for (const auto& e : fs::directory_iterator(dir_)) {
    if (e.path().extension() == ".dix") seg = e.path().string();
  }
  ASSERT_FALSE(seg.empty());
  {
    std::fstream f(seg, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(seg) / 2));
    f.put('\x7f');
  }
  auto index = SearchIndex::Open(dir_.string(), opt);
  ASSERT_FALSE(index.ok());
  EXPECT_EQ(index.status().code(), StatusCode::kCorruption);
  EXPECT_NE(index.status().message().find(seg), std::string::npos) << index.status().message();
  fs::resize_file(seg, 100);
  index = SearchIndex::Open(dir_.string(), opt);
  ASSERT_FALSE(index.ok());
  EXPECT_EQ(index.status().code(), StatusCode::kCorruption);
}

TEST_F(SearchIndexTest, BackgroundFlushKeepsEveryStorySearchable) {
  IndexOptions opt;
  opt.flush_docs = 100;
  opt.merge_factor = 3;
  opt.background = true;
  auto index = OpenIndex(opt);
  NodePtr all = All();
  for (std::size_t i = 0; i < 1000; ++i) {
    ASSERT_TRUE(index->Add(Corpus()[i]).ok());
    if (i % 97 == 0) {
      ASSERT_EQ(Total(*index, *all), i + 1);
    }
  }
  ASSERT_TRUE(index->Flush().ok());
  EXPECT_EQ(Total(*index, *all), 1000u);
  EXPECT_EQ(index->Stats().memory_docs, 0u);
  EXPECT_GE(index->Stats().segments, 1u);
  EXPECT_EQ(index->Stats().flushed_seq, 1000u);
}

TEST_F(SearchIndexTest, WidePrefixIsTooLarge) {
  IndexOptions opt;
  opt.background = false;
  auto index = Filled(opt);
  NodePtr q = Prefix("s");
  SearchRequest req;
  req.query = q.get();
  auto r = index->Search(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kTooLarge);
  EXPECT_EQ(r.status().message(), "prefix 's*' matches more than 1000 words");
  NodePtr narrow = Prefix("petrol");
  req.query = narrow.get();
  EXPECT_TRUE(index->Search(req).ok());
}

TEST_F(SearchIndexTest, SnippetHighlightsAndEscapes) {
  Story s;
  s.headline = "Rates headline";
  s.language = "en";
  s.body = {{Block::Kind::kParagraph, "The central bank raised interest rates on Tuesday."},
            {Block::Kind::kParagraph, "Rates <b>rose</b> & markets fell."}};
  auto q = Term("rates");
  const std::string snip = Snippet(s, *q, 240);
  EXPECT_NE(snip.find("interest <em>rates</em> on"), std::string::npos) << snip;
  EXPECT_NE(snip.find("<em>Rates</em> &lt;b&gt;rose&lt;/b&gt; &amp; markets"), std::string::npos)
      << snip;
  EXPECT_EQ(snip.find("headline"), std::string::npos);
  // A long body is cut around the best passage.
  Story longer = s;
  longer.body.insert(longer.body.begin(), {Block::Kind::kParagraph, std::string(2000, 'x') + " y"});
  const std::string cut = Snippet(longer, *q, 80);
  EXPECT_LE(cut.size(), 80u + 40u);
  EXPECT_NE(cut.find("<em>rates</em>"), std::string::npos) << cut;
}

}  // namespace
}  // namespace dateline::index
