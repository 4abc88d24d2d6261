// SearchIndex implementation: the segment list, the latest-version map, flush, merge and the
// manifest. Locking: `mu_` (shared) guards the segment list, liveness and the version map;
// searches hold it shared for their whole run, Add and segment swaps hold it exclusively.
// `write_mu_` serialises the slow file work (flush, merge, manifest) so it runs outside `mu_`.
#include "index/search_index.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <condition_variable>
#include <cmath>
#include <deque>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <unordered_map>

#include "index/analyzed_story.h"
#include "index/disk_segment.h"
#include "index/loc_table.h"
#include "index/manifest.h"
#include "index/memory_segment.h"
#include "index/searcher.h"
#include "index/segment_writer.h"

namespace dateline::index {
namespace {

class IndexImpl final : public SearchIndex {
 public:
  IndexImpl(std::string dir, IndexOptions options) : dir_(std::move(dir)), options_(options) {
    if (options_.flush_docs == 0) options_.flush_docs = 1;
    if (options_.merge_factor < 2) options_.merge_factor = 2;
    mem_ = std::make_shared<MemorySegment>();
  }

  ~IndexImpl() override {
    if (worker_.joinable()) {
      {
        std::lock_guard<std::mutex> lk(work_mu_);
        stop_ = true;
      }
      work_cv_.notify_all();
      worker_.join();
    }
  }

  Status Load();

  Status Add(const Story& story) override;
  std::uint64_t IndexedSeq() const override {
    auto lk = ReadLock();
    return indexed_seq_;
  }
  Result<SearchResult> Search(const SearchRequest& request) const override {
    auto lk = ReadLock();
    std::vector<const Segment*> segs;
    for (const auto& d : disk_) segs.push_back(d.seg.get());
    for (const auto& f : frozen_) segs.push_back(f.get());
    segs.push_back(mem_.get());
    return RunSearch(segs, request);
  }
  Status Flush() override;
  Status ForceMerge() override;
  IndexStats Stats() const override;

 private:
  struct Loc {
    Segment* seg;
    std::uint32_t doc;
    std::uint64_t seq;
  };
  struct DiskEntry {
    std::shared_ptr<DiskSegment> seg;
    std::string name;
  };

  Loc* Find(std::string_view id, std::uint64_t hash);
  void SetLoc(std::string_view id, std::uint64_t hash, Loc loc);
  void Install(Segment* seg);
  void FreezeLocked();
  Status FlushFrozen();
  Status MaybeMerge();
  Status MergeRange(std::size_t begin, std::size_t end);
  Status SaveManifest();
  void WorkerLoop();
  void Kick();

  const std::string dir_;
  IndexOptions options_;

  // The shared mutex may favour readers (glibc's does), so a steady stream of searches could
  // keep Add waiting for ever. Every lock first passes `turnstile_`; a writer holds it while it
  // waits, so new searches queue behind the writer and the running ones drain.
  std::shared_lock<std::shared_mutex> ReadLock() const {
    { std::lock_guard<std::mutex> t(turnstile_); }
    return std::shared_lock<std::shared_mutex>(mu_);
  }
  std::unique_lock<std::shared_mutex> WriteLock() {
    std::lock_guard<std::mutex> t(turnstile_);
    return std::unique_lock<std::shared_mutex>(mu_);
  }
  mutable std::mutex turnstile_;
  mutable std::shared_mutex mu_;
  std::vector<DiskEntry> disk_;                           // in log order
  std::deque<std::shared_ptr<MemorySegment>> frozen_;     // full, waiting to be written
  std::shared_ptr<MemorySegment> mem_;
  // Latest version of each story: by id hash, and by id for the rare ids whose hash collides.
  LocTable<Loc> latest_;
  std::unordered_map<std::string, Loc> collided_;
  std::uint64_t indexed_seq_ = 0;
  std::uint64_t flushed_seq_ = 0;

  std::mutex write_mu_;
  std::uint64_t next_file_ = 1;   // guarded by write_mu_
  Status background_status_;      // guarded by write_mu_

  std::mutex work_mu_;
  std::condition_variable work_cv_;
  bool stop_ = false;
  bool pending_ = false;
  std::thread worker_;
};

IndexImpl::Loc* IndexImpl::Find(std::string_view id, std::uint64_t hash) {
  Loc* loc = latest_.Find(hash);
  if (loc == nullptr) return nullptr;
  if (loc->seg->story_id(loc->doc) == id) return loc;
  auto c = collided_.find(std::string(id));
  return c == collided_.end() ? nullptr : &c->second;
}

void IndexImpl::SetLoc(std::string_view id, std::uint64_t hash, Loc loc) {
  auto [at, fresh] = latest_.Insert(hash, loc);
  if (fresh) return;
  if (at->seg->story_id(at->doc) == id) {
    *at = loc;
  } else {
    collided_[std::string(id)] = loc;
  }
}

// A segment written from others takes over their live documents; one that died meanwhile (a
// newer version arrived during the write) is hidden here.
void IndexImpl::Install(Segment* seg) {
  for (std::uint32_t d = 0; d < seg->doc_count(); ++d) {
    const DocRecord& r = seg->doc(d);
    const std::string_view id = seg->story_id(d);
    Loc* loc = Find(id, r.id_hash);
    if (loc == nullptr) {
      SetLoc(id, r.id_hash, {seg, d, r.seq});
    } else if (loc->seq < r.seq) {
      loc->seg->Kill(loc->doc);
      *loc = {seg, d, r.seq};
    } else if (loc->seq == r.seq) {
      *loc = {seg, d, r.seq};
    } else {
      seg->Kill(d);
    }
  }
}

Status IndexImpl::Load() {
  if (::mkdir(dir_.c_str(), 0755) != 0 && errno != EEXIST) {
    return Status::IOError("cannot create " + dir_ + ": " + std::strerror(errno));
  }
  auto manifest = ReadManifest(dir_);
  if (!manifest.ok()) return manifest.status();
  Manifest m = manifest->value_or(Manifest{});
  std::vector<std::string> listed;
  std::size_t docs = 0;
  for (const std::string& name : m.segments) {
    auto seg = DiskSegment::Open(dir_ + "/" + name);
    if (!seg.ok()) return seg.status();
    disk_.push_back({std::shared_ptr<DiskSegment>(std::move(seg).value()), name});
    docs += disk_.back().seg->doc_count();
    listed.push_back(name);
  }
  latest_.Reserve(docs);  // one table allocation instead of a rehash every doubling
  for (const DiskEntry& e : disk_) Install(e.seg.get());
  // Files no manifest lists are leftovers of a flush or merge cut short: remove them.
  if (DIR* d = ::opendir(dir_.c_str())) {
    while (dirent* e = ::readdir(d)) {
      const std::string name = e->d_name;
      const bool segment_like = name.rfind("seg-", 0) == 0;
      const bool tmp = name.size() > 4 && name.compare(name.size() - 4, 4, ".tmp") == 0;
      if ((segment_like || tmp) &&
          std::find(listed.begin(), listed.end(), name) == listed.end()) {
        ::unlink((dir_ + "/" + name).c_str());
      }
      if (segment_like && name.size() > 10) {
        const std::uint64_t no = std::strtoull(name.c_str() + 4, nullptr, 10);
        m.next_file = std::max<std::uint64_t>(m.next_file, no + 1);
      }
    }
    ::closedir(d);
  }
  flushed_seq_ = indexed_seq_ = m.flushed_seq;
  next_file_ = m.next_file;
  if (options_.background) worker_ = std::thread([this] { WorkerLoop(); });
  return Status::Ok();
}

void IndexImpl::FreezeLocked() {
  if (mem_->doc_count() == 0) return;
  auto next = std::make_shared<MemorySegment>();
  next->ExpectLike(*mem_);
  frozen_.push_back(std::move(mem_));
  mem_ = std::move(next);
}

Status IndexImpl::Add(const Story& story) {
  {
    auto lk = ReadLock();
    if (story.seq <= indexed_seq_) return Status::Ok();  // replayed: already indexed
  }
  const AnalyzedStory a = Analyze(story, /*stems=*/false);  // outside the lock
  bool full = false;
  {
    auto lk = WriteLock();
    if (story.seq <= indexed_seq_) return Status::Ok();
    const std::uint64_t hash = StoryIdHash(story.id);
    if (Loc* old = Find(story.id, hash)) old->seg->Kill(old->doc);
    const std::uint32_t doc = mem_->Add(a);
    SetLoc(story.id, hash, {mem_.get(), doc, story.seq});
    indexed_seq_ = story.seq;
    // The memory segment addresses its postings with 32 bits (4 GiB): whatever flush_docs says,
    // it is frozen long before that.
    constexpr std::size_t kMaxMemoryBytes = std::size_t{2} << 30;
    if (mem_->doc_count() >= options_.flush_docs || mem_->memory_bytes() >= kMaxMemoryBytes) {
      FreezeLocked();
      full = true;
    }
  }
  if (full) {
    if (options_.background) {
      Kick();
    } else {
      std::lock_guard<std::mutex> w(write_mu_);
      Status s = FlushFrozen();
      if (s.ok()) s = MaybeMerge();
      if (!s.ok()) return s;
    }
  }
  return Status::Ok();
}

Status IndexImpl::SaveManifest() {
  Manifest m;
  {
    auto lk = ReadLock();
    for (const auto& d : disk_) m.segments.push_back(d.name);
    m.flushed_seq = flushed_seq_;
  }
  m.next_file = next_file_;
  return WriteManifest(dir_, m);
}

Status IndexImpl::FlushFrozen() {
  for (;;) {
    std::shared_ptr<MemorySegment> seg;
    SegmentInput input;
    {
      auto lk = ReadLock();
      if (frozen_.empty()) return Status::Ok();
      seg = frozen_.front();
      input.segment = seg.get();
      input.live = seg->live;
    }
    const std::uint64_t max_seq = seg->doc(seg->doc_count() - 1).seq;
    const std::string name = SegmentFileName(next_file_++);
    const std::string path = dir_ + "/" + name;
    auto written = WriteSegment({input}, path);
    if (!written.ok()) return written.status();
    auto opened = DiskSegment::Open(path);
    if (!opened.ok()) return opened.status();
    std::shared_ptr<DiskSegment> disk(std::move(opened).value());
    {
      auto lk = WriteLock();
      Install(disk.get());
      disk_.push_back({disk, name});
      frozen_.pop_front();
      flushed_seq_ = std::max(flushed_seq_, max_seq);
    }
    Status s = SaveManifest();
    if (!s.ok()) return s;
  }
}

// Tiered policy: a segment's tier is log_{merge_factor}(docs / flush_docs); the first run of
// merge_factor adjacent segments of one tier is merged (adjacent, so docids stay in log order).
Status IndexImpl::MaybeMerge() {
  for (;;) {
    std::size_t begin = 0, end = 0;
    {
      auto lk = ReadLock();
      auto tier = [&](const DiskEntry& e) {
        const double ratio = std::max(1.0, static_cast<double>(e.seg->doc_count()) /
                                               static_cast<double>(options_.flush_docs));
        return static_cast<int>(std::floor(std::log(ratio) /
                                           std::log(static_cast<double>(options_.merge_factor)) +
                                           1e-9));
      };
      std::size_t run = 0;
      for (std::size_t i = 0; i < disk_.size(); ++i) {
        run = (i > 0 && tier(disk_[i]) == tier(disk_[i - 1])) ? run + 1 : 1;
        if (run == options_.merge_factor) {
          begin = i + 1 - run;
          end = i + 1;
          break;
        }
      }
    }
    if (end == 0) return Status::Ok();
    Status s = MergeRange(begin, end);
    if (!s.ok()) return s;
  }
}

Status IndexImpl::MergeRange(std::size_t begin, std::size_t end) {
  std::vector<SegmentInput> inputs;
  std::vector<DiskEntry> old;
  {
    auto lk = ReadLock();
    for (std::size_t i = begin; i < end; ++i) {
      old.push_back(disk_[i]);
      inputs.push_back({disk_[i].seg.get(), disk_[i].seg->live});
    }
  }
  const std::string name = SegmentFileName(next_file_++);
  const std::string path = dir_ + "/" + name;
  auto written = WriteSegment(inputs, path);
  if (!written.ok()) return written.status();
  auto opened = DiskSegment::Open(path);
  if (!opened.ok()) return opened.status();
  std::shared_ptr<DiskSegment> merged(std::move(opened).value());
  {
    auto lk = WriteLock();
    Install(merged.get());
    disk_.erase(disk_.begin() + static_cast<std::ptrdiff_t>(begin),
                disk_.begin() + static_cast<std::ptrdiff_t>(end));
    disk_.insert(disk_.begin() + static_cast<std::ptrdiff_t>(begin), {merged, name});
  }
  Status s = SaveManifest();
  if (!s.ok()) return s;
  for (const DiskEntry& e : old) ::unlink((dir_ + "/" + e.name).c_str());
  return Status::Ok();
}

Status IndexImpl::Flush() {
  {
    auto lk = WriteLock();
    FreezeLocked();
  }
  std::lock_guard<std::mutex> w(write_mu_);
  if (!background_status_.ok()) return background_status_;
  return FlushFrozen();
}

Status IndexImpl::ForceMerge() {
  Status s = Flush();
  if (!s.ok()) return s;
  std::lock_guard<std::mutex> w(write_mu_);
  std::size_t n = 0;
  bool dead = false;
  {
    auto lk = ReadLock();
    n = disk_.size();
    for (const auto& d : disk_) {
      for (std::uint8_t l : d.seg->live) dead = dead || l == 0;
    }
  }
  if (n > 1 || (n == 1 && dead)) return MergeRange(0, n);
  return Status::Ok();
}

IndexStats IndexImpl::Stats() const {
  auto lk = ReadLock();
  IndexStats st;
  st.stories = latest_.size() + collided_.size();
  st.segments = disk_.size();
  st.memory_docs = mem_->doc_count();
  for (const auto& f : frozen_) st.memory_docs += f->doc_count();
  for (const auto& d : disk_) st.disk_bytes += d.seg->file_bytes();
  st.indexed_seq = indexed_seq_;
  st.flushed_seq = flushed_seq_;
  return st;
}

void IndexImpl::Kick() {
  {
    std::lock_guard<std::mutex> lk(work_mu_);
    pending_ = true;
  }
  work_cv_.notify_one();
}

void IndexImpl::WorkerLoop() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lk(work_mu_);
      work_cv_.wait(lk, [&] { return stop_ || pending_; });
      if (stop_) return;
      pending_ = false;
    }
    std::lock_guard<std::mutex> w(write_mu_);
    Status s = FlushFrozen();
    if (s.ok()) s = MaybeMerge();
    if (!s.ok() && background_status_.ok()) background_status_ = s;
  }
}

}  // namespace

Result<std::unique_ptr<SearchIndex>> SearchIndex::Open(const std::string& dir,
                                                       IndexOptions options) {
  auto index = std::make_unique<IndexImpl>(dir, options);
  Status s = index->Load();
  if (!s.ok()) return s;
  return std::unique_ptr<SearchIndex>(std::move(index));
}

}  // namespace dateline::index
