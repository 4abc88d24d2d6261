// Process metrics, exposed at GET /metrics in the Prometheus text format (version 0.0.4).
// Updated with relaxed atomics from any thread.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

namespace dateline {

class Histogram {
 public:
  // Upper bounds in seconds.
  static constexpr std::array<double, 14> kBounds = {0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                     0.005,  0.01,    0.025,  0.05,  0.1,
                                                     0.25,   0.5,     1,      2.5};
  void Observe(double seconds);
  void Render(const std::string& name, const std::string& help, std::string* out) const;

 private:
  std::array<std::atomic<std::uint64_t>, kBounds.size() + 1> buckets_{};
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_ns_{0};
};

struct Metrics {
  std::atomic<std::uint64_t> stories_ingested{0};    // new versions written
  std::atomic<std::uint64_t> stories_duplicate{0};   // idempotent re-sends
  std::atomic<std::uint64_t> ingest_rejected{0};     // requests refused (4xx)
  std::atomic<std::uint64_t> http_requests{0};
  std::atomic<std::int64_t> ws_clients{0};
  std::atomic<std::uint64_t> ws_frames_sent{0};
  std::atomic<std::uint64_t> ws_slow_disconnects{0};
  std::atomic<std::uint64_t> searches{0};
  Histogram ingest_latency;  // request read -> durable acknowledgement
  Histogram search_latency;  // parse + search + hits fetched and rendered

  std::string Render() const;
};

}  // namespace dateline
