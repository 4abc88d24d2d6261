#include "server/metrics.h"

#include <cstdio>

namespace dateline {

void Histogram::Observe(double seconds) {
  std::size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(static_cast<std::uint64_t>(seconds * 1e9), std::memory_order_relaxed);
}

void Histogram::Render(const std::string& name, const std::string& help, std::string* out) const {
  *out += "# HELP " + name + " " + help + "\n# TYPE " + name + " histogram\n";
  std::uint64_t cumulative = 0;
  char buf[128];
  for (std::size_t i = 0; i < kBounds.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    std::snprintf(buf, sizeof buf, "%s_bucket{le=\"%g\"} %llu\n", name.c_str(), kBounds[i],
                  static_cast<unsigned long long>(cumulative));
    *out += buf;
  }
  cumulative += buckets_[kBounds.size()].load(std::memory_order_relaxed);
  std::snprintf(buf, sizeof buf, "%s_bucket{le=\"+Inf\"} %llu\n", name.c_str(),
                static_cast<unsigned long long>(cumulative));
  *out += buf;
  std::snprintf(buf, sizeof buf, "%s_sum %.9f\n%s_count %llu\n", name.c_str(),
                static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9, name.c_str(),
                static_cast<unsigned long long>(count_.load(std::memory_order_relaxed)));
  *out += buf;
}

namespace {

template <typename T>
void Counter(std::string* out, const char* name, const char* type, const char* help, const T& v) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "# HELP %s %s\n# TYPE %s %s\n%s %lld\n", name, help, name, type,
                name, static_cast<long long>(v.load(std::memory_order_relaxed)));
  *out += buf;
}

}  // namespace

std::string Metrics::Render() const {
  std::string out;
  Counter(&out, "dateline_stories_ingested_total", "counter",
          "Story versions written to the story log.", stories_ingested);
  Counter(&out, "dateline_stories_duplicate_total", "counter",
          "Posted stories recognised as already stored (idempotent re-sends).", stories_duplicate);
  Counter(&out, "dateline_ingest_rejected_total", "counter",
          "Ingest requests refused with a client error.", ingest_rejected);
  Counter(&out, "dateline_http_requests_total", "counter", "HTTP requests served.", http_requests);
  Counter(&out, "dateline_connected_clients", "gauge", "Connected live-stream (WebSocket) clients.",
          ws_clients);
  Counter(&out, "dateline_stream_frames_sent_total", "counter",
          "Frames sent to live-stream clients.", ws_frames_sent);
  Counter(&out, "dateline_stream_slow_disconnects_total", "counter",
          "Live-stream clients disconnected because they could not keep up.", ws_slow_disconnects);
  Counter(&out, "dateline_searches_total", "counter", "Searches answered.", searches);
  ingest_latency.Render("dateline_ingest_latency_seconds",
                        "Time from a complete ingest request to its durable acknowledgement.", &out);
  search_latency.Render("dateline_search_latency_seconds",
                        "Time to answer a search: parse, search, fetch and render the hits.", &out);
  return out;
}

}  // namespace dateline
