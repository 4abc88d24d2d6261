// The demo corpus for `make run`: FOMC statements (public domain) shipped in demo/fomc. The older
// half is loaded at once; the rest arrives one story every `interval_ms`, so the live list moves.
#pragma once

#include <atomic>
#include <string>
#include <thread>

#include "store/story_store.h"

namespace dateline {

class DemoReplay {
 public:
  DemoReplay(StoryStore& store, std::string dir, int interval_ms)
      : store_(store), dir_(std::move(dir)), interval_ms_(interval_ms) {}
  ~DemoReplay() { Stop(); }

  void Start();
  void Stop();

 private:
  void Run();

  StoryStore& store_;
  std::string dir_;
  int interval_ms_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace dateline
