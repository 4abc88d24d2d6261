// WalCheckpointer: copies the metadata database's write-ahead log back into the database file
// from a thread of its own, over a connection of its own.
//
// Why: SQLite's automatic checkpoint runs inside whichever commit pushes the WAL past 1,000
// pages, on that committer's thread, and with synchronous=NORMAL the checkpoint is the only
// step that fsyncs. The alert worker commits a story's inbox rows before it pushes the story's
// alert frames, so every ~100th story waited for an fsync. Serving connections turn automatic
// checkpoints off (MetadataDb::LeaveCheckpointsToBackground) and this thread checkpoints
// PASSIVE-ly (never blocking writers or readers) at a fixed interval instead.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/status.h"
#include "store/metadata_db.h"

namespace dateline {

struct WalCheckpointStats {
  std::uint64_t checkpoints = 0;    // PASSIVE checkpoints run
  std::uint64_t errors = 0;         // checkpoints that failed (other than SQLITE_BUSY)
  int last_log_frames = 0;          // frames in the WAL at the last checkpoint
  int last_checkpointed_frames = 0; // of which copied into the database
};

class WalCheckpointer {
 public:
  // Opens its own connection to `path` and starts the thread.
  static Result<std::unique_ptr<WalCheckpointer>> Start(const std::string& path,
                                                        std::chrono::milliseconds interval);
  // Stops the thread after one last checkpoint.
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  WalCheckpointStats Stats() const;

 private:
  WalCheckpointer(std::unique_ptr<MetadataDb> db, std::chrono::milliseconds interval);
  void Run();
  void CheckpointOnce();

  std::unique_ptr<MetadataDb> db_;
  const std::chrono::milliseconds interval_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;               // guarded by mu_
  WalCheckpointStats stats_;        // guarded by mu_
  std::thread thread_;
};

}  // namespace dateline
