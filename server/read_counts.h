// How many people have opened each story: the web terminal's READ (most read) screen. A reader
// counts once per story however often they open it; API tokens (feeds, scripts) do not count.
// Kept in memory for ranking; with a metadata database (Open), each first read of a story by a
// person is also written to its story_reads table and the counts are loaded back at start, so
// they survive a restart.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/status.h"

namespace dateline {

class MetadataDb;

class ReadCounts {
 public:
  // In memory only (tests, tools): the counts start again at zero with each instance.
  explicit ReadCounts(std::size_t max_stories = 200000) : max_stories_(max_stories) {}

  // Loads the recorded reads from `db` (migration 4 applied) and records new ones there. `db`
  // must outlive the counts and serve no other thread (give it its own connection).
  static Result<std::unique_ptr<ReadCounts>> Open(MetadataDb& db, std::size_t max_stories = 200000);

  // Records that `user_id` opened story `id`. TooLarge when the table is full and the
  // story is new to it (the oldest counts are not evicted: a full table stops growing); IOError
  // when the database write failed (the read still counts until the next restart).
  Status Record(std::string_view id, std::int64_t user_id, std::int64_t now_us = 0);

  // The stories with the most readers, most first (ties: by id), at most `limit`, passing
  // `keep` (the caller's entitlements).
  template <typename Keep>
  std::vector<std::pair<std::string, std::size_t>> Top(std::size_t limit, Keep keep) const;

  std::size_t Count(std::string_view id) const;

 private:
  std::vector<std::pair<std::string, std::size_t>> Ranked() const;

  mutable std::mutex mu_;
  std::unordered_map<std::string, std::unordered_set<std::int64_t>> readers_;  // guarded by mu_
  std::size_t max_stories_;
  MetadataDb* db_ = nullptr;  // null: memory only; written under mu_
};

template <typename Keep>
std::vector<std::pair<std::string, std::size_t>> ReadCounts::Top(std::size_t limit, Keep keep) const {
  std::vector<std::pair<std::string, std::size_t>> out;
  for (auto& entry : Ranked()) {
    if (out.size() == limit) break;
    if (keep(entry.first)) out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace dateline
