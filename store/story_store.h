// StoryStore: the durable home of every story version, on top of the story log.
//
// Append() assigns each accepted story its identity (id, version, previous_seq) and a log sequence
// number, hands it to the group-commit writer, and calls back once the frame is durable under the
// configured sync policy. Identical re-sends (same id, same content hash as the latest version)
// are recognised and answered with the existing version instead of writing a new one.
//
// Thread safety: every public method may be called from any thread. Callbacks run on the writer
// thread, in sequence-number order; they must not block.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "core/story.h"

namespace dateline {

enum class SyncPolicy {
  kAlways,    // fsync (fdatasync) each group commit before acknowledging: no acked story is lost
  kInterval,  // acknowledge after write(); fsync in the background every sync_interval_ms
  kNever,     // leave syncing to the operating system (benchmarks, throwaway data)
};
Result<SyncPolicy> ParseSyncPolicy(std::string_view name);  // "always" | "interval" | "never"
std::string_view SyncPolicyName(SyncPolicy p);

struct StoreOptions {
  std::string dir;                                  // the data folder; the log lives in dir/log
  SyncPolicy sync = SyncPolicy::kAlways;
  int sync_interval_ms = 100;
  std::uint64_t segment_bytes = 64ull << 20;        // roll to a new segment past this size
  std::size_t recent_stories = 100000;              // kept in memory for the stream and reads
};

struct AppendOutcome {
  std::string id;
  std::uint32_t version = 0;
  std::uint64_t seq = 0;
  bool duplicate = false;  // true when the story was already stored with this content
};

using AppendCallback = std::function<void(Result<AppendOutcome>)>;
using StoryPtr = std::shared_ptr<const Story>;

// What Open() found and did; `dropped_*` is non-zero when a torn tail was truncated.
struct RecoveryReport {
  std::uint64_t stories = 0;
  std::uint64_t last_seq = 0;
  std::uint64_t dropped_bytes = 0;
  std::string dropped_segment;
  std::uint64_t dropped_offset = 0;
};

class StoryStore {
 public:
  // Opens (creating if needed) the store in options.dir and recovers the log: a torn or corrupt
  // tail of the last segment is truncated (reported in *report and logged to stderr); a corrupt
  // frame followed by valid ones is Corruption naming the segment file and byte offset, and the
  // store does not open (run Repair).
  static Result<std::unique_ptr<StoryStore>> Open(const StoreOptions& options,
                                                  Clock& clock = Clock::System(),
                                                  RecoveryReport* report = nullptr);
  virtual ~StoryStore() = default;
  StoryStore(const StoryStore&) = delete;
  StoryStore& operator=(const StoryStore&) = delete;

  // `story` must have passed ValidateStory. Fills id/version/seq/received/updated, queues the
  // frame and calls `done` once durable (or with the error that prevented it).
  virtual void Append(Story story, AppendCallback done) = 0;

  // Append and wait.
  Result<AppendOutcome> AppendAndWait(Story story);

  // Latest version when version == 0. NotFound when absent.
  virtual Result<StoryPtr> Get(std::string_view id, std::uint32_t version = 0) const = 0;

  // All versions of a story, oldest first (empty when unknown).
  virtual std::vector<std::uint64_t> VersionSeqs(std::string_view id) const = 0;

  // Durable stories with seq > after, in log order, at most `limit`.
  virtual Result<std::vector<StoryPtr>> ReadAfter(std::uint64_t after,
                                                  std::size_t limit) const = 0;

  // The story with this sequence number.
  virtual Result<StoryPtr> GetBySeq(std::uint64_t seq) const = 0;

  virtual std::uint64_t LastDurableSeq() const = 0;
  virtual std::uint64_t StoryCount() const = 0;  // distinct story ids
  virtual std::vector<std::string> Sources() const = 0;  // every source with a story, sorted

  // Called on the writer thread after each durable group commit, stories in seq order, before
  // the appends of that commit are acknowledged.
  // Set before the first Append.
  virtual void SetDurableListener(std::function<void(const std::vector<StoryPtr>&)> listener) = 0;

  // Finishes in-flight appends, syncs and closes the log; later Appends fail with Unavailable.
  virtual void Close() = 0;

 protected:
  StoryStore() = default;
};

// What Repair() did.
struct RepairReport {
  std::uint64_t frames_kept = 0;
  std::uint64_t frames_lost = 0;        // damaged frames that could not be read
  std::uint64_t bytes_skipped = 0;
  std::vector<std::string> messages;    // one line per damaged region: segment, offset, length
};

// Salvages every good frame of a damaged log (before and after each damaged region) into a fresh
// log in dir/log, keeping the damaged original in dir/log.damaged-<time>.
Result<RepairReport> Repair(const std::string& dir);

}  // namespace dateline
