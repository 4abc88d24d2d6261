// Opening the search index next to the story log, and rebuilding it (`dateline reindex`).
#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "index/search_index.h"
#include "store/story_store.h"

namespace dateline {

// The index lives in DATA/index.
std::string SearchIndexDir(const std::string& data_dir);

// Opens the index in `index_dir` and indexes whatever the log holds beyond what the index has
// (after a crash: the stories that were only in the in-memory segment), printing progress to
// stderr on long catch-ups.
Result<std::unique_ptr<index::SearchIndex>> OpenSearchIndex(const StoryStore& store,
                                                            const std::string& index_dir);

}  // namespace dateline
