// dateline-bench: named benchmark scenarios against the real `dateline serve` binary.
//
//   dateline-bench ingest|push|search|alerts|alerts-e2e|all [--smoke] [--runs N] [options]
//
// See bench/README.md and bench/RESULTS.md.
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "bench/scenarios.h"

namespace {

using namespace dateline::bench;

constexpr const char* kUsage = R"(usage: dateline-bench ingest|push|search|alerts|alerts-e2e|all [options]

scenarios:
  ingest   POST Reuters-21578 to a fresh `dateline serve` (NDJSON batches and one story per
           request, --sync always and never) and insert the same stories into SQLite (the peer)
  push     ingest-to-push latency: K WebSocket clients on /api/v1/stream, N stories posted one
           per request at a fixed rate; latency = frame arrival - 201 acknowledgement
  search   the same stories (Reuters-21578 + BBC News grown to N by a model of their text) and
           the same queries through Dateline's search index, Xapian and SQLite FTS5, each in its
           own process, single-threaded: indexing rate, size, reopen time, top-10/count latency
  alerts   the standing-query matcher in-process, one thread: build time, per-story latency and
           memory at 10k to 1.5M alerts drawn from the Reuters + BBC vocabulary; the peer is
           brute force (the reference evaluator over every alert) on a sample of stories
  alerts-e2e
           story POST acknowledged -> alert frame on a WebSocket through `dateline serve`, with
           N alerts of the same mix saved through POST /api/v1/alerts first (1,000 per account)
  all      ingest, push and search (alerts and alerts-e2e run on their own: they take minutes)

options:
  --smoke                 tiny sizes, one run: checks that every scenario works (a few seconds)
  --runs N                repetitions of every configuration; medians are reported (default 3)
  --data-dir DIR          folder with reut2-*.sgm (default: the compiled-in shared data)
  --bbc-dir DIR           BBC News folder for search (default: the compiled-in shared data)
  --binary PATH           the dateline executable (default: the one built with the bench)
  --tmp-dir DIR           parent of the temporary data folders (default: $TMPDIR or /tmp)
  --threads N             dateline serve --threads (default 2)
ingest:
  --limit N               post only the first N stories (default: all)
  --batch B               stories per NDJSON request (default 100)
  --connections C         concurrent connections for the batches (default 4)
  --single-connections C  concurrent connections for one story per request (default 16)
  --sync LIST             comma-separated sync modes (default always,never)
  --peer-max-seconds S    stop one SQLite load after S seconds and report the rate over the
                          rows it inserted (default 10; 0: never stop early)
push:
  --clients LIST          comma-separated client counts (default 1,1000)
  --stories N             stories posted per configuration (default 2000)
  --rate R                stories per second from the one poster connection (default 500)
  --push-sync S           dateline serve --sync for the push scenario (default always)
  --stream-queue N        dateline serve --stream-queue (default 8192)
search:
  --docs N                stories in each index (default 1000000; at least the real ones)
  --queries N             queries per class (default 200)
  --seed S                corpus and query seed (default 20250101)
  --engines LIST          comma-separated engines (default dateline,xapian,fts5)
  --classes LIST          comma-separated query classes to run (default all: term,and,or,
                          phrase,near,filtered); the others are made but not run, so the
                          queries of a class are the same as in a full run
  --repeat N              time every query N times and take the median (default 1: one
                          timing per query; more steadies the p50s on a shared box)
  --rounds N              rounds of query timings, the engines taking turns round by round
                          (default 3; --smoke: 1); each query's median over them is kept
  --known-bar             first time Dateline's relevance top-10 of each class as run and
                          started from the query's own final bar (its 11th best score),
                          alternating --rounds times: what no tighter bound or earlier
                          threshold could save
  --merge-factor N        Dateline's tiered merge factor (default: the index's own, as a
                          server runs it); fewer segments answer faster, more merging costs
                          indexing time
alerts:
  --queries LIST          comma-separated numbers of standing queries (default
                          10000,100000,1000000,1500000; --smoke: 2000)
  --mix LIST              alert mixes: vocabulary (any content word), selective (words that
                          occur at most 50 times in the corpus); default vocabulary,selective
alerts-e2e:
  --e2e-alerts N          alerts saved before the stories (default 100000; --smoke: 2000)
  --e2e-stories N         stories posted, one per request (default 1000; --smoke: 30)
  --e2e-rate R            stories per second (default 20)
  (also --threads and --push-sync for the server)
)";

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    if (comma > start) out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

std::size_t ToSize(const std::string& flag, const std::string& v) {
  char* end = nullptr;
  unsigned long long n = std::strtoull(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || v[0] == '-') {
    throw BenchError(flag + " wants a non-negative integer, not \"" + v + "\"");
  }
  return static_cast<std::size_t>(n);
}

}  // namespace

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  Options o;
  o.binary = DATELINE_BINARY;
  o.data_dir = std::string(DATELINE_SHARED_DATA) + "/reuters21578";
  o.bbc_dir = std::string(DATELINE_SHARED_DATA) + "/bbc";
  std::string scenario;
  std::string queries_flag;
  std::string command = argv[0];
  for (int i = 1; i < argc; ++i) command += std::string(" ") + argv[i];
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      auto value = [&]() -> std::string {
        if (i + 1 >= argc) throw BenchError(a + " needs a value");
        return argv[++i];
      };
      if (a == "-h" || a == "--help") {
        std::fputs(kUsage, stdout);
        return 0;
      } else if (a == "--smoke") {
        o.smoke = true;
      } else if (a == "--known-bar") {
        o.search_known_bar = true;
      } else if (a == "--runs") {
        o.runs = static_cast<int>(ToSize(a, value()));
        if (o.runs < 1) throw BenchError("--runs must be at least 1");
      } else if (a == "--data-dir") {
        o.data_dir = value();
      } else if (a == "--bbc-dir") {
        o.bbc_dir = value();
      } else if (a == "--merge-factor") {
        o.search_merge_factor = ToSize(a, value());
        if (o.search_merge_factor < 2) throw BenchError("--merge-factor must be at least 2");
      } else if (a == "--docs") {
        o.search_docs = ToSize(a, value());
      } else if (a == "--queries") {
        queries_flag = value();  // search: one number; alerts: a list (read below)
      } else if (a == "--seed") {
        o.search_seed = ToSize(a, value());
      } else if (a == "--repeat") {
        o.search_repeat = ToSize(a, value());
        if (o.search_repeat == 0) throw BenchError("--repeat must be at least 1");
      } else if (a == "--rounds") {
        o.search_rounds = ToSize(a, value());
        if (o.search_rounds == 0) throw BenchError("--rounds must be at least 1");
      } else if (a == "--engines") {
        o.search_engines = SplitList(value());
        for (const auto& e : o.search_engines) {
          if (e != "dateline" && e != "xapian" && e != "fts5") throw BenchError("bad --engines " + e);
        }
      } else if (a == "--classes") {
        o.search_classes = SplitList(value());
        for (const auto& c : o.search_classes) {
          if (c != "term" && c != "and" && c != "or" && c != "phrase" && c != "near" &&
              c != "filtered") {
            throw BenchError("bad --classes " + c + " (term, and, or, phrase, near, filtered)");
          }
        }
      } else if (a == "--binary") {
        o.binary = value();
      } else if (a == "--tmp-dir") {
        o.tmp_dir = value();
      } else if (a == "--threads") {
        o.server_threads = static_cast<int>(ToSize(a, value()));
      } else if (a == "--limit") {
        o.limit = ToSize(a, value());
      } else if (a == "--batch") {
        o.batch = ToSize(a, value());
        if (o.batch < 2) throw BenchError("--batch must be at least 2 (B=1 is always measured)");
      } else if (a == "--connections") {
        o.connections = ToSize(a, value());
      } else if (a == "--single-connections") {
        o.single_connections = ToSize(a, value());
      } else if (a == "--sync") {
        o.syncs = SplitList(value());
        for (const auto& s : o.syncs) {
          if (s != "always" && s != "interval" && s != "never") throw BenchError("bad --sync " + s);
        }
      } else if (a == "--peer-max-seconds") {
        o.peer_max_seconds = std::strtod(value().c_str(), nullptr);
      } else if (a == "--clients") {
        o.clients.clear();
        for (const auto& s : SplitList(value())) o.clients.push_back(ToSize(a, s));
      } else if (a == "--stories") {
        o.push_stories = ToSize(a, value());
      } else if (a == "--rate") {
        o.push_rate = std::strtod(value().c_str(), nullptr);
        if (!(o.push_rate > 0)) throw BenchError("--rate must be positive");
      } else if (a == "--mix") {
        o.alert_mixes = SplitList(value());
        for (const auto& m : o.alert_mixes) {
          if (m != "vocabulary" && m != "selective") throw BenchError("bad --mix " + m);
        }
        if (o.alert_mixes.empty()) throw BenchError("--mix needs at least one mix");
      } else if (a == "--e2e-alerts") {
        o.e2e_alerts = ToSize(a, value());
      } else if (a == "--e2e-stories") {
        o.e2e_stories = ToSize(a, value());
        if (o.e2e_stories == 0) throw BenchError("--e2e-stories must be at least 1");
      } else if (a == "--e2e-rate") {
        o.e2e_rate = std::strtod(value().c_str(), nullptr);
        if (!(o.e2e_rate > 0)) throw BenchError("--e2e-rate must be positive");
      } else if (a == "--push-sync") {
        o.push_sync = value();
      } else if (a == "--stream-queue") {
        o.stream_queue = ToSize(a, value());
      } else if (!a.empty() && a[0] != '-' && scenario.empty()) {
        scenario = a;
      } else {
        throw BenchError("unknown argument " + a + "\n" + kUsage);
      }
    }
    if (scenario != "ingest" && scenario != "push" && scenario != "search" &&
        scenario != "alerts" && scenario != "alerts-e2e" && scenario != "all") {
      std::fputs(kUsage, stderr);
      return 2;
    }
    if (!queries_flag.empty() && scenario == "alerts") {
      o.alert_queries.clear();
      for (const auto& s : SplitList(queries_flag)) o.alert_queries.push_back(ToSize("--queries", s));
      if (o.alert_queries.empty()) throw BenchError("--queries needs at least one size");
    } else if (!queries_flag.empty()) {
      o.search_queries = ToSize("--queries", queries_flag);
      if (o.search_queries == 0) throw BenchError("--queries must be at least 1");
    }
    if (o.smoke) {
      o.runs = 1;
      o.clients = {1, 20};
      o.push_stories = 50;
      o.search_docs = 4000;
      o.search_queries = 10;
      o.search_rounds = 1;
      o.alert_queries = {2000};
      o.e2e_alerts = 2000;
      o.e2e_stories = 30;
    }
    if (o.connections == 0 || o.single_connections == 0 || o.clients.empty() ||
        o.push_stories == 0) {
      throw BenchError("connections, clients and stories must be positive");
    }

    std::printf("dateline-bench\ncommand: %s\nmachine: %s\nbinary: %s\ndata: %s\nruns: %d%s\n",
                command.c_str(), MachineDescription().c_str(), o.binary.c_str(),
                o.data_dir.c_str(), o.runs, o.smoke ? " (smoke: tiny sizes, not a measurement)" : "");
    std::fflush(stdout);
    bool ok = true;
    if (scenario == "ingest" || scenario == "all") ok &= RunIngest(o);
    if (scenario == "push" || scenario == "all") ok &= RunPush(o);
    if (scenario == "search" || scenario == "all") ok &= RunSearch(o);
    if (scenario == "alerts") ok &= RunAlerts(o);
    if (scenario == "alerts-e2e") ok &= RunAlertsE2e(o);
    std::printf("\n%s\n", ok ? "dateline-bench: done" : "dateline-bench: FAILED");
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "dateline-bench: FAILED: %s\n", e.what());
    return 1;
  }
}
