#include "server/read_counts.h"

#include <algorithm>

#include "store/metadata_db.h"
#include "store/sql.h"

namespace dateline {

Result<std::unique_ptr<ReadCounts>> ReadCounts::Open(MetadataDb& db, std::size_t max_stories) {
  auto counts = std::make_unique<ReadCounts>(max_stories);
  sql::Stmt s(db.handle(), "SELECT story_id, user_id FROM story_reads");
  while (s.Step()) {
    auto it = counts->readers_.find(s.Text(0));
    if (it == counts->readers_.end()) {
      // Rows beyond the cap (a lowered cap) are left in the table, not counted.
      if (counts->readers_.size() >= max_stories) continue;
      it = counts->readers_.emplace(s.Text(0), std::unordered_set<std::int64_t>{}).first;
    }
    it->second.insert(s.Int(1));
  }
  if (!s.ok()) return s.status();
  counts->db_ = &db;
  return counts;
}

Status ReadCounts::Record(std::string_view id, std::int64_t user_id, std::int64_t now_us) {
  std::lock_guard lock(mu_);
  auto it = readers_.find(std::string(id));
  if (it == readers_.end()) {
    if (readers_.size() >= max_stories_) {
      return Status::TooLarge("read counts: the table of stories is full");
    }
    it = readers_.emplace(std::string(id), std::unordered_set<std::int64_t>{}).first;
  }
  if (!it->second.insert(user_id).second || !db_) return Status::Ok();
  // A first read by this person: one row, written under the lock so the table and the memory
  // agree on who was first.
  sql::Stmt insert(db_->handle(),
                   "INSERT OR IGNORE INTO story_reads(story_id, user_id, first_read_at) "
                   "VALUES (?, ?, ?)");
  insert.Bind(1, id).Bind(2, user_id).Bind(3, now_us);
  if (Status s = insert.Run(); !s.ok()) return s;
  return Status::Ok();
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
