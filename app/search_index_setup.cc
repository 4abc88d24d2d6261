#include "app/search_index_setup.h"

#include <chrono>
#include <cstdio>

namespace dateline {

std::string SearchIndexDir(const std::string& data_dir) { return data_dir + "/index"; }

Result<std::unique_ptr<index::SearchIndex>> OpenSearchIndex(const StoryStore& store,
                                                            const std::string& index_dir) {
  const auto started = std::chrono::steady_clock::now();
  auto index = index::SearchIndex::Open(index_dir, index::IndexOptions{});
  if (!index.ok()) return index.status();
  const std::uint64_t from = (*index)->IndexedSeq();
  const std::uint64_t to = store.LastDurableSeq();
  std::uint64_t cursor = from;
  std::uint64_t done = 0;
  auto last_report = started;
  while (cursor < to) {
    auto page = store.ReadAfter(cursor, 1024);
    if (!page.ok()) return page.status();
    if (page->empty()) break;
    for (const StoryPtr& story : *page) {
      if (Status s = (*index)->Add(*story); !s.ok()) return s;
      cursor = story->seq;
      ++done;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now - last_report > std::chrono::seconds(2)) {
      last_report = now;
      const double elapsed = std::chrono::duration<double>(now - started).count();
      std::fprintf(stderr, "search index: indexing the story log: %llu of %llu (%.0f stories/s)\n",
                   static_cast<unsigned long long>(done),
                   static_cast<unsigned long long>(to - from), done / elapsed);
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const index::IndexStats stats = (*index)->Stats();
  std::fprintf(stderr,
               "search index: %llu stories in %llu segments + %llu in memory; indexed %llu "
               "from the log; ready in %.2f s\n",
               static_cast<unsigned long long>(stats.stories),
               static_cast<unsigned long long>(stats.segments),
               static_cast<unsigned long long>(stats.memory_docs),
               static_cast<unsigned long long>(done), seconds);
  return std::move(*index);
}

}  // namespace dateline
