#include "alerts/alert_worker.h"

#include <chrono>
#include <cstdio>

namespace dateline::alerts {

namespace {
constexpr std::int64_t kDigestEveryUs = 1'000'000;
constexpr std::int64_t kPruneEveryUs = 3600LL * 1'000'000;
}  // namespace

AlertWorker::AlertWorker(AlertService& service, const Clock& clock)
    : service_(service), clock_(clock) {}

AlertWorker::~AlertWorker() { Stop(); }

void AlertWorker::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
}

void AlertWorker::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void AlertWorker::Submit(const std::vector<StoryPtr>& stories) {
  {
    std::lock_guard lock(mu_);
    queue_.insert(queue_.end(), stories.begin(), stories.end());
    stats_.queued = queue_.size();
  }
  cv_.notify_one();
}

AlertWorkerStats AlertWorker::Stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void AlertWorker::Run() {
  std::int64_t next_digest = clock_.NowMicros() + kDigestEveryUs;
  std::int64_t next_prune = clock_.NowMicros();
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait_for(lock, std::chrono::milliseconds(200), [&] { return stop_ || !queue_.empty(); });
    // Drain before stopping: every acknowledged story is matched once.
    while (!queue_.empty()) {
      StoryPtr story = std::move(queue_.front());
      queue_.pop_front();
      stats_.queued = queue_.size();
      lock.unlock();
      const std::int64_t started = clock_.NowMicros();
      auto report = service_.OnStory(*story, started);
      const std::int64_t took = clock_.NowMicros() - started;
      if (!report.ok()) {
        std::fprintf(stderr, "alerts: cannot match seq %llu: %s\n",
                     static_cast<unsigned long long>(story->seq),
                     report.status().ToString().c_str());
      }
      lock.lock();
      ++stats_.stories;
      stats_.last_match_us = took;
      if (report.ok()) {
        stats_.notified += report->notified;
      } else {
        ++stats_.errors;
      }
    }
    if (stop_) return;
    const std::int64_t now = clock_.NowMicros();
    if (now < next_digest && now < next_prune) continue;
    lock.unlock();
    if (now >= next_digest) {
      next_digest = now + kDigestEveryUs;
      if (auto sent = service_.FlushDigests(now); !sent.ok()) {
        std::fprintf(stderr, "alerts: digest flush failed: %s\n", sent.status().ToString().c_str());
      }
    }
    if (now >= next_prune) {
      next_prune = now + kPruneEveryUs;
      if (auto pruned = service_.PruneInbox(now); !pruned.ok()) {
        std::fprintf(stderr, "alerts: inbox prune failed: %s\n",
                     pruned.status().ToString().c_str());
      }
    }
    lock.lock();
  }
}

}  // namespace dateline::alerts
