// The Xapian peer: an on-disk WritableDatabase (glass) with positions, the English (Snowball)
// stemmer with STEM_SOME (unstemmed terms with positions for phrases and NEAR, "Z"-prefixed
// stems for plain terms), boolean filter terms for source ("XS") and topic ("XT"), and the
// publication time in value slot 0. Queries are Xapian::Query objects, never the QueryParser.
#include <xapian.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "bench/search_engines.h"

namespace dateline::bench {
namespace {

constexpr Xapian::valueno kPublishedSlot = 0;

// ASCII lower-casing: STEM_SOME leaves capitalised words unstemmed (a query-parser convention
// for proper nouns) and Reuters headlines are upper case, so the text is lowered first; Xapian
// lower-cases every term anyway.
std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

class XapianEngine final : public SearchEngine {
 public:
  std::string Name() const override { return "xapian"; }
  std::string Describe() const override {
    return Format("Xapian %s, glass on disk, positions, English stemmer (STEM_SOME), "
                  "BM25, XAPIAN_FLUSH_THRESHOLD=%s",
                  Xapian::version_string(), flush_threshold_.c_str());
  }

  void Create(const std::string& dir) override {
    dir_ = dir + "/xapian";
    // Like Dateline's in-memory segment (50,000 stories), batch that many before writing.
    ::setenv("XAPIAN_FLUSH_THRESHOLD", flush_threshold_.c_str(), 1);
    wdb_ = std::make_unique<Xapian::WritableDatabase>(dir_, Xapian::DB_CREATE_OR_OVERWRITE);
    generator_.set_stemmer(stem_);
    generator_.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
  }

  void Add(const Story& s) override {
    Xapian::Document doc;
    generator_.set_document(doc);
    generator_.index_text(Lower(s.headline));
    if (!s.summary.empty()) generator_.index_text(Lower(s.summary));
    for (const Block& b : s.body) generator_.index_text(Lower(b.text));
    doc.add_boolean_term("XS" + Lower(s.source));
    for (const Tag& t : s.tags) {
      if (t.field == "topic") doc.add_boolean_term("XT" + Lower(t.value));
    }
    doc.add_value(kPublishedSlot, Xapian::sortable_serialise(static_cast<double>(s.published_us)));
    wdb_->add_document(doc);
  }

  void Commit() override { wdb_->commit(); }

  void Close() override {
    if (wdb_) wdb_->close();
    wdb_.reset();
    db_.reset();
  }

  void Reopen() override { db_ = std::make_unique<Xapian::Database>(dir_); }

  void Prepare(const std::vector<BenchQuery>& queries) override { queries_ = &queries; }

  std::size_t TopK(std::size_t q, Order, std::size_t k) override {
    Xapian::Enquire enquire(*db_);
    enquire.set_query(Build((*queries_)[q]));
    Xapian::MSet m = enquire.get_mset(0, static_cast<Xapian::doccount>(k));
    std::size_t n = 0;
    for (auto it = m.begin(); it != m.end(); ++it) n += *it != 0;
    return n;
  }

  std::uint64_t Count(std::size_t q) override {
    Xapian::Enquire enquire(*db_);
    enquire.set_query(Build((*queries_)[q]));
    // check_at_least = every document: the count is exact, not estimated.
    Xapian::MSet m = enquire.get_mset(0, 0, db_->get_doccount());
    if (m.get_matches_lower_bound() != m.get_matches_upper_bound()) {
      throw BenchError("xapian: count is not exact");
    }
    return m.get_matches_estimated();
  }

 private:
  Xapian::Query Stemmed(const std::string& w) const { return Xapian::Query("Z" + stem_(w)); }

  Xapian::Query Build(const BenchQuery& q) const {
    std::vector<Xapian::Query> parts;
    switch (q.cls) {
      case QueryClass::kTerm:
        return Stemmed(q.words.at(0));
      case QueryClass::kAnd:
      case QueryClass::kOr:
        for (const auto& w : q.words) parts.push_back(Stemmed(w));
        return Xapian::Query(q.cls == QueryClass::kAnd ? Xapian::Query::OP_AND
                                                       : Xapian::Query::OP_OR,
                             parts.begin(), parts.end());
      case QueryClass::kPhrase:
        return Xapian::Query(Xapian::Query::OP_PHRASE, q.words.begin(), q.words.end(),
                             static_cast<Xapian::termcount>(q.words.size()));
      case QueryClass::kNear:
        // abs(p - q) <= distance: both terms inside a window of distance + 1 positions.
        return Xapian::Query(Xapian::Query::OP_NEAR, q.words.begin(), q.words.end(),
                             q.distance + 1);
      case QueryClass::kFiltered: {
        const std::string prefix = q.field == "source" ? "XS" : "XT";
        Xapian::Query filter(
            Xapian::Query::OP_AND, Xapian::Query(prefix + q.value),
            Xapian::Query(Xapian::Query::OP_VALUE_RANGE, kPublishedSlot,
                          Xapian::sortable_serialise(static_cast<double>(q.from_us)),
                          Xapian::sortable_serialise(static_cast<double>(q.to_us))));
        return Xapian::Query(Xapian::Query::OP_FILTER, Stemmed(q.words.at(0)), filter);
      }
    }
    throw BenchError("xapian: unknown query class");
  }

  std::string dir_;
  std::string flush_threshold_ = std::getenv("XAPIAN_FLUSH_THRESHOLD") ? std::getenv("XAPIAN_FLUSH_THRESHOLD") : "10000";
  std::unique_ptr<Xapian::WritableDatabase> wdb_;
  std::unique_ptr<Xapian::Database> db_;
  Xapian::TermGenerator generator_;
  Xapian::Stem stem_{"english"};
  const std::vector<BenchQuery>* queries_ = nullptr;
};

}  // namespace

std::unique_ptr<SearchEngine> MakeXapianEngine() { return std::make_unique<XapianEngine>(); }

}  // namespace dateline::bench
