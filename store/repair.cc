// Repair(): salvage every readable frame of a damaged story log (docs/formats/story-log.md).
//
// Salvaged frames keep their original sequence numbers (bytes copied as they are), so stories,
// previous_seq chains and client cursors stay valid; frames lost to damage leave gaps. The new
// segments carry kFlagRepaired, which is what lets Open() accept those gaps.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <limits>

#include "store/story_log.h"
#include "store/story_store.h"

namespace dateline {
namespace {

using namespace storylog;

constexpr std::uint64_t kRepairSegmentBytes = 64ull << 20;

// Writes salvaged frames into repaired segments under `dir`.
class RepairWriter {
 public:
  explicit RepairWriter(std::string dir) : dir_(std::move(dir)) {}
  ~RepairWriter() { (void)CloseCurrent(); }

  Status Add(std::uint64_t seq, std::string_view frame) {
    if (fd_ < 0 || size_ + frame.size() > kRepairSegmentBytes) {
      if (Status s = CloseCurrent(); !s.ok()) return s;
      path_ = dir_ + "/" + SegmentFileName(seq);
      fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
      if (fd_ < 0) return Status::IOError("cannot create " + path_ + ": " + std::strerror(errno));
      std::string header;
      EncodeHeader({kFormatVersion, kFlagRepaired, seq}, &header);
      if (Status s = Write(header); !s.ok()) return s;
    }
    return Write(frame);
  }

  Status CloseCurrent() {
    if (fd_ < 0) return Status::Ok();
    Status s;
    if (::fsync(fd_) != 0) s = Status::IOError("cannot sync " + path_ + ": " + std::strerror(errno));
    ::close(fd_);
    fd_ = -1;
    size_ = 0;
    return s;
  }

 private:
  Status Write(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return Status::IOError("cannot write " + path_ + ": " + std::strerror(errno));
      }
      data.remove_prefix(static_cast<std::size_t>(n));
      size_ += static_cast<std::uint64_t>(n);
    }
    return Status::Ok();
  }

  std::string dir_;
  std::string path_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

}  // namespace

Result<RepairReport> Repair(const std::string& dir) {
  auto lock = LockDataDir(dir);
  if (!lock.ok()) return lock.status();
  struct Unlock {
    int fd;
    ~Unlock() { ::close(fd); }
  } unlock{*lock};

  const std::string log_dir = dir + "/log";
  const std::string tmp_dir = dir + "/log.repair-tmp";
  auto segments = ListSegments(log_dir);
  if (!segments.ok()) return segments.status();
  std::error_code ec;
  std::filesystem::remove_all(tmp_dir, ec);  // left over from an interrupted repair
  if (::mkdir(tmp_dir.c_str(), 0755) != 0) {
    return Status::IOError("cannot create " + tmp_dir + ": " + std::strerror(errno));
  }

  RepairReport report;
  RepairWriter writer(tmp_dir);
  constexpr std::uint64_t kAny = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t last = 0;           // last kept seq
  bool damage_after_last = false;   // a damaged region follows the last kept frame
  for (const SegmentFile& file : *segments) {
    auto bytes = ReadFileBytes(file.path);
    if (!bytes.ok()) return bytes.status();
    std::string_view data = *bytes;
    std::uint64_t pos = DecodeHeader(data).ok() ? kHeaderSize : 0;
    while (pos < data.size()) {
      auto frame = ReadFrame(data, pos, last + 1, kAny);
      if (frame.ok()) {
        if (Status s = writer.Add(frame->seq, data.substr(pos, frame->size)); !s.ok()) return s;
        ++report.frames_kept;
        report.frames_lost += frame->seq - last - 1;  // seqs missing in between
        last = frame->seq;
        damage_after_last = false;
        pos += frame->size;
        continue;
      }
      auto next = FindNextFrame(data, pos + 1, last + 1, kAny);
      const std::uint64_t end = next ? next->offset : data.size();
      report.bytes_skipped += end - pos;
      report.messages.push_back("segment " + file.name + ": skipped " +
                                std::to_string(end - pos) + " damaged bytes at offset " +
                                std::to_string(pos) + " (" + frame.status().message() + ")");
      damage_after_last = true;
      pos = end;
    }
  }
  // Damage after the last readable frame hid at least one frame whose seq we cannot know.
  if (damage_after_last) ++report.frames_lost;
  if (Status s = writer.CloseCurrent(); !s.ok()) return s;
  if (Status s = SyncDir(tmp_dir); !s.ok()) return s;

  // Two repairs within one second must not collide.
  const std::string base = dir + "/log.damaged-" + std::to_string(std::time(nullptr));
  std::string damaged = base;
  for (int i = 2; std::filesystem::exists(damaged, ec); ++i) damaged = base + "." + std::to_string(i);
  if (::rename(log_dir.c_str(), damaged.c_str()) != 0) {
    return Status::IOError("cannot move " + log_dir + " to " + damaged + ": " +
                           std::strerror(errno));
  }
  if (::rename(tmp_dir.c_str(), log_dir.c_str()) != 0) {
    return Status::IOError("cannot move " + tmp_dir + " to " + log_dir + ": " +
                           std::strerror(errno));
  }
  if (Status s = SyncDir(dir); !s.ok()) return s;
  return report;
}

}  // namespace dateline
