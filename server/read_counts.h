// How many people have opened each story: the web terminal's READ (most read) screen. A reader
// counts once per story however often they open it; API tokens (feeds, scripts) do not count.
// Kept in memory: the counts start again at zero when the server restarts.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace dateline {

class ReadCounts {
 public:
  explicit ReadCounts(std::size_t max_stories = 200000) : max_stories_(max_stories) {}

  // Records that `user_id` opened story `id`. Returns false when the table is full and the
  // story is new to it (the oldest counts are not evicted: a full table stops growing).
  bool Record(std::string_view id, std::int64_t user_id);

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
