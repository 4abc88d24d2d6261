// `dateline reindex --data DIR`: rebuilds the search index from the story log (the source of
// truth) — after a corrupt segment, or to compact the index into one segment. Runs on a stopped
// server's data folder (the log's lock tells when a server still has it open). The new index is
// built beside the old one and only replaces it once complete.
#include <cstdio>
#include <filesystem>

#include "app/commands.h"
#include "app/search_index_setup.h"

namespace dateline {

int RunReindex(const std::string& data_dir) {
  namespace fs = std::filesystem;
  StoreOptions store_opt;
  store_opt.dir = data_dir;
  RecoveryReport report;
  auto store = StoryStore::Open(store_opt, Clock::System(), &report);
  if (!store.ok()) {
    std::fprintf(stderr, "dateline reindex: cannot open the story log: %s\n",
                 store.status().ToString().c_str());
    return 1;
  }
  const std::string final_dir = SearchIndexDir(data_dir);
  const std::string build_dir = final_dir + ".rebuild";
  std::error_code ec;
  fs::remove_all(build_dir, ec);
  if (ec) {
    std::fprintf(stderr, "dateline reindex: cannot remove %s: %s\n", build_dir.c_str(),
                 ec.message().c_str());
    return 1;
  }
  std::fprintf(stderr, "dateline reindex: indexing %llu story versions from %s\n",
               static_cast<unsigned long long>(report.stories), data_dir.c_str());
  auto index = OpenSearchIndex(**store, build_dir);
  if (!index.ok()) {
    std::fprintf(stderr, "dateline reindex: %s\n", index.status().ToString().c_str());
    return 1;
  }
  if (Status s = (*index)->Flush(); !s.ok()) {
    std::fprintf(stderr, "dateline reindex: cannot write the index: %s\n", s.ToString().c_str());
    return 1;
  }
  if (Status s = (*index)->ForceMerge(); !s.ok()) {
    std::fprintf(stderr, "dateline reindex: cannot merge the index: %s\n", s.ToString().c_str());
    return 1;
  }
  const index::IndexStats stats = (*index)->Stats();
  index->reset();
  (*store)->Close();
  fs::remove_all(final_dir, ec);
  if (!ec) fs::rename(build_dir, final_dir, ec);
  if (ec) {
    std::fprintf(stderr, "dateline reindex: cannot move the new index into place: %s\n",
                 ec.message().c_str());
    return 1;
  }
  std::printf("reindexed %llu stories into %s (%llu bytes)\n",
              static_cast<unsigned long long>(stats.stories), final_dir.c_str(),
              static_cast<unsigned long long>(stats.disk_bytes));
  return 0;
}

}  // namespace dateline
