// Scenario `search`: the same stories and the same queries through Dateline's SearchIndex, Xapian
// and SQLite FTS5, one engine per forked child process (so their memory does not mix), each
// single-threaded: indexing throughput, size on disk, time to reopen, and per-query latency of
// top-10 and exact counts for six query classes, in rounds that take turns between the engines.
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/bench_util.h"
#include "bench/corpus_gen.h"
#include "bench/scenarios.h"
#include "bench/search_engines.h"
#include "bench/search_queries.h"
#include "core/time_format.h"

namespace dateline::bench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::size_t kTopK = 10;

std::string Thousands(std::uint64_t n) {
  std::string s = std::to_string(n);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<std::size_t>(i), ",");
  return s;
}

// A line of /proc/self/status in KiB ("VmHWM", "VmRSS").
std::uint64_t StatusKiB(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::string prefix = std::string(key) + ":";
  while (std::getline(in, line)) {
    if (line.starts_with(prefix)) return std::strtoull(line.c_str() + prefix.size(), nullptr, 10);
  }
  return 0;
}

// Resets VmHWM to the current RSS (Linux: "5" to clear_refs), so the next phase's peak is its own.
void ResetPeakRss() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
}

std::uint64_t DiskBytes(const std::string& dir) {
  std::uint64_t total = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  }
  return total;
}

std::size_t RawBytes(const Story& s) {
  std::size_t n = s.headline.size() + s.summary.size();
  for (const Block& b : s.body) n += b.text.size();
  return n;
}

double MicrosSince(Clock::time_point t0) {
  return std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
}

// Indexing and reopening, inside the engine's own child process; the result as JSON. The index
// is left open and warmed up for the rounds of query timings.
json IndexAndReopen(const Options& o, SearchEngine& engine, const CorpusGenerator& gen,
                    const std::vector<BenchQuery>& queries, const TempDir& dir) {
  json r;
  r["engine"] = engine.Name();
  r["describe"] = engine.Describe();
  const std::uint64_t baseline_kib = StatusKiB("VmRSS");
  r["baseline_kib"] = baseline_kib;
  engine.Create(dir.path());

  // Indexing: stories are made in batches outside the clock; only the engine's calls are timed.
  const std::size_t n = gen.size();
  const std::size_t batch_size = 10000;
  std::vector<Story> batch;
  std::uint64_t raw_bytes = 0;
  double add_s = 0;
  double cpu_s = 0;  // CPU time of the indexing thread in the timed calls (the box is shared)
  const auto index_start = Clock::now();
  auto last_report = index_start;
  for (std::size_t first = 0; first < n; first += batch_size) {
    const std::size_t end = std::min(n, first + batch_size);
    batch.clear();
    for (std::size_t i = first; i < end; ++i) {
      batch.push_back(gen.Make(i));
      raw_bytes += RawBytes(batch.back());
    }
    const auto t0 = Clock::now();
    const double cpu0 = ThreadCpuSeconds();
    for (const Story& s : batch) engine.Add(s);
    cpu_s += ThreadCpuSeconds() - cpu0;
    add_s += Seconds(Clock::now() - t0);
    if (!o.smoke && (Seconds(Clock::now() - last_report) >= 15 || end == n)) {
      last_report = Clock::now();
      std::printf("  %-8s indexed %9s / %s stories, %.0f stories/s so far (%.0f s with making "
                  "the stories)\n",
                  engine.Name().c_str(), Thousands(end).c_str(), Thousands(n).c_str(),
                  static_cast<double>(end) / add_s, Seconds(Clock::now() - index_start));
      std::fflush(stdout);
    }
  }
  const auto c0 = Clock::now();
  const double commit_cpu0 = ThreadCpuSeconds();
  engine.Commit();
  cpu_s += ThreadCpuSeconds() - commit_cpu0;
  const double commit_s = Seconds(Clock::now() - c0);
  r["stories"] = n;
  r["raw_bytes"] = raw_bytes;
  r["add_s"] = add_s;
  r["commit_s"] = commit_s;
  r["cpu_s"] = cpu_s;
  r["index_peak_kib"] = StatusKiB("VmHWM");
  r["notes"] = engine.Notes();
  r["size_bytes"] = DiskBytes(dir.path());

  // Reopen: close, then open the committed index and run the first query.
  engine.Prepare(queries);
  engine.Close();
  ResetPeakRss();
  const auto o0 = Clock::now();
  engine.Reopen();
  r["open_us"] = MicrosSince(o0);
  engine.TopK(0, Order::kRelevance, kTopK);
  r["open_first_query_us"] = MicrosSince(o0);
  // One warm-up pass before the rounds of timings.
  for (std::size_t q = 0; q < queries.size(); ++q) engine.TopK(q, Order::kRelevance, kTopK);

  return r;
}

// One round of query timings: every query timed alone, one operation at a time (--repeat N: N
// times in a row, the median kept).
json TimeQueries(const Options& o, SearchEngine& engine, const std::vector<BenchQuery>& queries) {
  auto timed = [&](auto&& op) {
    std::vector<double> t;
    for (std::size_t i = 0; i < o.search_repeat; ++i) {
      const auto t0 = Clock::now();
      op();
      t.push_back(MicrosSince(t0));
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
  };
  std::vector<double> rel_us, new_us, count_us;
  std::vector<std::uint64_t> hits, counts;
  for (std::size_t q = 0; q < queries.size(); ++q) {
    std::size_t h = 0;
    rel_us.push_back(timed([&] { h = engine.TopK(q, Order::kRelevance, kTopK); }));
    hits.push_back(h);
  }
  if (engine.SupportsNewest()) {
    for (std::size_t q = 0; q < queries.size(); ++q) {
      new_us.push_back(timed([&] { engine.TopK(q, Order::kNewest, kTopK); }));
    }
  }
  // Top-k with the exact total, as the search API asks it.
  std::vector<double> rel_total_us, new_total_us;
  if (engine.SupportsTopKWithTotal()) {
    for (std::size_t q = 0; q < queries.size(); ++q) {
      rel_total_us.push_back(timed([&] { engine.TopKWithTotal(q, Order::kRelevance, kTopK); }));
    }
    for (std::size_t q = 0; q < queries.size(); ++q) {
      new_total_us.push_back(timed([&] { engine.TopKWithTotal(q, Order::kNewest, kTopK); }));
    }
  }
  for (std::size_t q = 0; q < queries.size(); ++q) {
    std::uint64_t c = 0;
    count_us.push_back(timed([&] { c = engine.Count(q); }));
    counts.push_back(c);
  }
  json r;
  r["rel_us"] = rel_us;
  r["new_us"] = new_us;
  r["count_us"] = count_us;
  r["rel_total_us"] = rel_total_us;
  r["new_total_us"] = new_total_us;
  r["hits"] = hits;
  r["counts"] = counts;
  return r;
}

// Writes `line` and a newline to fd whole (false if the reader is gone).
bool WriteLine(int fd, std::string line) {
  line += '\n';
  for (std::size_t off = 0; off < line.size();) {
    const ssize_t w = ::write(fd, line.data() + off, line.size() - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    off += static_cast<std::size_t>(w);
  }
  return true;
}

// Reads up to the next newline from fd (nullopt at the end of input).
std::optional<std::string> ReadLine(int fd) {
  std::string line;
  char ch = 0;
  for (;;) {
    const ssize_t got = ::read(fd, &ch, 1);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return std::nullopt;
    if (ch == '\n') return line;
    line += ch;
  }
}

// --known-bar: Dateline's relevance top-k of each class timed as run and started from each
// query's own final bar, the two alternating query by query, `rounds` times; prints each
// class's p50s and the ratios of the per-query medians.
void KnownBarReport(const Options& o, SearchEngine& engine,
                    const std::vector<BenchQuery>& queries) {
  std::vector<double> bar(queries.size());
  for (std::size_t q = 0; q < queries.size(); ++q) bar[q] = engine.RelevanceBar(q, kTopK);
  std::printf("\nknown bar: Dateline's relevance top-%zu as run and from each query's final bar"
              " (rounds: %zu, alternating; per-query medians)\n",
              kTopK, o.search_rounds);
  std::printf("  %-9s %12s %14s %12s %12s\n", "class", "p50 as run", "p50 from bar",
              "sum ratio", "geo-mean");
  for (std::size_t c = 0; c < kQueryClassCount; ++c) {
    const auto cls = static_cast<QueryClass>(c);
    std::vector<std::size_t> qs;  // none for a class left out by --classes
    for (std::size_t q = 0; q < queries.size(); ++q) {
      if (queries[q].cls == cls) qs.push_back(q);
    }
    if (qs.empty()) continue;
    std::vector<std::vector<double>> as_run(qs.size()), from_bar(qs.size());
    for (std::size_t r = 0; r < o.search_rounds; ++r) {
      for (std::size_t i = 0; i < qs.size(); ++i) {
        std::size_t hits[2] = {0, 0};  // as run, from the bar
        for (int side = 0; side < 2; ++side) {
          const bool known = (side == 0) == ((r + i) % 2 == 0);
          const auto t0 = Clock::now();
          hits[known] = known ? engine.TopKFromBar(qs[i], kTopK, bar[qs[i]])
                              : engine.TopK(qs[i], Order::kRelevance, kTopK);
          (known ? from_bar : as_run)[i].push_back(MicrosSince(t0));
        }
        if (hits[0] != hits[1]) {
          throw BenchError("--known-bar: query " + std::to_string(qs[i]) +
                           " found other hits from its bar");
        }
      }
    }
    std::vector<double> a, b;
    double sum_a = 0, sum_b = 0, log_ratio = 0;
    for (std::size_t i = 0; i < qs.size(); ++i) {
      a.push_back(Median(as_run[i]));
      b.push_back(Median(from_bar[i]));
      sum_a += a.back();
      sum_b += b.back();
      log_ratio += std::log(b.back() / a.back());
    }
    std::printf("  %-9s %9.0f µs %11.0f µs %12.2f %12.2f\n", QueryClassName(cls), Median(a),
                Median(b), sum_b / sum_a, std::exp(log_ratio / static_cast<double>(qs.size())));
  }
  std::printf("\n");
  std::fflush(stdout);
}

// The child's side: indexes and reopens, and reports that; then times a round of queries for
// every "q" the parent sends and reports it; on "x" (or the end of input) reports its peak
// memory since the reopen, and ends. Each report is one line of JSON.
int ChildMain(const Options& o, const std::string& name, const CorpusGenerator& gen,
              const std::vector<BenchQuery>& queries, int commands, int reports) {
  try {
    std::unique_ptr<SearchEngine> engine =
        name == "dateline" ? MakeDatelineEngine(o.search_merge_factor)
        : name == "xapian" ? MakeXapianEngine()
                           : MakeFts5Engine();
    TempDir dir(o.tmp_dir);
    const json indexed = IndexAndReopen(o, *engine, gen, queries, dir);
    // Printed before the parent hears of the index, while it waits: no lines interleave.
    if (o.search_known_bar && engine->SupportsKnownBar()) KnownBarReport(o, *engine, queries);
    if (!WriteLine(reports, indexed.dump())) return 1;
    for (;;) {
      const std::optional<std::string> command = ReadLine(commands);
      if (command && *command == "q") {
        if (!WriteLine(reports, TimeQueries(o, *engine, queries).dump())) return 1;
        continue;
      }
      json end;
      end["query_peak_kib"] = StatusKiB("VmHWM");
      engine->Close();
      WriteLine(reports, end.dump());
      return 0;
    }
  } catch (const std::exception& e) {
    WriteLine(reports, json{{"engine", name}, {"error", e.what()}}.dump());
    return 1;
  }
}

// An engine in its own forked child process (so the engines' memory does not mix), driven
// through two pipes (see ChildMain).
class EngineChild {
 public:
  EngineChild(const Options& o, const std::string& name, const CorpusGenerator& gen,
              const std::vector<BenchQuery>& queries)
      : name_(name) {
    int commands[2], reports[2];
    if (::pipe2(commands, O_CLOEXEC) != 0 || ::pipe2(reports, O_CLOEXEC) != 0) {
      throw BenchError("pipe failed");
    }
    std::fflush(stdout);
    std::fflush(stderr);
    pid_ = ::fork();
    if (pid_ < 0) throw BenchError("fork failed");
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive an interrupted bench
      ::close(commands[1]);
      ::close(reports[0]);
      const int code = ChildMain(o, name, gen, queries, commands[0], reports[1]);
      std::fflush(stdout);
      ::_exit(code);
    }
    ::close(commands[0]);
    ::close(reports[1]);
    commands_ = commands[1];
    reports_ = reports[0];
  }
  ~EngineChild() {
    ::close(commands_);
    ::close(reports_);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  EngineChild(const EngineChild&) = delete;
  EngineChild& operator=(const EngineChild&) = delete;

  const std::string& name() const { return name_; }

  // The next report, after sending `command` (none: the first report, indexing's).
  json Report(const char* command = nullptr) {
    if (command != nullptr && !WriteLine(commands_, command)) return Died();
    const std::optional<std::string> line = ReadLine(reports_);
    if (!line) return Died();
    return json::parse(*line);
  }

 private:
  json Died() const {
    return json{{"engine", name_}, {"error", "the child process died without a result"}};
  }

  std::string name_;
  pid_t pid_ = -1;
  int commands_ = -1;
  int reports_ = -1;
};

// Each query's median over the rounds of the timings under `key`.
std::vector<double> MedianOverRounds(const std::vector<json>& rounds, const char* key) {
  std::vector<double> out;
  if (rounds.empty()) return out;
  const std::size_t n = rounds[0].at(key).size();
  for (std::size_t q = 0; q < n; ++q) {
    std::vector<double> t;
    for (const json& r : rounds) t.push_back(r.at(key).at(q).get<double>());
    out.push_back(Median(std::move(t)));
  }
  return out;
}

struct Stats {
  double p50 = 0, p99 = 0, mean = 0;
};

Stats Summarise(std::vector<double> v) {
  Stats s;
  if (v.empty()) return s;
  double sum = 0;
  for (double x : v) sum += x;
  s.mean = sum / static_cast<double>(v.size());
  SortSample(v);
  s.p50 = Percentile(v, 0.50);
  s.p99 = Percentile(v, 0.99);
  return s;
}

// The values of `key` (an array over all queries) for the queries of class c.
template <typename T>
std::vector<T> OfClass(const json& r, const char* key, const std::vector<BenchQuery>& queries,
                       QueryClass c) {
  std::vector<T> out;
  const json& a = r.at(key);
  for (std::size_t q = 0; q < queries.size() && q < a.size(); ++q) {
    if (queries[q].cls == c) out.push_back(a[q].get<T>());
  }
  return out;
}

std::string Cell(double us) {
  if (us >= 100000) return Format("%.0fms", us / 1000);
  if (us >= 10000) return Format("%.1fms", us / 1000);
  return Format("%.0f", us);
}

}  // namespace

bool RunSearch(const Options& o) {
  const auto t_load = Clock::now();
  const RealCorpus real = LoadRealCorpus(o.data_dir, o.bbc_dir, o.smoke ? 1 : 0);
  const double load_s = Seconds(Clock::now() - t_load);
  GeneratorOptions gopt;
  gopt.seed = o.search_seed;
  gopt.total = o.search_docs;
  const auto t_model = Clock::now();
  const CorpusGenerator gen(real, gopt);
  const double model_s = Seconds(Clock::now() - t_model);
  std::vector<BenchQuery> queries = MakeQueries(real, gen.options(), o.search_queries,
                                                o.search_seed);
  if (!o.search_classes.empty()) {
    // Made in full first, so that a class's queries are those of a run of every class.
    std::erase_if(queries, [&](const BenchQuery& q) {
      return std::find(o.search_classes.begin(), o.search_classes.end(),
                       QueryClassName(q.cls)) == o.search_classes.end();
    });
  }

  std::printf("\n== search: top-%zu and exact counts, Dateline vs Xapian vs SQLite FTS5, "
              "single-threaded\n", kTopK);
  std::printf("corpus: %s real stories (Reuters-21578 %s + BBC News %s, loaded in %.1f s), grown "
              "to %s by a word-bigram model\n        of the real text (%s words, %s body and %s "
              "headline bigrams, built in %.1f s; seed %llu),\n        lengths and tags from "
              "real template stories, published over %s .. %s\n",
              Thousands(real.stories.size()).c_str(), Thousands(real.reuters).c_str(),
              Thousands(real.bbc).c_str(), load_s, Thousands(gen.size()).c_str(),
              Thousands(gen.vocabulary()).c_str(), Thousands(gen.body_bigrams()).c_str(),
              Thousands(gen.headline_bigrams()).c_str(), model_s,
              static_cast<unsigned long long>(o.search_seed),
              FormatRfc3339(gopt.start_us).substr(0, 10).c_str(),
              FormatRfc3339(gopt.start_us + gopt.span_us - 1).substr(0, 10).c_str());
  if (gen.size() > real.stories.size()) {
    const Story sample = gen.Make(real.stories.size());
    std::string body = sample.BodyText().substr(0, 240);
    for (char& ch : body) {
      if (ch == '\n') ch = ' ';
    }
    std::printf("a generated story (%s): %s -- %s...\n", sample.source.c_str(),
                sample.headline.c_str(), body.c_str());
  }
  std::printf("queries: %zu per class from the real vocabulary, e.g.\n", o.search_queries);
  for (std::size_t c = 0; c < kQueryClassCount; ++c) {
    for (std::size_t q = 0; q < queries.size(); ++q) {
      if (static_cast<std::size_t>(queries[q].cls) == c) {
        std::printf("  %-8s %s\n", QueryClassName(queries[q].cls),
                    ToDatelineQuery(queries[q]).c_str());
        break;
      }
    }
  }
  std::printf("index folders in %s (%s)\n", o.tmp_dir.empty() ? "$TMPDIR or /tmp" : o.tmp_dir.c_str(),
              FileSystemType(o.tmp_dir.empty() ? "/tmp" : o.tmp_dir).c_str());
  std::fflush(stdout);

  std::vector<std::string> names;
  bool ok = true;
  for (const auto& name : o.search_engines) {
    if (name == "dateline" && MakeDatelineEngine() == nullptr) {
      std::printf("dateline: NOT MEASURED: this dateline-bench was built without the index "
                  "library (index/)\n");
      continue;
    }
    names.push_back(name);
  }
  // Every engine indexes alone (one child at a time); then their rounds of query timings take
  // turns, so that a slower or quicker period of a shared machine falls on all of them.
  std::vector<std::unique_ptr<EngineChild>> children;
  std::vector<json> results;
  for (const auto& name : names) {
    std::printf("%s: indexing %s stories ...\n", name.c_str(), Thousands(gen.size()).c_str());
    std::fflush(stdout);
    auto child = std::make_unique<EngineChild>(o, name, gen, queries);
    json r = child->Report();
    if (r.contains("error")) {
      std::printf("%s: FAILED: %s\n", name.c_str(), r["error"].get<std::string>().c_str());
      ok = false;
      continue;
    }
    children.push_back(std::move(child));
    results.push_back(std::move(r));
  }
  std::vector<std::vector<json>> rounds(children.size());
  std::vector<bool> failed(children.size(), false);
  for (std::size_t round = 0; round < o.search_rounds && !children.empty(); ++round) {
    std::printf("query timings, round %zu of %zu ...\n", round + 1, o.search_rounds);
    std::fflush(stdout);
    for (std::size_t k = 0; k < children.size(); ++k) {
      const std::size_t i = (round + k) % children.size();  // each round starts with the next
      if (failed[i]) continue;
      json r = children[i]->Report("q");
      if (r.contains("error")) {
        std::printf("%s: FAILED: %s\n", children[i]->name().c_str(),
                    r["error"].get<std::string>().c_str());
        failed[i] = true;
        ok = false;
        continue;
      }
      rounds[i].push_back(std::move(r));
    }
  }
  std::vector<json> measured;
  for (std::size_t i = 0; i < children.size(); ++i) {
    if (failed[i]) continue;
    json& r = results[i];
    const json end = children[i]->Report("x");
    r["query_peak_kib"] = end.value("query_peak_kib", 0.0);
    for (const char* key : {"rel_us", "new_us", "count_us", "rel_total_us", "new_total_us"}) {
      r[key] = MedianOverRounds(rounds[i], key);
    }
    r["hits"] = rounds[i][0]["hits"];
    r["counts"] = rounds[i][0]["counts"];
    for (const json& other : rounds[i]) {
      if (other["counts"] != r["counts"] || other["hits"] != r["hits"]) {
        std::printf("check FAILED: %s: the hits or counts of a query differ between rounds\n",
                    children[i]->name().c_str());
        ok = false;
        break;
      }
    }
    measured.push_back(std::move(r));
  }
  children.clear();
  results = std::move(measured);
  if (results.empty()) return false;

  std::printf("\nengines:\n");
  for (const auto& r : results) {
    std::printf("  %-8s %s\n", r["engine"].get<std::string>().c_str(),
                r["describe"].get<std::string>().c_str());
  }
  std::printf("\nindexing and opening (each engine in its own process; RSS = peak above the %.0f "
              "MiB the process held at fork)\n",
              results[0]["baseline_kib"].get<double>() / 1024);
  std::printf("%-8s %9s %9s %7s %8s %8s %10s %8s %8s %9s %9s %11s %9s\n", "engine", "stories",
              "stories/s", "MB/s", "index s", "commit s", "st/cpu-s", "size MB", "size/raw",
              "idx RSS", "open ms", "open+1q ms", "query RSS");
  for (const auto& r : results) {
    const double secs = r["add_s"].get<double>() + r["commit_s"].get<double>();
    const double raw = r["raw_bytes"].get<double>();
    const double base = r["baseline_kib"].get<double>();
    std::printf("%-8s %9s %9.0f %7.2f %8.1f %8.2f %10.0f %8.1f %7.0f%% %6.0fMiB %9.1f %11.1f "
                "%6.0fMiB\n",
                r["engine"].get<std::string>().c_str(),
                Thousands(r["stories"].get<std::uint64_t>()).c_str(),
                r["stories"].get<double>() / secs, raw / 1e6 / secs, secs,
                r["commit_s"].get<double>(),
                r["stories"].get<double>() / std::max(1e-9, r["cpu_s"].get<double>()),
                r["size_bytes"].get<double>() / 1e6, 100.0 * r["size_bytes"].get<double>() / raw,
                (r["index_peak_kib"].get<double>() - base) / 1024,
                r["open_us"].get<double>() / 1000, r["open_first_query_us"].get<double>() / 1000,
                (r["query_peak_kib"].get<double>() - base) / 1024);
  }
  std::printf("raw text: %.1f MB (headline + summary + body bytes); index s includes the final "
              "commit/flush (commit s); "
              "st/cpu-s = stories per CPU-second of the indexing thread (same calls)\n",
              results[0]["raw_bytes"].get<double>() / 1e6);
  for (const auto& r : results) {
    if (!r["notes"].get<std::string>().empty()) {
      std::printf("  %-8s %s\n", r["engine"].get<std::string>().c_str(),
                  r["notes"].get<std::string>().c_str());
    }
  }

  // Latency table: one row per class and operation, p50/p99/mean µs per engine, then ratios.
  const json* dl = nullptr;
  for (const auto& r : results) {
    if (r["engine"] == "dateline") dl = &r;
  }
  std::printf("\nquery latency in µs (each query timed alone after a warm-up pass%s; %s; p50 / "
              "p99 / mean);\nratio = peer p50 / dateline p50 (> 1: Dateline is faster); count = "
              "mean matches per query\n",
              o.search_repeat > 1
                  ? Format(", the median of %zu timings", o.search_repeat).c_str()
                  : "",
              o.search_rounds > 1
                  ? Format("%zu rounds, the engines' rounds taking turns, each query's median "
                           "over them", o.search_rounds).c_str()
                  : "one round");
  std::printf("%-8s %-9s", "class", "op");
  for (const auto& r : results) {
    std::printf(" | %-23s", (r["engine"].get<std::string>() + " p50/p99/mean").c_str());
  }
  if (dl) {
    for (const auto& r : results) {
      if (&r != dl) std::printf(" | %7s", (r["engine"].get<std::string>().substr(0, 1) + "/d").c_str());
    }
  }
  std::printf(" | count");
  for (const auto& r : results) std::printf(" %s", r["engine"].get<std::string>().substr(0, 1).c_str());
  std::printf("\n");
  struct Op {
    const char* name;
    const char* key;
  };
  const Op ops[] = {{"top10 rel", "rel_us"},       {"top10 new", "new_us"},
                    {"rel+total", "rel_total_us"}, {"new+total", "new_total_us"},
                    {"count", "count_us"}};
  for (std::size_t c = 0; c < kQueryClassCount; ++c) {
    const auto cls = static_cast<QueryClass>(c);
    if (std::none_of(queries.begin(), queries.end(),
                     [&](const BenchQuery& q) { return q.cls == cls; })) {
      continue;  // not in --classes
    }
    for (const Op& op : ops) {
      bool any = false;
      for (const auto& r : results) any |= !r[op.key].empty();
      if (!any) continue;
      std::printf("%-8s %-9s", QueryClassName(cls), op.name);
      std::map<std::string, Stats> st;
      for (const auto& r : results) {
        const auto v = OfClass<double>(r, op.key, queries, cls);
        if (v.empty()) {
          std::printf(" | %-23s", "-");
          continue;
        }
        const Stats s = Summarise(v);
        st[r["engine"].get<std::string>()] = s;
        std::printf(" | %7s %7s %7s", Cell(s.p50).c_str(), Cell(s.p99).c_str(), Cell(s.mean).c_str());
      }
      if (dl) {
        for (const auto& r : results) {
          if (&r == dl) continue;
          const auto peer = st.find(r["engine"].get<std::string>());
          const auto own = st.find("dateline");
          if (peer == st.end() || own == st.end() || own->second.p50 <= 0) {
            std::printf(" | %7s", "-");
          } else {
            std::printf(" | %7.2f", peer->second.p50 / own->second.p50);
          }
        }
      }
      std::printf(" |");
      if (std::string(op.key) == "count_us") {
        for (const auto& r : results) {
          const auto counts = OfClass<std::uint64_t>(r, "counts", queries, cls);
          double sum = 0;
          for (auto x : counts) sum += static_cast<double>(x);
          std::printf(" %s", Thousands(static_cast<std::uint64_t>(sum / std::max<std::size_t>(1, counts.size()))).c_str());
        }
      }
      std::printf("\n");
    }
  }

  // Agreement of the exact counts with Xapian (same stemmer family and the same exact-form
  // phrase/NEAR semantics; FTS5's Porter stemmer and its own tokenizer differ more).
  const json* xa = nullptr;
  for (const auto& r : results) {
    if (r["engine"] == "xapian") xa = &r;
  }
  if (xa) {
    std::printf("\ncounts equal to Xapian's, per class (queries with the same exact count):\n");
    for (const auto& r : results) {
      if (&r == xa) continue;
      std::printf("  %-8s", r["engine"].get<std::string>().c_str());
      for (std::size_t c = 0; c < kQueryClassCount; ++c) {
        const auto cls = static_cast<QueryClass>(c);
        const auto a = OfClass<std::uint64_t>(r, "counts", queries, cls);
        const auto b = OfClass<std::uint64_t>(*xa, "counts", queries, cls);
        std::size_t same = 0;
        for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) same += a[i] == b[i];
        std::printf(" %s %zu/%zu", QueryClassName(cls), same, a.size());
      }
      std::printf("\n");
    }
  }

  // Sanity checks (what --smoke asserts; a full run fails on them too).
  for (const auto& r : results) {
    const std::string name = r["engine"].get<std::string>();
    const auto hits = OfClass<std::uint64_t>(r, "hits", queries, QueryClass::kTerm);
    const auto counts = OfClass<std::uint64_t>(r, "counts", queries, QueryClass::kTerm);
    if (hits.empty()) continue;  // --classes without term
    std::uint64_t h = 0, n = 0;
    for (auto x : hits) h += x;
    for (auto x : counts) n += x;
    if (h == 0 || n == 0) {
      std::printf("check FAILED: %s returned no hits for the term queries\n", name.c_str());
      ok = false;
    }
  }
  if (dl && xa) {
    for (QueryClass cls : {QueryClass::kTerm, QueryClass::kAnd}) {
      const auto a = OfClass<std::uint64_t>(*dl, "counts", queries, cls);
      const auto b = OfClass<std::uint64_t>(*xa, "counts", queries, cls);
      std::size_t agree = 0;
      for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) agree += (a[i] > 0) == (b[i] > 0);
      if (10 * agree < 9 * a.size()) {
        std::printf("check FAILED: %s queries: Dateline and Xapian agree on whether anything "
                    "matches for only %zu of %zu\n", QueryClassName(cls), agree, a.size());
        ok = false;
      }
    }
  }
  std::fflush(stdout);
  return ok;
}

}  // namespace dateline::bench
