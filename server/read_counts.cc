#include "server/read_counts.h"

#include <algorithm>

namespace dateline {

bool ReadCounts::Record(std::string_view id, std::int64_t user_id) {
  std::lock_guard lock(mu_);
  auto it = readers_.find(std::string(id));
  if (it == readers_.end()) {
    if (readers_.size() >= max_stories_) return false;
    it = readers_.emplace(std::string(id), std::unordered_set<std::int64_t>{}).first;
  }
  it->second.insert(user_id);
  return true;
}

std::size_t ReadCounts::Count(std::string_view id) const {
  std::lock_guard lock(mu_);
  auto it = readers_.find(std::string(id));
  return it == readers_.end() ? 0 : it->second.size();
}

std::vector<std::pair<std::string, std::size_t>> ReadCounts::Ranked() const {
  std::vector<std::pair<std::string, std::size_t>> all;
  {
    std::lock_guard lock(mu_);
    all.reserve(readers_.size());
    for (const auto& [id, users] : readers_) all.emplace_back(id, users.size());
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  return all;
}

}  // namespace dateline
