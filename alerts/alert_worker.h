// AlertWorker: the thread that matches arriving stories against the alerts, off the ingest path.
//
// The story log's durable listener hands each committed batch to Submit(), which only appends to a
// queue, so neither acknowledging an ingest nor the live push waits for matching or for a
// webhook. The worker calls AlertService::OnStory for every story in log order, flushes digests
// whose rate-limit window has ended every second, and prunes old inbox entries every hour.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "alerts/alert_service.h"
#include "core/clock.h"
#include "store/story_store.h"

namespace dateline::alerts {

struct AlertWorkerStats {
  std::uint64_t stories = 0;      // matched so far
  std::uint64_t notified = 0;     // notifications stored
  std::uint64_t errors = 0;       // OnStory failures (logged)
  std::size_t queued = 0;         // waiting now
  std::int64_t last_match_us = 0; // time OnStory took for the last story
};

class AlertWorker {
 public:
  AlertWorker(AlertService& service, const Clock& clock);
  ~AlertWorker();  // Stop()
  AlertWorker(const AlertWorker&) = delete;
  AlertWorker& operator=(const AlertWorker&) = delete;

  void Start();
  // Matches what is queued, then stops the thread. Idempotent.
  void Stop();

  // Any thread; never blocks on matching.
  void Submit(const std::vector<StoryPtr>& stories);

  AlertWorkerStats Stats() const;

 private:
  void Run();

  AlertService& service_;
  const Clock& clock_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<StoryPtr> queue_;
  bool stop_ = false;
  AlertWorkerStats stats_;
  std::thread thread_;
};

}  // namespace dateline::alerts
