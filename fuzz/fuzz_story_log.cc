// Fuzzes story-log recovery: the input becomes the only segment file of a fresh data folder,
// then StoryStore::Open and ReadAfter run on it. Any Status is fine; crashes, leaks and
// undefined behaviour are not.
#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/clock.h"
#include "store/story_log.h"
#include "store/story_store.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  char tmpl[] = "/tmp/fuzz-story-log-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return 0;
  const std::string dir = tmpl;
  std::filesystem::create_directory(dir + "/log");
  {
    std::ofstream out(dir + "/log/" + dateline::storylog::SegmentFileName(1), std::ios::binary);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  dateline::StoreOptions options;
  options.dir = dir;
  options.sync = dateline::SyncPolicy::kNever;  // speed; durability is not under test
  options.recent_stories = 2;                   // exercise reads from the file too
  dateline::ManualClock clock(1);
  auto store = dateline::StoryStore::Open(options, clock);
  if (store.ok()) {
    auto all = (*store)->ReadAfter(0, 1000);
    (void)all;
    (void)(*store)->GetBySeq(1);
    (*store)->Close();
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return 0;
}
