#include "store/wal_checkpointer.h"

#include <sqlite3.h>

#include <cstdio>

namespace dateline {

Result<std::unique_ptr<WalCheckpointer>> WalCheckpointer::Start(
    const std::string& path, std::chrono::milliseconds interval) {
  auto db = MetadataDb::Open(path);
  if (!db.ok()) return db.status();
  if (Status s = (*db)->LeaveCheckpointsToBackground(); !s.ok()) return s;
  return std::unique_ptr<WalCheckpointer>(new WalCheckpointer(std::move(*db), interval));
}

WalCheckpointer::WalCheckpointer(std::unique_ptr<MetadataDb> db,
                                 std::chrono::milliseconds interval)
    : db_(std::move(db)), interval_(interval) {
  thread_ = std::thread(&WalCheckpointer::Run, this);
}

WalCheckpointer::~WalCheckpointer() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

WalCheckpointStats WalCheckpointer::Stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void WalCheckpointer::Run() {
  std::unique_lock lock(mu_);
  for (;;) {
    const bool stopping = cv_.wait_for(lock, interval_, [this] { return stop_; });
    lock.unlock();
    CheckpointOnce();
    lock.lock();
    if (stopping) return;
  }
}

void WalCheckpointer::CheckpointOnce() {
  int log_frames = 0;
  int checkpointed = 0;
  const int rc = sqlite3_wal_checkpoint_v2(db_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                           &log_frames, &checkpointed);
  std::lock_guard lock(mu_);
  if (rc == SQLITE_OK || rc == SQLITE_BUSY) {
    // BUSY: another checkpoint was running; the next interval tries again.
    ++stats_.checkpoints;
    stats_.last_log_frames = log_frames;
    stats_.last_checkpointed_frames = checkpointed;
  } else {
    ++stats_.errors;
    std::fprintf(stderr, "metadata db: WAL checkpoint failed: %s\n", sqlite3_errmsg(db_->handle()));
  }
}

}  // namespace dateline
