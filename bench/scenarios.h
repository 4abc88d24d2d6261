// The scenarios of dateline-bench. Each prints its table and returns true when every check passed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace dateline::bench {

struct Options {
  std::string binary;        // the dateline executable
  std::string data_dir;      // folder with reut2-*.sgm
  std::string bbc_dir;       // BBC News (business/, entertainment/, ...); search only
  std::string tmp_dir;       // parent of the temporary data folders ("" = $TMPDIR or /tmp)
  bool smoke = false;        // tiny sizes: checks that everything runs
  int runs = 3;              // repetitions of each configuration; medians are reported
  int server_threads = 2;    // dateline serve --threads

  // ingest
  std::size_t limit = 0;               // stories (0: the whole corpus)
  std::size_t batch = 100;             // stories per NDJSON request
  std::size_t connections = 4;         // concurrent keep-alive connections for batches
  std::size_t single_connections = 16; // connections for the one-story-per-request configuration
  std::vector<std::string> syncs = {"always", "never"};
  double peer_max_seconds = 10;        // cap on one SQLite load (fsync per row is slow); 0: none

  // push
  std::vector<std::size_t> clients = {1, 1000};
  std::size_t push_stories = 2000;
  double push_rate = 500;              // stories per second, one poster connection
  std::string push_sync = "always";
  std::size_t stream_queue = 8192;

  // search
  std::size_t search_docs = 1'000'000;  // stories in the index (real ones + generated)
  std::size_t search_queries = 200;     // queries per class
  std::uint64_t search_seed = 20250101;
  std::size_t search_repeat = 1;        // timings per query (their median is kept)
  std::size_t search_rounds = 3;        // rounds of timings, engines taking turns (medians kept)
  std::vector<std::string> search_engines = {"dateline", "xapian", "fts5"};
  std::vector<std::string> search_classes;  // query classes run (empty: all)
  bool search_known_bar = false;  // also time Dateline's relevance top-k from each query's bar
  std::size_t search_merge_factor = 0;  // Dateline's tiered merge factor (0: the index's default)

  // alerts
  std::vector<std::size_t> alert_queries = {10000, 100000, 1000000, 1500000};
  std::vector<std::string> alert_mixes = {"vocabulary", "selective"};  // bench/README.md

  // alerts-e2e
  std::size_t e2e_alerts = 100000;  // alerts saved through the API before the stories
  std::size_t e2e_stories = 1000;   // stories posted, one per request
  double e2e_rate = 20;             // stories per second
};

bool RunIngest(const Options& o);
bool RunPush(const Options& o);
bool RunSearch(const Options& o);
bool RunAlerts(const Options& o);
bool RunAlertsE2e(const Options& o);

}  // namespace dateline::bench
