// The demo corpus for `make run`: FOMC statements (public domain) shipped in demo/fomc. The older
// half is loaded at once; the rest arrives one story every `interval_ms`, so the live list moves.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include "store/story_store.h"

namespace dateline {

class DemoReplay {
 public:
  // `register_source` records each story's source for entitlements before it is appended.
  DemoReplay(StoryStore& store, std::function<Status(std::string_view)> register_source,
             std::string dir, int interval_ms)
      : store_(store), register_source_(std::move(register_source)), dir_(std::move(dir)),
        interval_ms_(interval_ms) {}
  ~DemoReplay() { Stop(); }

  void Start();
  void Stop();

 private:
  void Run();

  StoryStore& store_;
  std::function<Status(std::string_view)> register_source_;
  std::string dir_;
  int interval_ms_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace dateline
