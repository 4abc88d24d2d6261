// dateline-bench alerts: the standing-query matcher (match/matcher.h) at 10k to 1.5M alerts.
//
// Queries are drawn from the real vocabulary of Reuters-21578 + BBC News in a mix like the one
// people save (1-5 word ANDs, phrases from real bigrams, S&P 500 company names and tickers, ORs of
// 10-50 words, NEAR, negations, field filters, and one in 2,000 an OR of ~20,000 characters). For
// each size: parse + compile every query string as a start-up rebuild would (time, queries/s,
// memory), stream every story through Match on one thread (per-story latency, stories/s,
// candidates and fired per story), time Add / replace / Remove at full size, and — where it
// finishes — brute force with the reference evaluator (index/linear_scan.h) over every query on a
// sample of stories: the peer, reported as a ratio, its fired sets checked equal to the matcher's.
#include <malloc.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include "bench/alert_workload.h"
#include "bench/bench_util.h"
#include "bench/scenarios.h"
#include "index/analyzed_story.h"
#include "index/linear_scan.h"
#include "ingest/bbc_text.h"
#include "match/matcher.h"
#include "match/random_queries.h"
#include "query/parser.h"

namespace dateline::bench {
namespace {

// CPU time of the calling thread, seconds, to the nanosecond (getrusage counts in ticks, too
// coarse for one Add).
double ThreadCpu() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Current and peak resident set of this process, KiB.
std::pair<std::uint64_t, std::uint64_t> RssKiB() {
  std::ifstream in("/proc/self/status");
  std::string line;
  std::uint64_t rss = 0, hwm = 0;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) rss = std::stoull(line.substr(6));
    if (line.rfind("VmHWM:", 0) == 0) hwm = std::stoull(line.substr(6));
  }
  return {rss, hwm};
}

struct SizeResult {
  std::string mix;
  std::size_t queries = 0;
  double build_s = 0, build_qps = 0;
  double matcher_mib = 0, rss_mib = 0;
  std::uint64_t always = 0;
  double p50_ms = 0, p99_ms = 0, max_ms = 0, stories_per_s = 0;
  double stories_per_cpu_s = 0;  // on the machine's load: the wall-clock rate understates it
  // The same with the matched terms of every fired alert assembled (Fired::MatchedTerms), as a
  // server that delivered every one would; and those terms' CPU time per story.
  double with_terms_per_cpu_s = 0, terms_us = 0, terms_per_fired = 0;
  double build_cpu_s = 0;
  double candidates = 0, fired = 0, checked_out = 0, decided = 0;
  double cpu_p50_ms = 0, cpu_p99_ms = 0;  // per-story CPU time of the matching thread
  std::string slowest;                    // what the slowest 1% of stories (by CPU) look like
  double add_p99_us = 0, add_max_us = 0, remove_p99_us = 0;
  double add_max_cpu_us = 0;  // CPU time of the slowest Add: tells a slow Add from a preempted one
  double brute_per_s = 0;  // 0: not run
  std::size_t brute_stories = 0;
};

}  // namespace

match::RandomQueries::Companies LoadSp500(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw BenchError("missing " + path);
  match::RandomQueries::Companies out;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<std::string> cols;
    std::string cur;
    bool quoted = false;
    for (char c : line) {
      if (c == '"') {
        quoted = !quoted;
      } else if (c == ',' && !quoted) {
        cols.push_back(cur);
        cur.clear();
      } else {
        cur += c;
      }
    }
    cols.push_back(cur);
    // Characters the query lexer reads specially are left out.
    if (cols.size() < 2 || cols[0].empty() || cols[1].empty() ||
        (cols[0] + cols[1]).find_first_of("\"():*\\[]{}") != std::string::npos) {
      continue;
    }
    out.emplace_back(cols[0], cols[1]);
  }
  return out;
}

bool RunAlerts(const Options& o) {
  std::printf("\n== alerts: standing-query matcher, one thread ==\n");
  const std::string shared = o.data_dir + "/..";
  Corpus reuters = LoadReuters(o.data_dir, 0, 0);
  auto bbc = LoadBbcCorpus(shared + "/bbc");
  if (!bbc.ok()) throw BenchError("BBC News: " + bbc.status().ToString());
  std::vector<Story> stories = std::move(reuters.stories);
  for (Story& s : *bbc) stories.push_back(std::move(s));
  for (std::size_t i = 0; i < stories.size(); ++i) {
    if (stories[i].received_us == 0) stories[i].received_us = 536457600000000 + static_cast<std::int64_t>(i);
  }
  const match::RandomQueries::Companies companies = LoadSp500(shared + "/gazetteers/sp500-constituents.csv");
  const match::Vocabulary vocabulary = match::BuildVocabulary(stories, 42);
  const std::size_t stream = o.smoke ? 300 : stories.size();
  const std::int64_t now_us = vocabulary.max_time;
  std::printf("corpus: %zu stories (Reuters-21578 + BBC News), %zu distinct words, %zu bigrams, "
              "%zu S&P 500 companies; streamed: %zu\n",
              stories.size(), vocabulary.distinct_words.size(), vocabulary.bigrams.size(),
              companies.size(), stream);

  std::vector<SizeResult> results;
  bool ok = true;
  for (const std::string& mix : o.alert_mixes) {
  const bool selective = mix == "selective";
  std::printf("\nmix: %s\n", selective ? "selective (alert words occur at most 50 times in the corpus)"
                                       : "vocabulary (alert words: any content word)");
  for (std::size_t size : o.alert_queries) {
    SizeResult r;
    r.mix = mix;
    r.queries = size;
    const std::uint64_t base_rss = RssKiB().first;
    // The stored query strings, as the alert store would hand them over at start-up.
    match::RandomQueries gen(vocabulary, 1000 + static_cast<std::uint32_t>(size), selective);
    std::vector<std::string> texts;
    texts.reserve(size);
    std::size_t text_bytes = 0;
    for (std::size_t i = 0; i < size; ++i) {
      texts.push_back(i % 2000 == 1999 ? gen.Long(20000) : gen.Alert(companies));
      text_bytes += texts.back().capacity() + sizeof(std::string);
    }

    auto matcher = std::make_unique<match::Matcher>();
    // Term statistics from a sample of the stream, as a running server has them.
    for (std::size_t i = 0; i < stories.size(); i += 20) matcher->Match(stories[i], now_us);

    std::size_t rejected = 0, refused = 0;
    const double cpu0 = ThreadCpu();
    const auto t0 = Clock::now();
    for (std::size_t i = 0; i < size; ++i) {
      query::ParseResult parsed = query::Parse(texts[i]);
      if (!parsed.ok()) {
        ++rejected;
        continue;
      }
      if (!matcher->Add(i + 1, *parsed).ok()) ++refused;
    }
    r.build_s = Seconds(Clock::now() - t0);
    r.build_cpu_s = ThreadCpu() - cpu0;
    r.build_qps = static_cast<double>(size) / r.build_s;
    const match::MatcherStats st = matcher->Stats();
    r.always = st.always_verified;
    r.matcher_mib = static_cast<double>(st.memory_bytes) / 1048576.0;
    if (rejected + refused > size / 100) {
      std::printf("FAILED: %zu query strings rejected by the parser, %zu refused\n", rejected, refused);
      ok = false;
    }

    // Brute force first (it needs the strings), on a sample.
    std::vector<std::set<std::uint64_t>> brute_fired;
    std::vector<std::size_t> brute_sample;
    const std::size_t brute_n = size <= 20000 ? (o.smoke ? 20 : 200) : size <= 150000 ? 20 : 0;
    if (brute_n > 0) {
      std::vector<query::NodePtr> nodes(size);
      for (std::size_t i = 0; i < size; ++i) {
        query::ParseResult parsed = query::Parse(texts[i]);
        if (parsed.ok()) nodes[i] = std::move(parsed.node());
      }
      const auto b0 = Clock::now();
      for (std::size_t k = 0; k < brute_n; ++k) {
        const std::size_t si = k * stream / brute_n;
        brute_sample.push_back(si);
        const index::AnalyzedStory a = index::Analyze(stories[si]);
        std::set<std::uint64_t> f;
        for (std::size_t i = 0; i < size; ++i) {
          if (nodes[i] && index::Matches(*nodes[i], a, now_us)) f.insert(i + 1);
        }
        brute_fired.push_back(std::move(f));
      }
      r.brute_per_s = static_cast<double>(brute_n) / Seconds(Clock::now() - b0);
      r.brute_stories = brute_n;
    }

    std::vector<std::pair<std::uint64_t, std::string>> examples;  // for the costliest report
    std::vector<std::string>().swap(texts);
    malloc_trim(0);
    const std::uint64_t rss_after = RssKiB().first;
    r.rss_mib = static_cast<double>(rss_after > base_rss ? rss_after - base_rss : 0) / 1024.0;

    std::vector<double> ms, cpu_ms;
    ms.reserve(stream);
    cpu_ms.reserve(stream);
    std::vector<match::MatchStats> per_story(stream);
    std::uint64_t candidates = 0, fired = 0, checked_out = 0, decided = 0, terms = 0;
    double terms_cpu_s = 0, terms_s = 0;
    std::size_t mismatches = 0, next_brute = 0;
    // On stderr, so that a profiler can be attached to the matching phase alone.
    std::fprintf(stderr, "alerts: streaming %zu stories through %zu queries\n", stream, size);
    std::fflush(stderr);
    const double scpu0 = ThreadCpu();
    const auto s0 = Clock::now();
    for (std::size_t i = 0; i < stream; ++i) {
      match::MatchStats ms_stats;
      const double c = ThreadCpu();
      const auto a = Clock::now();
      const std::vector<match::Fired> f = matcher->Match(stories[i], now_us, &ms_stats);
      ms.push_back(Millis(Clock::now() - a));
      const double after_match = ThreadCpu();
      cpu_ms.push_back((after_match - c) * 1e3);
      const auto terms0 = Clock::now();
      for (const match::Fired& x : f) terms += x.MatchedTerms().size();
      terms_s += Seconds(Clock::now() - terms0);
      terms_cpu_s += ThreadCpu() - after_match;
      per_story[i] = ms_stats;
      candidates += ms_stats.candidates;
      checked_out += ms_stats.checked_out;
      decided += ms_stats.decided;
      fired += f.size();
      if (next_brute < brute_sample.size() && brute_sample[next_brute] == i) {
        std::set<std::uint64_t> got;
        for (const match::Fired& x : f) got.insert(x.query_id);
        if (got != brute_fired[next_brute]) ++mismatches;
        ++next_brute;
      }
    }
    const double stream_s = Seconds(Clock::now() - s0);
    r.stories_per_s = static_cast<double>(stream) / (stream_s - terms_s);
    const double stream_cpu_s = ThreadCpu() - scpu0;
    r.stories_per_cpu_s = static_cast<double>(stream) / (stream_cpu_s - terms_cpu_s);
    r.with_terms_per_cpu_s = static_cast<double>(stream) / stream_cpu_s;
    r.terms_us = terms_cpu_s * 1e6 / static_cast<double>(stream);
    r.terms_per_fired = fired > 0 ? static_cast<double>(terms) / static_cast<double>(fired) : 0;
    r.max_ms = *std::max_element(ms.begin(), ms.end());
    r.p50_ms = Percentile(ms, 0.50);
    r.p99_ms = Percentile(ms, 0.99);
    r.candidates = static_cast<double>(candidates) / static_cast<double>(stream);
    r.fired = static_cast<double>(fired) / static_cast<double>(stream);
    r.checked_out = static_cast<double>(checked_out) / static_cast<double>(stream);
    r.decided = static_cast<double>(decided) / static_cast<double>(stream);
    {
      // The slowest 1% of stories by CPU time against all: their length, candidates and fired.
      std::vector<std::size_t> order(stream);
      for (std::size_t i = 0; i < stream; ++i) order[i] = i;
      std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return cpu_ms[x] > cpu_ms[y]; });
      auto describe = [&](std::size_t n) {
        double chars = 0, cand = 0, fire = 0, dec = 0, cpu = 0;
        for (std::size_t k = 0; k < n; ++k) {
          const Story& st = stories[order[k]];
          std::size_t len = st.headline.size() + st.summary.size();
          for (const Block& b : st.body) len += b.text.size();
          chars += static_cast<double>(len);
          cand += static_cast<double>(per_story[order[k]].candidates);
          dec += static_cast<double>(per_story[order[k]].decided);
          fire += static_cast<double>(per_story[order[k]].matched);
          cpu += cpu_ms[order[k]];
        }
        const double d = static_cast<double>(std::max<std::size_t>(n, 1));
        return Format("%.2f ms CPU, %.0f chars, %.0f verified, %.0f decided, %.0f fired", cpu / d, chars / d,
                      cand / d, dec / d, fire / d);
      };
      r.slowest = "slowest 1% of stories: " + describe(std::max<std::size_t>(stream / 100, 1)) +
                  "; all stories: " + describe(stream);
    }
    r.cpu_p50_ms = Percentile(cpu_ms, 0.50);
    r.cpu_p99_ms = Percentile(cpu_ms, 0.99);
    if (mismatches > 0) {
      std::printf("FAILED: %zu sampled stories fired differently from brute force\n", mismatches);
      ok = false;
    }

    // Changes at full size: new alerts, replaced alerts, removed alerts.
    std::vector<double> add_us, remove_us;
    for (std::size_t i = 0; i < (o.smoke ? 100 : 2000); ++i) {
      query::ParseResult parsed = query::Parse(gen.Alert(companies));
      if (!parsed.ok()) continue;
      const std::uint64_t id = i % 2 == 0 ? size + 1 + i : 1 + (i * 7919) % size;  // new / replace
      const double c = ThreadCpu();
      const auto a = Clock::now();
      const Status s = matcher->Add(id, *parsed);
      add_us.push_back(Millis(Clock::now() - a) * 1000);
      r.add_max_cpu_us = std::max(r.add_max_cpu_us, (ThreadCpu() - c) * 1e6);
      if (!s.ok()) ok = false;
    }
    for (std::size_t i = 0; i < (o.smoke ? 100 : 2000); ++i) {
      const auto a = Clock::now();
      matcher->Remove(1 + (i * 104729) % size);
      remove_us.push_back(Millis(Clock::now() - a) * 1000);
    }
    r.add_max_us = *std::max_element(add_us.begin(), add_us.end());
    r.add_p99_us = Percentile(add_us, 0.99);
    r.remove_p99_us = Percentile(remove_us, 0.99);

    std::printf("%9zu queries: build %.2f s (%.2f s CPU, %.0f queries/s), %llu always verified, matcher "
                "%.0f MiB (estimate) / %.0f MiB RSS growth; %.0f stories/s (%.0f per CPU second; %.0f with every fired alert's matched terms, %.1f us CPU per story for %.1f words per alert), p50 %.3f ms, "
                "p99 %.3f ms, max %.2f ms (CPU p50 %.3f ms, p99 %.3f ms), %.1f candidates verified (%.1f more dropped by their required-key check, %.1f entries decided from the story's keys) and %.1f fired per story; Add p99 %.0f us max %.0f us "
                "(max %.0f us CPU), Remove p99 %.0f us",
                size, r.build_s, r.build_cpu_s, r.build_qps, static_cast<unsigned long long>(r.always),
                r.matcher_mib, r.rss_mib, r.stories_per_s, r.stories_per_cpu_s, r.with_terms_per_cpu_s, r.terms_us,
                r.terms_per_fired, r.p50_ms, r.p99_ms, r.max_ms,
                r.cpu_p50_ms, r.cpu_p99_ms, r.candidates, r.checked_out, r.decided, r.fired, r.add_p99_us, r.add_max_us, r.add_max_cpu_us, r.remove_p99_us);
    if (r.brute_per_s > 0) {
      std::printf("; brute force %.2f stories/s on %zu stories (matcher/brute force %.0fx), fired sets %s",
                  r.brute_per_s, r.brute_stories, r.stories_per_s / r.brute_per_s,
                  mismatches == 0 ? "equal" : "DIFFER");
    }
    std::printf("\n           %s\n", r.slowest.c_str());
    const auto costly = matcher->CostliestQueries(3);
    std::printf("           costliest queries (id: verification work):");
    for (const auto& [id, work] : costly) {
      std::printf(" %llu: %llu", static_cast<unsigned long long>(id), static_cast<unsigned long long>(work));
    }
    std::printf("\n");
    std::fflush(stdout);
    results.push_back(r);
    matcher.reset();
    malloc_trim(0);
  }
  }

  std::printf("\n| mix | queries | build s (CPU s) | queries/s | always verified | matcher MiB (est.) | RSS growth MiB "
              "| stories/s (per CPU s) | per CPU s with matched terms | p50 ms | p99 ms | max ms | candidates/story | fired/story | Add p99 / max µs "
              "| Remove p99 µs | brute force stories/s | matcher/brute |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const SizeResult& r : results) {
    std::printf("| %s | %zu | %.2f (%.2f) | %.0f | %llu | %.0f | %.0f | %.0f (%.0f) | %.0f | %.3f | %.3f | %.2f | %.1f | %.1f | %.0f / %.0f | %.0f | %s | %s |\n",
                r.mix.c_str(), r.queries, r.build_s, r.build_cpu_s, r.build_qps, static_cast<unsigned long long>(r.always),
                r.matcher_mib, r.rss_mib, r.stories_per_s, r.stories_per_cpu_s, r.with_terms_per_cpu_s, r.p50_ms, r.p99_ms, r.max_ms, r.candidates,
                r.fired, r.add_p99_us, r.add_max_us, r.remove_p99_us,
                r.brute_per_s > 0 ? Format("%.2f (%zu stories)", r.brute_per_s, r.brute_stories).c_str() : "—",
                r.brute_per_s > 0 ? Format("%.0fx", r.stories_per_s / r.brute_per_s).c_str() : "—");
  }
  std::printf("peak RSS of the bench process (VmHWM): %.0f MiB\n", static_cast<double>(RssKiB().second) / 1024.0);
  return ok;
}

}  // namespace dateline::bench
