#include "app/demo_replay.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "app/story_files.h"

namespace dateline {

void DemoReplay::Start() { thread_ = std::thread([this] { Run(); }); }

void DemoReplay::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void DemoReplay::Run() {
  std::vector<Story> stories;
  FileReadOptions opt;
  opt.format = FileFormat::kFomc;
  for (const InputFile& file : ExpandPaths({dir_})) {
    auto read = ReadStoryFile(file.path, opt);
    if (!read.ok()) {
      std::fprintf(stderr, "demo: skipping %s\n", read.status().ToString().c_str());
      continue;
    }
    for (Story& s : *read) stories.push_back(std::move(s));
  }
  std::sort(stories.begin(), stories.end(),
            [](const Story& a, const Story& b) { return a.published_us < b.published_us; });
  const std::size_t at_once = stories.size() / 2;
  std::fprintf(stderr, "demo: loading %zu FOMC documents, then replaying %zu more, one every %.1f s\n",
               at_once, stories.size() - at_once, interval_ms_ / 1000.0);
  for (std::size_t i = 0; i < stories.size() && !stop_; ++i) {
    if (Status st = register_source_(stories[i].source); !st.ok()) {
      std::fprintf(stderr, "demo: %s\n", st.ToString().c_str());
      return;
    }
    auto r = store_.AppendAndWait(std::move(stories[i]));
    if (!r.ok()) {
      if (r.status().code() != StatusCode::kUnavailable) {
        std::fprintf(stderr, "demo: %s\n", r.status().ToString().c_str());
      }
      return;
    }
    if (i + 1 < at_once || r->duplicate) continue;
    for (int waited = 0; waited < interval_ms_ && !stop_; waited += 50) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

}  // namespace dateline
