// The SQLite FTS5 peer: a contentless FTS5 table (headline, body) with tokenize='porter
// unicode61' (the rowid is the story number), a normal table for time and source and a
// WITHOUT ROWID table of topics. Top-k is `ORDER BY rank LIMIT k` (BM25), counts are count(*);
// the source/topic filter and the time range are a join with WHERE.
#include <sqlite3.h>

#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "bench/search_engines.h"

namespace dateline::bench {
namespace {

constexpr std::size_t kRowsPerTransaction = 50000;  // like Dateline's in-memory segment

class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) != SQLITE_OK) {
      throw BenchError(Format("fts5: prepare %s: %s", sql, sqlite3_errmsg(db)));
    }
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(Statement&& o) noexcept : stmt_(o.stmt_) { o.stmt_ = nullptr; }
  Statement& operator=(Statement&& o) noexcept {
    std::swap(stmt_, o.stmt_);
    return *this;
  }
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

std::string Quote(const std::string& w) { return "\"" + w + "\""; }

class Fts5Engine final : public SearchEngine {
 public:
  ~Fts5Engine() override { Close(); }

  std::string Name() const override { return "fts5"; }
  std::string Describe() const override {
    return Format("SQLite %s FTS5, contentless (content=''), tokenize='porter unicode61', "
                  "bm25 rank, WAL, synchronous=NORMAL, %zu rows per transaction",
                  sqlite3_libversion(), kRowsPerTransaction);
  }

  void Create(const std::string& dir) override {
    path_ = dir + "/fts5.db";
    Open();
    Exec("PRAGMA journal_mode=WAL");
    Exec("PRAGMA synchronous=NORMAL");
    Exec("CREATE VIRTUAL TABLE fts USING fts5(headline, body, content='', "
         "tokenize='porter unicode61')");
    Exec("CREATE TABLE docs(id INTEGER PRIMARY KEY, published INTEGER NOT NULL, "
         "source TEXT NOT NULL)");
    Exec("CREATE TABLE topics(topic TEXT NOT NULL, id INTEGER NOT NULL, PRIMARY KEY(topic, id)) "
         "WITHOUT ROWID");
    insert_fts_ = Statement(db_, "INSERT INTO fts(rowid, headline, body) VALUES(?1, ?2, ?3)");
    insert_doc_ = Statement(db_, "INSERT INTO docs(id, published, source) VALUES(?1, ?2, ?3)");
    insert_topic_ = Statement(db_, "INSERT OR IGNORE INTO topics(topic, id) VALUES(?1, ?2)");
    Exec("BEGIN");
  }

  void Add(const Story& s) override {
    const sqlite3_int64 id = static_cast<sqlite3_int64>(++rows_);
    body_.clear();
    if (!s.summary.empty()) body_ = s.summary;
    for (const Block& b : s.body) {
      if (!body_.empty()) body_ += "\n\n";
      body_ += b.text;
    }
    sqlite3_stmt* st = insert_fts_.get();
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, s.headline.data(), static_cast<int>(s.headline.size()), SQLITE_STATIC);
    sqlite3_bind_text(st, 3, body_.data(), static_cast<int>(body_.size()), SQLITE_STATIC);
    Step(st, "insert fts");
    st = insert_doc_.get();
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, s.published_us);
    sqlite3_bind_text(st, 3, s.source.data(), static_cast<int>(s.source.size()), SQLITE_STATIC);
    Step(st, "insert docs");
    for (const Tag& t : s.tags) {
      if (t.field != "topic") continue;
      st = insert_topic_.get();
      sqlite3_bind_text(st, 1, t.value.data(), static_cast<int>(t.value.size()), SQLITE_STATIC);
      sqlite3_bind_int64(st, 2, id);
      Step(st, "insert topics");
    }
    if (rows_ % kRowsPerTransaction == 0) {
      Exec("COMMIT");
      Exec("BEGIN");
    }
  }

  void Commit() override {
    Exec("COMMIT");
    Exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }

  void Close() override {
    for (auto& s : top_) s = Statement();
    for (auto& s : count_) s = Statement();
    insert_fts_ = Statement();
    insert_doc_ = Statement();
    insert_topic_ = Statement();
    if (db_) sqlite3_close(db_);
    db_ = nullptr;
  }

  void Reopen() override {
    Open();
    // What an application prepares once at start-up.
    static const char* kFrom[3] = {
        "FROM fts WHERE fts MATCH ?1",
        "FROM fts JOIN docs ON docs.id = fts.rowid WHERE fts MATCH ?1 AND docs.source = ?2 "
        "AND docs.published BETWEEN ?3 AND ?4",
        "FROM fts JOIN topics ON topics.topic = ?2 AND topics.id = fts.rowid "
        "JOIN docs ON docs.id = fts.rowid WHERE fts MATCH ?1 AND docs.published BETWEEN ?3 AND ?4",
    };
    for (int i = 0; i < 3; ++i) {
      top_[i] = Statement(db_, (std::string("SELECT fts.rowid ") + kFrom[i] +
                                " ORDER BY fts.rank LIMIT ?5").c_str());
      count_[i] = Statement(db_, (std::string("SELECT count(*) ") + kFrom[i]).c_str());
    }
  }

  void Prepare(const std::vector<BenchQuery>& queries) override {
    queries_ = &queries;
    match_.clear();
    for (const BenchQuery& q : queries) {
      std::string m;
      auto join = [&](const char* op) {
        for (std::size_t i = 0; i < q.words.size(); ++i) {
          if (i > 0) m += op;
          m += Quote(q.words[i]);
        }
      };
      switch (q.cls) {
        case QueryClass::kTerm:
        case QueryClass::kFiltered:
          m = Quote(q.words.at(0));
          break;
        case QueryClass::kAnd:
          join(" AND ");
          break;
        case QueryClass::kOr:
          join(" OR ");
          break;
        case QueryClass::kPhrase: {
          std::string phrase;
          for (const auto& w : q.words) phrase += (phrase.empty() ? "" : " ") + w;
          m = Quote(phrase);
          break;
        }
        case QueryClass::kNear:
          // NEAR(a b, N): at most N tokens between them, i.e. abs(p - q) <= N + 1.
          m = Format("NEAR(%s %s, %u)", Quote(q.words.at(0)).c_str(), Quote(q.words.at(1)).c_str(),
                     q.distance - 1);
          break;
      }
      match_.push_back(std::move(m));
    }
  }

  std::size_t TopK(std::size_t q, Order, std::size_t k) override {
    sqlite3_stmt* st = Bind(top_, q);
    sqlite3_bind_int64(st, 5, static_cast<sqlite3_int64>(k));
    std::size_t n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) n += sqlite3_column_int64(st, 0) != 0;
    Done(st, rc);
    return n;
  }

  std::uint64_t Count(std::size_t q) override {
    sqlite3_stmt* st = Bind(count_, q);
    std::uint64_t n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      n = static_cast<std::uint64_t>(sqlite3_column_int64(st, 0));
    }
    Done(st, rc);
    return n;
  }

 private:
  void Open() {
    if (sqlite3_open(path_.c_str(), &db_) != SQLITE_OK) {
      std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      db_ = nullptr;
      throw BenchError("fts5: open " + path_ + ": " + msg);
    }
  }

  void Exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "?";
      sqlite3_free(err);
      throw BenchError(Format("fts5: %s: %s", sql, msg.c_str()));
    }
  }

  void Step(sqlite3_stmt* st, const char* what) {
    const int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) throw BenchError(Format("fts5: %s: %s", what, sqlite3_errmsg(db_)));
  }

  sqlite3_stmt* Bind(Statement (&set)[3], std::size_t q) {
    const BenchQuery& bq = (*queries_)[q];
    const int shape = bq.cls != QueryClass::kFiltered ? 0 : bq.field == "source" ? 1 : 2;
    sqlite3_stmt* st = set[shape].get();
    const std::string& m = match_[q];
    sqlite3_bind_text(st, 1, m.data(), static_cast<int>(m.size()), SQLITE_STATIC);
    if (shape > 0) {
      sqlite3_bind_text(st, 2, bq.value.data(), static_cast<int>(bq.value.size()), SQLITE_STATIC);
      sqlite3_bind_int64(st, 3, bq.from_us);
      sqlite3_bind_int64(st, 4, bq.to_us);
    }
    return st;
  }

  void Done(sqlite3_stmt* st, int rc) {
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE) throw BenchError(Format("fts5: query: %s", sqlite3_errmsg(db_)));
  }

  std::string path_;
  sqlite3* db_ = nullptr;
  std::uint64_t rows_ = 0;
  std::string body_;
  Statement insert_fts_, insert_doc_, insert_topic_;
  Statement top_[3], count_[3];
  const std::vector<BenchQuery>* queries_ = nullptr;
  std::vector<std::string> match_;
};

}  // namespace

std::unique_ptr<SearchEngine> MakeFts5Engine() { return std::make_unique<Fts5Engine>(); }

}  // namespace dateline::bench
