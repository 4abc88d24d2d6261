// Scenario `ingest`: POST the Reuters-21578 corpus to a fresh `dateline serve` over HTTP/1.1
// keep-alive, and insert the same stories into SQLite (the peer) from one thread.
#include <utility>  // before Asio (Boost 1.74 + GCC 12)

#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "bench/bench_util.h"
#include "bench/scenarios.h"

namespace dateline::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// ---------------------------------------------------------------------------------------------
// HTTP load generator: C connections, each taking the next request body until none are left.

struct LoadState {
  std::uint16_t port = 0;
  std::string token;  // Authorization: Bearer
  const std::vector<std::string>* bodies = nullptr;
  std::string content_type;
  std::size_t next = 0;                 // next body to send (single-threaded io_context)
  std::vector<double> latency_ms;       // per request
  std::size_t duplicates = 0;
  std::size_t failures = 0;
  std::string first_error;
};

void Fail(LoadState& st, std::string what) {
  if (st.failures++ == 0) st.first_error = std::move(what);
}

asio::awaitable<void> PostWorker(LoadState& st) {
  auto ex = co_await asio::this_coro::executor;
  beast::tcp_stream stream(ex);
  beast::error_code ec;
  co_await stream.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), st.port),
                                asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    Fail(st, "connect: " + ec.message());
    co_return;
  }
  stream.socket().set_option(tcp::no_delay(true), ec);
  beast::flat_buffer buffer;
  while (st.next < st.bodies->size()) {
    const std::string& body = (*st.bodies)[st.next++];
    http::request<http::span_body<const char>> req{http::verb::post, "/api/v1/stories", 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::content_type, st.content_type);
    req.set(http::field::authorization, "Bearer " + st.token);
    req.body() = beast::span<const char>(body.data(), body.size());
    req.prepare_payload();
    const auto t0 = Clock::now();
    co_await http::async_write(stream, req, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      Fail(st, "write: " + ec.message());
      co_return;
    }
    http::response<http::string_body> res;
    co_await http::async_read(stream, buffer, res, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      Fail(st, "read: " + ec.message());
      co_return;
    }
    st.latency_ms.push_back(Millis(Clock::now() - t0));
    const unsigned status = res.result_int();
    if (status != 201 && status != 200) {  // 200: only duplicates
      Fail(st, "HTTP " + std::to_string(status) + ": " + res.body().substr(0, 300));
      co_return;
    }
    // {"id",..,"duplicate":false} or {"stories":[...]}: count the duplicates (expected: none).
    std::string_view rb = res.body();
    for (std::size_t p = rb.find("\"duplicate\":true"); p != std::string_view::npos;
         p = rb.find("\"duplicate\":true", p + 1)) {
      ++st.duplicates;
    }
  }
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
}

struct Config {
  std::string sync;
  std::size_t batch;
  std::size_t connections;
  std::string Name() const {
    return Format("sync=%s B=%zu C=%zu", sync.c_str(), batch, connections);
  }
};

struct RunResult {
  double seconds = 0;
  double stories_per_s = 0;
  double mb_per_s = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double peak_rss_mib = 0;
  double server_cpu_us = 0;  // server CPU (user + system) per story, µs
  double client_cpu_us = 0;  // the bench's HTTP client thread, per story, µs
  double sqlite_stories_per_s = 0;
  std::size_t sqlite_rows = 0;  // fewer than the corpus when --peer-max-seconds cut it short
  double sqlite_p50_ms = 0;  // per transaction
  double sqlite_p99_ms = 0;
};

std::vector<std::string> MakeBodies(const Corpus& c, std::size_t batch) {
  std::vector<std::string> bodies;
  for (std::size_t i = 0; i < c.lines.size(); i += batch) {
    std::string body;
    const std::size_t end = std::min(c.lines.size(), i + batch);
    for (std::size_t j = i; j < end; ++j) {
      body += c.lines[j];
      if (batch > 1) body += '\n';
    }
    bodies.push_back(std::move(body));
  }
  return bodies;
}

void RunDateline(const Options& o, const Corpus& c, const Config& cfg,
                 const std::vector<std::string>& bodies, RunResult& r) {
  TempDir dir(o.tmp_dir);
  ServerProcess server(o.binary, dir.path() + "/data",
                       {"--sync", cfg.sync, "--threads", std::to_string(o.server_threads)});
  LoadState st;
  st.port = server.port();
  st.token = server.token();
  st.bodies = &bodies;
  st.content_type = cfg.batch > 1 ? "application/x-ndjson" : "application/json";
  st.latency_ms.reserve(bodies.size());

  asio::io_context ioc(1);
  const std::size_t conns = std::min(cfg.connections, bodies.size());
  const double server_cpu0 = server.CpuSeconds();
  const double client_cpu0 = ThreadCpuSeconds();
  const auto t0 = Clock::now();
  for (std::size_t i = 0; i < conns; ++i) {
    asio::co_spawn(ioc, PostWorker(st), [](std::exception_ptr e) {
      if (e) std::rethrow_exception(e);
    });
  }
  ioc.run();
  r.seconds = Seconds(Clock::now() - t0);
  const double n = static_cast<double>(c.stories.size());
  r.client_cpu_us = (ThreadCpuSeconds() - client_cpu0) * 1e6 / n;
  r.server_cpu_us = (server.CpuSeconds() - server_cpu0) * 1e6 / n;
  if (st.failures > 0) {
    throw BenchError(Format("ingest %s: %zu request(s) failed; first: %s\nserver log:\n%s",
                            cfg.Name().c_str(), st.failures, st.first_error.c_str(),
                            server.Log().c_str()));
  }
  if (st.latency_ms.size() != bodies.size()) {
    throw BenchError(Format("ingest %s: %zu of %zu requests answered", cfg.Name().c_str(),
                            st.latency_ms.size(), bodies.size()));
  }
  // Every story must be in the store.
  // Stories are numbered 1..n without gaps: the newest seq is the count.
  auto head = nlohmann::json::parse(
      HttpGetBody(server.port(), "/api/v1/stories?order=desc&limit=1", server.token()));
  const std::size_t stored = head.value("next_after", std::size_t{0});
  if (stored + st.duplicates != c.stories.size() || st.duplicates != 0) {
    throw BenchError(Format("ingest %s: posted %zu stories, the server holds %zu (%zu duplicates)",
                            cfg.Name().c_str(), c.stories.size(), stored, st.duplicates));
  }
  r.peak_rss_mib = static_cast<double>(server.PeakRssKiB()) / 1024.0;
  const int rc = server.Stop();
  if (rc != 0) {
    throw BenchError(Format("ingest %s: dateline serve exited with %d; log:\n%s",
                            cfg.Name().c_str(), rc, server.Log().c_str()));
  }
  r.stories_per_s = static_cast<double>(c.stories.size()) / r.seconds;
  std::size_t bytes = 0;
  for (const auto& b : bodies) bytes += b.size();
  r.mb_per_s = static_cast<double>(bytes) / 1e6 / r.seconds;
  SortSample(st.latency_ms);
  r.p50_ms = Percentile(st.latency_ms, 0.50);
  r.p99_ms = Percentile(st.latency_ms, 0.99);
}

// ---------------------------------------------------------------------------------------------
// The peer: SQLite in WAL mode, one thread, transactions of `batch` rows.

void Check(sqlite3* db, int rc, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    throw BenchError(Format("sqlite %s: %s", what, sqlite3_errmsg(db)));
  }
}

void Exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "?";
    sqlite3_free(err);
    throw BenchError(Format("sqlite %s: %s", sql, msg.c_str()));
  }
}

void RunSqlite(const Options& o, const Corpus& c, const Config& cfg, RunResult& r) {
  TempDir dir(o.tmp_dir);
  const std::string path = dir.path() + "/peer.db";
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    throw BenchError("sqlite open " + path + ": " + msg);
  }
  std::vector<double> txn_ms;
  try {
    Exec(db, "PRAGMA journal_mode=WAL");
    // FULL in WAL mode: the WAL is fsynced at every COMMIT (like --sync always, which fsyncs
    // every group commit before acknowledging). OFF: no fsync at all (like --sync never).
    const char* sync = cfg.sync == "always" ? "PRAGMA synchronous=FULL"
                       : cfg.sync == "never" ? "PRAGMA synchronous=OFF"
                                             : "PRAGMA synchronous=NORMAL";
    Exec(db, sync);
    Exec(db,
         "CREATE TABLE stories(id TEXT PRIMARY KEY, source TEXT NOT NULL, "
         "headline TEXT NOT NULL, body TEXT NOT NULL)");
    sqlite3_stmt* ins = nullptr;
    Check(db, sqlite3_prepare_v2(db, "INSERT INTO stories(id, source, headline, body) VALUES(?,?,?,?)",
                                 -1, &ins, nullptr),
          "prepare");
    const auto t0 = Clock::now();
    std::size_t rows = 0;
    for (std::size_t i = 0; i < c.stories.size(); i += cfg.batch) {
      const auto tt = Clock::now();
      if (o.peer_max_seconds > 0 && Seconds(tt - t0) > o.peer_max_seconds) break;
      Exec(db, "BEGIN");
      const std::size_t end = std::min(c.stories.size(), i + cfg.batch);
      for (std::size_t j = i; j < end; ++j) {
        const Story& s = c.stories[j];
        sqlite3_bind_text(ins, 1, s.id.data(), static_cast<int>(s.id.size()), SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, s.source.data(), static_cast<int>(s.source.size()), SQLITE_STATIC);
        sqlite3_bind_text(ins, 3, s.headline.data(), static_cast<int>(s.headline.size()),
                          SQLITE_STATIC);
        sqlite3_bind_text(ins, 4, c.lines[j].data(), static_cast<int>(c.lines[j].size()),
                          SQLITE_STATIC);
        const int rc = sqlite3_step(ins);
        if (rc != SQLITE_DONE) {
          sqlite3_finalize(ins);
          Check(db, rc == SQLITE_ROW ? SQLITE_ERROR : rc, "insert");
        }
        sqlite3_reset(ins);
      }
      Exec(db, "COMMIT");
      txn_ms.push_back(Millis(Clock::now() - tt));
      rows = end;
    }
    const double secs = Seconds(Clock::now() - t0);
    sqlite3_finalize(ins);
    r.sqlite_rows = rows;
    r.sqlite_stories_per_s = static_cast<double>(rows) / secs;
  } catch (...) {
    sqlite3_close(db);
    throw;
  }
  sqlite3_close(db);
  SortSample(txn_ms);
  r.sqlite_p50_ms = Percentile(txn_ms, 0.50);
  r.sqlite_p99_ms = Percentile(txn_ms, 0.99);
}

}  // namespace

bool RunIngest(const Options& o) {
  const auto load0 = Clock::now();
  const Corpus c = LoadReuters(o.data_dir, o.smoke ? 1 : 0, o.smoke ? 300 : o.limit);
  std::printf("\n== ingest: POST /api/v1/stories (HTTP/1.1 keep-alive) vs SQLite peer\n");
  std::printf("corpus: Reuters-21578, %zu stories from %zu file(s), %.2f MB of NDJSON "
              "(StoryToJson), loaded in %.2f s\n",
              c.stories.size(), c.files, static_cast<double>(c.json_bytes) / 1e6,
              Seconds(Clock::now() - load0));
  std::printf("server: fresh `dateline serve --threads %d --sync S` per run, data in %s (%s)\n",
              o.server_threads, o.tmp_dir.empty() ? "$TMPDIR or /tmp" : o.tmp_dir.c_str(),
              FileSystemType(o.tmp_dir.empty() ? "/tmp" : o.tmp_dir).c_str());
  std::printf("peer: SQLite %s in-process, WAL, synchronous=FULL (always) / OFF (never), one thread,\n"
              "      INSERT (id, source, headline, body=JSON line) in transactions of B rows.\n"
              "      The peer has NO HTTP, no JSON parsing and no validation in its path; Dateline\n"
              "      numbers include the client, HTTP and parsing on the same %ld cores.\n",
              sqlite3_libversion(), ::sysconf(_SC_NPROCESSORS_ONLN));
  std::fflush(stdout);

  std::vector<Config> configs;
  for (const auto& s : o.syncs) {
    configs.push_back({s, o.batch, o.connections});
    configs.push_back({s, 1, o.single_connections});
  }

  std::printf("\nper run: request latency p50/p99 (ms, one request = B stories); peak RSS of the\n"
              "server; CPU µs per story of the server and of the bench's client thread; SQLite\n"
              "stories/s and transaction latency p50/p99 (ms); ratio = dateline/sqlite stories/s\n");
  std::printf("%-26s %3s %10s %7s %8s %8s %7s %7s %7s | %10s %8s %8s %7s\n", "config", "run",
              "stories/s", "MB/s", "req p50", "req p99", "RSS MiB", "srv us", "cli us",
              "sqlite s/s", "txn p50", "txn p99", "ratio");
  std::vector<std::vector<RunResult>> all(configs.size());
  for (int run = 1; run <= o.runs; ++run) {
    for (std::size_t k = 0; k < configs.size(); ++k) {
      const Config& cfg = configs[k];
      const auto bodies = MakeBodies(c, cfg.batch);
      RunResult r;
      RunDateline(o, c, cfg, bodies, r);
      RunSqlite(o, c, cfg, r);
      std::printf("%-26s %3d %10.0f %7.2f %8.2f %8.2f %7.1f %7.1f %7.1f | %10.0f%c %7.3f %8.3f "
                  "%7.2f\n",
                  cfg.Name().c_str(), run, r.stories_per_s, r.mb_per_s, r.p50_ms, r.p99_ms,
                  r.peak_rss_mib, r.server_cpu_us, r.client_cpu_us, r.sqlite_stories_per_s,
                  r.sqlite_rows < c.stories.size() ? '*' : ' ', r.sqlite_p50_ms, r.sqlite_p99_ms,
                  r.stories_per_s / r.sqlite_stories_per_s);
      if (r.sqlite_rows < c.stories.size()) {
        std::printf("%-26s     * the peer stopped after %g s (--peer-max-seconds): rate over "
                    "its first %zu rows\n",
                    "", o.peer_max_seconds, r.sqlite_rows);
      }
      std::fflush(stdout);
      all[k].push_back(r);
    }
  }

  std::printf("\nmedians of %d run(s); ratio = dateline stories/s / sqlite stories/s (medians)\n",
              o.runs);
  std::printf("%-26s %10s %7s %8s %8s %7s %7s %7s | %10s %7s\n", "config", "stories/s", "MB/s",
              "req p50", "req p99", "RSS MiB", "srv us", "cli us", "sqlite s/s", "ratio");
  for (std::size_t k = 0; k < configs.size(); ++k) {
    auto med = [&](double RunResult::*f) {
      std::vector<double> v;
      for (const auto& r : all[k]) v.push_back(r.*f);
      return Median(v);
    };
    const double d = med(&RunResult::stories_per_s);
    const double s = med(&RunResult::sqlite_stories_per_s);
    bool partial = false;
    for (const auto& r : all[k]) partial |= r.sqlite_rows < c.stories.size();
    std::printf("%-26s %10.0f %7.2f %8.2f %8.2f %7.1f %7.1f %7.1f | %10.0f%c %6.2f\n",
                configs[k].Name().c_str(), d, med(&RunResult::mb_per_s), med(&RunResult::p50_ms),
                med(&RunResult::p99_ms), med(&RunResult::peak_rss_mib),
                med(&RunResult::server_cpu_us), med(&RunResult::client_cpu_us), s,
                partial ? '*' : ' ', d / s);
  }
  std::fflush(stdout);
  return true;
}

}  // namespace dateline::bench
