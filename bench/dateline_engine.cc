// Dateline's own engine in the `search` scenario: index/search_index.h on a folder, fed one story
// at a time and flushed, searched with queries in Dateline's query language (parsed by
// query::Parse inside every timed call, as a server parses each request).
//
// Built only when the index and query libraries are part of the build (DATELINE_BENCH_HAVE_INDEX,
// set by bench/CMakeLists.txt); otherwise MakeDatelineEngine() returns nullptr and the scenario
// compares the peers alone and says so.
#include "bench/search_engines.h"

#ifdef DATELINE_BENCH_HAVE_INDEX

#include <limits>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "index/search_index.h"
#include "query/parser.h"

namespace dateline::bench {
namespace {

class DatelineEngine final : public SearchEngine {
 public:
  explicit DatelineEngine(std::size_t merge_factor) {
    if (merge_factor != 0) options_.merge_factor = merge_factor;
  }

  std::string Name() const override { return "dateline"; }
  std::string Describe() const override {
    return Format("Dateline SearchIndex, flush_docs=%zu, merge_factor=%zu, flush and merge on the "
                  "calling thread (background=false)",
                  options_.flush_docs, options_.merge_factor);
  }

  void Create(const std::string& dir) override {
    dir_ = dir + "/dateline";
    options_.background = false;  // single-threaded like the peers
    Open();
  }

  void Add(const Story& s) override { Check(index_->Add(s), "add"); }

  void Commit() override { Check(index_->Flush(), "flush"); }

  void Close() override { index_.reset(); }

  void Reopen() override { Open(); }

  void Prepare(const std::vector<BenchQuery>& queries) override {
    text_.clear();
    for (const BenchQuery& q : queries) text_.push_back(ToDatelineQuery(q));
  }

  bool SupportsNewest() const override { return true; }

  std::size_t TopK(std::size_t q, Order order, std::size_t k) override {
    // Top-k does not ask for the exact total (neither does Xapian's top-k, whose total is an
    // estimate), so the index may skip the ranges that cannot hold one of the k best.
    return Run(q, order, k, false).hits.size();
  }

  bool SupportsTopKWithTotal() const override { return true; }

  std::size_t TopKWithTotal(std::size_t q, Order order, std::size_t k) override {
    // As GET /api/v1/search asks it by default: the exact total and the source facet.
    return Run(q, order, k, true, {"source"}).hits.size();
  }

  std::uint64_t Count(std::size_t q) override { return Run(q, Order::kNewest, 1, true).total; }

  bool SupportsKnownBar() const override { return true; }

  double RelevanceBar(std::size_t q, std::size_t k) override {
    const index::SearchResult r = Run(q, Order::kRelevance, k + 1, false);
    if (r.hits.size() <= k) return -std::numeric_limits<double>::infinity();
    return r.hits.back().score * (1 - 1e-9);  // scores are positive
  }

  std::size_t TopKFromBar(std::size_t q, std::size_t k, double bar) override {
    return Run(q, Order::kRelevance, k, false, {}, bar).hits.size();
  }

  std::string Notes() const override {
    if (!index_) return {};
    const IndexStats s = index_->Stats();
    return Format("%llu stories, %llu segment(s) on disk, %llu in memory",
                  static_cast<unsigned long long>(s.stories),
                  static_cast<unsigned long long>(s.segments),
                  static_cast<unsigned long long>(s.memory_docs));
  }

 private:
  using IndexStats = index::IndexStats;

  index::SearchResult Run(std::size_t q, Order order, std::size_t k, bool count_total,
                          std::vector<std::string> facets = {},
                          double known_bar = -std::numeric_limits<double>::infinity()) {
    query::ParseResult parsed = query::Parse(text_[q]);
    if (!parsed.ok()) {
      throw BenchError("dateline: cannot parse " + text_[q] + ": " + parsed.error().message);
    }
    index::SearchRequest req;
    req.query = parsed.node().get();
    req.sort = order == Order::kNewest ? index::Sort::kNewest : index::Sort::kRelevance;
    req.limit = k;
    req.count_total = count_total;
    req.facets = std::move(facets);
    req.known_bar = known_bar;
    auto r = index_->Search(req);
    if (!r.ok()) throw BenchError("dateline: search " + text_[q] + ": " + r.status().ToString());
    return std::move(r).value();
  }

  void Open() {
    auto r = index::SearchIndex::Open(dir_, options_);
    if (!r.ok()) throw BenchError("dateline: open " + dir_ + ": " + r.status().ToString());
    index_ = std::move(r).value();
  }

  static void Check(const Status& st, const char* what) {
    if (!st.ok()) throw BenchError(std::string("dateline: ") + what + ": " + st.ToString());
  }

  std::string dir_;
  index::IndexOptions options_;
  std::unique_ptr<index::SearchIndex> index_;
  std::vector<std::string> text_;
};

}  // namespace

std::unique_ptr<SearchEngine> MakeDatelineEngine(std::size_t merge_factor) {
  return std::make_unique<DatelineEngine>(merge_factor);
}

}  // namespace dateline::bench

#else  // !DATELINE_BENCH_HAVE_INDEX

namespace dateline::bench {
std::unique_ptr<SearchEngine> MakeDatelineEngine(std::size_t /*merge_factor*/) { return nullptr; }
}  // namespace dateline::bench

#endif
