// Clock seam: everything that reads the time takes a Clock, so tests can run time-based
// behaviour (lockouts, rate limits, replay pacing) deterministically with ManualClock.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace dateline {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time, µs since the Unix epoch (UTC).
  virtual std::int64_t NowMicros() const = 0;

  static Clock& System();
};

class SystemClock final : public Clock {
 public:
  std::int64_t NowMicros() const override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

inline Clock& Clock::System() {
  static SystemClock clock;
  return clock;
}

class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t now_us = 0) : now_(now_us) {}
  std::int64_t NowMicros() const override { return now_.load(); }
  void Set(std::int64_t now_us) { now_.store(now_us); }
  void Advance(std::int64_t delta_us) { now_.fetch_add(delta_us); }

 private:
  std::atomic<std::int64_t> now_;
};

}  // namespace dateline
