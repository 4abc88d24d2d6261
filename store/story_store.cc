// StoryStore on top of the story log (docs/formats/story-log.md).
//
// Threads: callers of Append() assign identity and sequence numbers under mu_ and queue the
// encoded frame; one writer thread takes the whole queue, writes it with one pwrite per segment,
// syncs per policy, publishes the batch to readers (index, cache, durable seq) and only then runs
// callbacks and the listener. Readers look up locations under mu_ and pread outside it.
#include "store/story_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <future>
#include <limits>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

#include "store/story_log.h"

namespace dateline {

Result<SyncPolicy> ParseSyncPolicy(std::string_view name) {
  if (name == "always") return SyncPolicy::kAlways;
  if (name == "interval") return SyncPolicy::kInterval;
  if (name == "never") return SyncPolicy::kNever;
  return Status::InvalidArgument("unknown sync policy \"" + std::string(name) +
                                     "\" (always, interval or never)",
                                 "sync");
}

std::string_view SyncPolicyName(SyncPolicy p) {
  switch (p) {
    case SyncPolicy::kAlways: return "always";
    case SyncPolicy::kInterval: return "interval";
    case SyncPolicy::kNever: return "never";
  }
  return "always";
}

Result<AppendOutcome> StoryStore::AppendAndWait(Story story) {
  std::promise<Result<AppendOutcome>> done;
  auto future = done.get_future();
  Append(std::move(story), [&done](Result<AppendOutcome> r) { done.set_value(std::move(r)); });
  return future.get();
}

namespace {

using namespace storylog;

std::string ErrnoText(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

Status PwriteAll(int fd, const std::string& buf, std::uint64_t offset, const std::string& path) {
  std::size_t done = 0;
  while (done < buf.size()) {
    ssize_t n = ::pwrite(fd, buf.data() + done, buf.size() - done,
                         static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IOError(ErrnoText("cannot write", path));
    }
    done += static_cast<std::size_t>(n);
  }
  return Status::Ok();
}

Status PreadAll(int fd, char* buf, std::size_t n, std::uint64_t offset, const std::string& path) {
  std::size_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd, buf + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return Status::IOError(ErrnoText("cannot read", path));
    }
    if (r == 0) return Status::Corruption("unexpected end of " + path);
    done += static_cast<std::size_t>(r);
  }
  return Status::Ok();
}

Status Datasync(int fd, const std::string& path) {
  if (::fdatasync(fd) != 0) return Status::IOError(ErrnoText("cannot sync", path));
  return Status::Ok();
}

// One segment file. fd stays open (read-write) until the store is destroyed, so readers can
// pread without holding mu_ while the writer appends past what they read.
struct Segment {
  std::uint64_t first_seq = 0;
  std::string name;
  std::string path;
  int fd = -1;
  std::uint64_t size = 0;  // bytes written; owned by the writer thread after Open
  bool repaired = false;   // written by Repair(); never appended to
};

struct Location {
  std::uint64_t seq;
  std::uint32_t segment;  // index into segments_
  std::uint32_t size;     // frame bytes
  std::uint64_t offset;
};

struct VersionRef {
  std::uint32_t version;
  std::uint64_t seq;
};

struct IdEntry {
  // Every version, oldest first, including ones still in flight (readers filter by durable
  // seq). After a repair early versions may be missing, so versions are stored, not implied.
  std::vector<VersionRef> versions;
  std::uint64_t latest_hash = 0;
  std::int64_t first_received_us = 0;
};

struct Pending {
  StoryPtr story;          // null for a duplicate waiting on an earlier seq
  std::string frame;
  AppendOutcome outcome;
  AppendCallback done;
};

class StoryStoreImpl final : public StoryStore {
 public:
  StoryStoreImpl(const StoreOptions& options, Clock& clock, int lock_fd)
      : options_(options), clock_(clock), lock_fd_(lock_fd) {}

  ~StoryStoreImpl() override {
    Close();
    for (auto& s : segments_) {
      if (s->fd >= 0) ::close(s->fd);
    }
    if (lock_fd_ >= 0) ::close(lock_fd_);
  }

  Status Recover(RecoveryReport* report);
  void Start() { writer_ = std::thread([this] { WriterLoop(); }); }

  void Append(Story story, AppendCallback done) override;
  Result<StoryPtr> Get(std::string_view id, std::uint32_t version) const override;
  std::vector<std::uint64_t> VersionSeqs(std::string_view id) const override;
  Result<std::vector<StoryPtr>> ReadAfter(std::uint64_t after, std::size_t limit) const override;
  Result<StoryPtr> GetBySeq(std::uint64_t seq) const override;
  std::uint64_t LastDurableSeq() const override {
    std::lock_guard l(mu_);
    return durable_seq_;
  }
  std::uint64_t StoryCount() const override {
    std::lock_guard l(mu_);
    return durable_ids_;
  }
  std::vector<std::string> Sources() const override {
    std::lock_guard l(mu_);
    return {sources_.begin(), sources_.end()};
  }
  void SetDurableListener(std::function<void(const std::vector<StoryPtr>&)> listener) override {
    std::lock_guard l(mu_);
    listener_ = std::move(listener);
  }
  void Close() override;

 private:
  std::string LogDir() const { return options_.dir + "/log"; }
  Status CreateSegment(std::uint64_t first_seq);  // appends to segments_ (takes mu_)
  void Publish(StoryPtr story, const Location& loc);  // mu_ held
  StoryPtr CachedLocked(std::uint64_t seq) const;
  Result<StoryPtr> ReadLocation(const Location& loc, int fd, const std::string& path) const;
  void WriterLoop();
  Status WriteBatch(std::vector<Pending>& batch, std::vector<Location>* locs);

  const StoreOptions options_;
  Clock& clock_;
  const int lock_fd_;
  std::thread writer_;
  std::mutex close_mu_;  // serialises Close()

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Segment>> segments_;  // appended by the writer under mu_
  std::vector<Location> locations_;                 // durable frames, by seq (gaps after repair)
  std::deque<StoryPtr> cache_;                      // most recent durable stories, by seq
  std::unordered_map<std::string, IdEntry> ids_;
  std::vector<Pending> pending_;
  std::function<void(const std::vector<StoryPtr>&)> listener_;
  std::uint64_t next_seq_ = 1;
  std::uint64_t durable_seq_ = 0;
  std::uint64_t durable_ids_ = 0;
  std::set<std::string, std::less<>> sources_;  // every source with a durable story
  bool closing_ = false;
  Status failed_;  // set once by the writer; later appends fail
};

Status StoryStoreImpl::CreateSegment(std::uint64_t first_seq) {
  std::string name = SegmentFileName(first_seq);
  std::string path = LogDir() + "/" + name;
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError(ErrnoText("cannot create", path));
  std::string header;
  EncodeHeader({kFormatVersion, 0, first_seq}, &header);
  Status s = PwriteAll(fd, header, 0, path);
  // The file and its directory entry are synced so a crash never leaves a log that lost a
  // segment name while later data in it was acknowledged.
  if (s.ok() && options_.sync != SyncPolicy::kNever) s = Datasync(fd, path);
  if (s.ok() && options_.sync != SyncPolicy::kNever) s = SyncDir(LogDir());
  if (!s.ok()) {
    ::close(fd);
    return s;
  }
  auto seg = std::make_unique<Segment>();
  seg->first_seq = first_seq;
  seg->name = name;
  seg->path = path;
  seg->fd = fd;
  seg->size = header.size();
  std::lock_guard l(mu_);
  segments_.push_back(std::move(seg));
  return Status::Ok();
}

void StoryStoreImpl::Publish(StoryPtr story, const Location& loc) {
  locations_.push_back(loc);
  durable_seq_ = story->seq;
  if (story->seq == ids_[story->id].versions.front().seq) ++durable_ids_;
  if (sources_.find(story->source) == sources_.end()) sources_.emplace(story->source);
  if (options_.recent_stories > 0) {
    cache_.push_back(std::move(story));
    while (cache_.size() > options_.recent_stories) cache_.pop_front();
  }
}

// ---------------------------------------------------------------------------------------------
// Recovery

Status StoryStoreImpl::Recover(RecoveryReport* report) {
  auto listed = ListSegments(LogDir());
  if (!listed.ok()) return listed.status();
  const std::vector<SegmentFile>& files = *listed;
  std::uint64_t next = 1;
  bool first = true;
  auto corrupt = [&](const SegmentFile& f, std::uint64_t offset, const std::string& why) {
    return Status::Corruption("story log: " + why + " in segment " + f.name + " at offset " +
                              std::to_string(offset) +
                              "; valid data follows it, so this is not a torn write. Run "
                              "`dateline repair --data " + options_.dir +
                              "` to salvage every readable story");
  };
  auto add = [&](Frame& f, std::uint32_t seg_index) {
    Story& st = f.story;
    IdEntry& e = ids_[st.id];
    if (e.versions.empty()) e.first_received_us = st.received_us;
    e.versions.push_back({st.version, st.seq});
    e.latest_hash = ContentHash(st);
    const Location loc{st.seq, seg_index, f.size, f.offset};
    Publish(std::make_shared<const Story>(std::move(st)), loc);
    ++report->stories;
  };
  for (std::size_t i = 0; i < files.size(); ++i) {
    const SegmentFile& file = files[i];
    const bool last = i + 1 == files.size();
    auto bytes = ReadFileBytes(file.path);
    if (!bytes.ok()) return bytes.status();
    std::string_view data = *bytes;
    auto header = DecodeHeader(data);
    if (header.ok() && header->first_seq != file.first_seq) {
      header = Status::Corruption("segment header names seq " + std::to_string(header->first_seq));
    }
    if (!header.ok()) {
      // A crash while creating the last segment leaves a short or unwritten header and no frames.
      if (last && !FindNextFrame(data, 0, next, std::numeric_limits<std::uint64_t>::max())) {
        if (::unlink(file.path.c_str()) != 0) {
          return Status::IOError(ErrnoText("cannot remove", file.path));
        }
        std::fprintf(stderr, "story log: dropped %zu bytes of torn tail in %s at offset 0\n",
                     data.size(), file.name.c_str());
        report->dropped_bytes = data.size();
        report->dropped_segment = file.name;
        report->dropped_offset = 0;
        break;
      }
      return corrupt(file, 0, header.status().message());
    }
    const bool repaired = (header->flags & kFlagRepaired) != 0;
    if (repaired ? header->first_seq < next : header->first_seq != next) {
      if (!(first && repaired)) {
        return corrupt(file, 0, "segment starts at seq " + std::to_string(header->first_seq) +
                                    ", expected " + std::to_string(next));
      }
    }
    if (first && !repaired && header->first_seq != 1) {
      return corrupt(file, 0, "log starts at seq " + std::to_string(header->first_seq));
    }
    first = false;
    auto seg = std::make_unique<Segment>();
    seg->first_seq = file.first_seq;
    seg->name = file.name;
    seg->path = file.path;
    seg->repaired = repaired;
    seg->fd = ::open(file.path.c_str(), O_RDWR | O_CLOEXEC);
    if (seg->fd < 0) return Status::IOError(ErrnoText("cannot open", file.path));
    const std::uint32_t seg_index = static_cast<std::uint32_t>(segments_.size());
    segments_.push_back(std::move(seg));
    std::uint64_t pos = kHeaderSize;
    while (pos < data.size()) {
      const std::uint64_t max = repaired ? std::numeric_limits<std::uint64_t>::max() : next;
      auto frame = ReadFrame(data, pos, next, max);
      if (frame.ok()) {
        pos += frame->size;
        next = frame->seq + 1;
        add(*frame, seg_index);
        continue;
      }
      if (!last) return corrupt(file, pos, frame.status().message());
      // Any later frame that checks out means this is damage, not a torn write. A later frame
      // cannot be further ahead than one seq per minimal frame.
      const std::uint64_t bound =
          repaired ? std::numeric_limits<std::uint64_t>::max() : next + data.size() / kFrameHeaderSize + 1;
      if (FindNextFrame(data, pos + 1, next, bound)) {
        return corrupt(file, pos, frame.status().message());
      }
      if (::truncate(file.path.c_str(), static_cast<off_t>(pos)) != 0) {
        return Status::IOError(ErrnoText("cannot truncate", file.path));
      }
      if (Status s = Datasync(segments_.back()->fd, file.path); !s.ok()) return s;
      std::fprintf(stderr,
                   "story log: dropped %llu bytes of torn tail in %s at offset %llu\n",
                   static_cast<unsigned long long>(data.size() - pos), file.name.c_str(),
                   static_cast<unsigned long long>(pos));
      report->dropped_bytes = data.size() - pos;
      report->dropped_segment = file.name;
      report->dropped_offset = pos;
      break;
    }
    segments_.back()->size = std::min<std::uint64_t>(pos, data.size());
  }
  next_seq_ = next;
  report->last_seq = next - 1;
  // The writer always appends to a normal segment: a repaired one may contain gaps.
  if (segments_.empty() || segments_.back()->repaired) return CreateSegment(next_seq_);
  return Status::Ok();
}


// ---------------------------------------------------------------------------------------------
// Appends

void StoryStoreImpl::Append(Story story, AppendCallback done) {
  std::unique_lock l(mu_);
  if (closing_ || !failed_.ok()) {
    Status s = closing_ ? Status::Unavailable("story store is closed")
                        : Status::Unavailable("story log failed: " + failed_.message());
    l.unlock();
    // The writer may be gone, so this callback runs on the caller's thread.
    done(s);
    return;
  }
  const std::uint64_t hash = ContentHash(story);
  IdEntry& e = ids_[story.id];
  Pending p;
  p.done = std::move(done);
  if (!e.versions.empty() && e.latest_hash == hash) {
    // Answered after the existing version is durable: it is earlier in the queue (or already
    // durable), and the writer completes the queue in order.
    p.outcome.id = story.id;
    p.outcome.seq = e.versions.back().seq;
    p.outcome.version = e.versions.back().version;
    p.outcome.duplicate = true;
  } else {
    const std::int64_t now = clock_.NowMicros();
    // received_us: when the story was first received; updated_us: when this version was.
    if (e.versions.empty()) e.first_received_us = now;
    story.received_us = e.first_received_us;
    story.updated_us = now;
    story.version = e.versions.empty() ? 1 : e.versions.back().version + 1;
    story.previous_seq = e.versions.empty() ? 0 : e.versions.back().seq;
    story.seq = next_seq_++;
    e.versions.push_back({story.version, story.seq});
    e.latest_hash = hash;
    p.outcome = {story.id, story.version, story.seq, false};
    EncodeStoryFrame(story, &p.frame);
    p.story = std::make_shared<const Story>(std::move(story));
  }
  pending_.push_back(std::move(p));
  l.unlock();
  cv_.notify_all();
}

Status StoryStoreImpl::WriteBatch(std::vector<Pending>& batch, std::vector<Location>* locs) {
  Segment* cur = segments_.back().get();  // only the writer changes segments_ after Open
  std::string buf;
  auto flush = [&]() -> Status {
    if (buf.empty()) return Status::Ok();
    Status s = PwriteAll(cur->fd, buf, cur->size, cur->path);
    if (!s.ok()) return s;
    cur->size += buf.size();
    buf.clear();
    return Status::Ok();
  };
  for (Pending& p : batch) {
    if (!p.story) continue;
    const bool has_frames = cur->size + buf.size() > kHeaderSize;
    if (has_frames && cur->size + buf.size() + p.frame.size() > options_.segment_bytes) {
      if (Status s = flush(); !s.ok()) return s;
      // The finished segment is synced now: the interval syncer only follows the newest one.
      if (options_.sync != SyncPolicy::kNever) {
        if (Status s = Datasync(cur->fd, cur->path); !s.ok()) return s;
      }
      if (Status s = CreateSegment(p.story->seq); !s.ok()) return s;
      cur = segments_.back().get();
    }
    locs->push_back(Location{p.story->seq, static_cast<std::uint32_t>(segments_.size() - 1),
                             static_cast<std::uint32_t>(p.frame.size()), cur->size + buf.size()});
    buf += p.frame;
  }
  if (Status s = flush(); !s.ok()) return s;
  if (options_.sync == SyncPolicy::kAlways && !locs->empty()) return Datasync(cur->fd, cur->path);
  return Status::Ok();
}

void StoryStoreImpl::WriterLoop() {
  using Steady = std::chrono::steady_clock;
  bool dirty = false;  // kInterval: written since the last background sync
  Steady::time_point sync_due;
  std::unique_lock l(mu_);
  for (;;) {
    auto ready = [this] { return !pending_.empty() || closing_; };
    if (dirty) {
      cv_.wait_until(l, sync_due, ready);
    } else {
      cv_.wait(l, ready);
    }
    if (dirty && Steady::now() >= sync_due) {
      Segment* cur = segments_.back().get();
      l.unlock();
      Status s = Datasync(cur->fd, cur->path);
      l.lock();
      dirty = false;
      if (!s.ok() && failed_.ok()) failed_ = s;
    }
    if (pending_.empty()) {
      if (closing_) break;
      continue;
    }
    std::vector<Pending> batch;
    batch.swap(pending_);
    Status failed = failed_;
    l.unlock();

    std::vector<Location> locs;
    Status s = failed.ok() ? WriteBatch(batch, &locs)
                           : Status::Unavailable("story log failed: " + failed.message());
    std::vector<StoryPtr> durable;
    std::function<void(const std::vector<StoryPtr>&)> listener;
    l.lock();
    if (s.ok()) {
      std::size_t i = 0;
      for (Pending& p : batch) {
        if (!p.story) continue;
        Publish(p.story, locs[i++]);
        durable.push_back(p.story);
      }
      listener = listener_;
    } else if (failed_.ok()) {
      // Never acknowledge what may not be durable; everything after this fails too.
      failed_ = s;
    }
    l.unlock();
    if (s.ok() && options_.sync == SyncPolicy::kInterval && !durable.empty() && !dirty) {
      dirty = true;
      sync_due = Steady::now() + std::chrono::milliseconds(options_.sync_interval_ms);
    }
    // The listener (search index, live push) sees a batch before its writers are acknowledged,
    // so a story is searchable by the time its POST returns.
    if (listener && !durable.empty()) listener(durable);
    for (Pending& p : batch) {
      if (s.ok()) {
        p.done(p.outcome);
      } else {
        p.done(s);
      }
    }
    l.lock();
  }
  // Close: a final sync so everything acknowledged under kInterval is on disk too.
  if (failed_.ok() && options_.sync != SyncPolicy::kNever) {
    Segment* cur = segments_.back().get();
    l.unlock();
    Status s = Datasync(cur->fd, cur->path);
    if (!s.ok()) std::fprintf(stderr, "story log: %s\n", s.ToString().c_str());
  }
}

void StoryStoreImpl::Close() {
  std::lock_guard close_lock(close_mu_);
  {
    std::lock_guard l(mu_);
    closing_ = true;
  }
  cv_.notify_all();
  if (writer_.joinable()) writer_.join();
}

// ---------------------------------------------------------------------------------------------
// Reads

StoryPtr StoryStoreImpl::CachedLocked(std::uint64_t seq) const {
  auto it = std::lower_bound(cache_.begin(), cache_.end(), seq,
                             [](const StoryPtr& s, std::uint64_t q) { return s->seq < q; });
  if (it != cache_.end() && (*it)->seq == seq) return *it;
  return nullptr;
}

Result<StoryPtr> StoryStoreImpl::ReadLocation(const Location& loc, int fd,
                                              const std::string& path) const {
  std::string buf(loc.size, '\0');
  if (Status s = PreadAll(fd, buf.data(), buf.size(), loc.offset, path); !s.ok()) return s;
  auto frame = ReadFrame(buf, 0, loc.seq, loc.seq);
  if (!frame.ok()) {
    return Status::Corruption("story log: " + frame.status().message() + " in " + path +
                              " at offset " + std::to_string(loc.offset));
  }
  return std::make_shared<const Story>(std::move(frame->story));
}

Result<StoryPtr> StoryStoreImpl::GetBySeq(std::uint64_t seq) const {
  std::unique_lock l(mu_);
  if (StoryPtr p = CachedLocked(seq)) return p;
  auto it = std::lower_bound(locations_.begin(), locations_.end(), seq,
                             [](const Location& a, std::uint64_t q) { return a.seq < q; });
  if (it == locations_.end() || it->seq != seq) {
    return Status::NotFound("no story with seq " + std::to_string(seq));
  }
  const Location loc = *it;
  const Segment& seg = *segments_[loc.segment];
  const int fd = seg.fd;
  const std::string path = seg.path;
  l.unlock();
  return ReadLocation(loc, fd, path);
}

Result<std::vector<StoryPtr>> StoryStoreImpl::ReadAfter(std::uint64_t after,
                                                        std::size_t limit) const {
  struct Item {
    StoryPtr story;
    Location loc;
    int fd;
    std::string path;
  };
  std::vector<Item> items;
  {
    std::lock_guard l(mu_);
    auto it = std::upper_bound(locations_.begin(), locations_.end(), after,
                               [](std::uint64_t q, const Location& a) { return q < a.seq; });
    for (; it != locations_.end() && items.size() < limit; ++it) {
      StoryPtr cached = CachedLocked(it->seq);
      const Segment& seg = *segments_[it->segment];
      items.push_back({cached, *it, cached ? -1 : seg.fd, cached ? std::string() : seg.path});
    }
  }
  std::vector<StoryPtr> out;
  out.reserve(items.size());
  for (Item& item : items) {
    if (item.story) {
      out.push_back(std::move(item.story));
      continue;
    }
    auto r = ReadLocation(item.loc, item.fd, item.path);
    if (!r.ok()) return r.status();
    out.push_back(std::move(r).value());
  }
  return out;
}

std::vector<std::uint64_t> StoryStoreImpl::VersionSeqs(std::string_view id) const {
  std::lock_guard l(mu_);
  auto it = ids_.find(std::string(id));
  if (it == ids_.end()) return {};
  std::vector<std::uint64_t> out;
  for (const VersionRef& v : it->second.versions) {
    if (v.seq <= durable_seq_) out.push_back(v.seq);  // in-flight versions are not visible yet
  }
  return out;
}

Result<StoryPtr> StoryStoreImpl::Get(std::string_view id, std::uint32_t version) const {
  std::uint64_t seq = 0;
  {
    std::lock_guard l(mu_);
    auto it = ids_.find(std::string(id));
    if (it != ids_.end()) {
      for (const VersionRef& v : it->second.versions) {
        if (v.seq > durable_seq_) break;  // in flight
        if (version == 0 || v.version == version) seq = v.seq;
      }
    }
  }
  if (seq == 0) {
    return Status::NotFound("no story " + std::string(id) +
                            (version ? " version " + std::to_string(version) : std::string()));
  }
  return GetBySeq(seq);
}

}  // namespace

Result<std::unique_ptr<StoryStore>> StoryStore::Open(const StoreOptions& options, Clock& clock,
                                                      RecoveryReport* report) {
  if (options.dir.empty()) return Status::InvalidArgument("no data folder", "dir");
  for (const std::string& d : {options.dir, options.dir + "/log"}) {
    if (::mkdir(d.c_str(), 0755) != 0 && errno != EEXIST) {
      return Status::IOError(ErrnoText("cannot create", d));
    }
  }
  auto lock = LockDataDir(options.dir);
  if (!lock.ok()) return lock.status();
  auto store = std::make_unique<StoryStoreImpl>(options, clock, *lock);
  RecoveryReport local;
  if (Status s = store->Recover(report ? report : &local); !s.ok()) return s;
  store->Start();
  return std::unique_ptr<StoryStore>(std::move(store));
}

}  // namespace dateline
