#include "store/story_store.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "store/story_log.h"
#include "store/test_util.h"

namespace dateline {
namespace {

using testing_util::MakeStory;
using testing_util::TempDir;

std::vector<storylog::SegmentFile> Segments(const std::string& dir) {
  auto r = storylog::ListSegments(dir + "/log");
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::vector<storylog::SegmentFile>{};
}

std::uint64_t FileSize(const std::string& path) { return std::filesystem::file_size(path); }

class StoryStoreTest : public ::testing::Test {
 protected:
  StoreOptions Options() const {
    StoreOptions o;
    o.dir = tmp_.path();
    return o;
  }
  std::unique_ptr<StoryStore> OpenStore(const StoreOptions& o, RecoveryReport* report = nullptr) {
    auto r = StoryStore::Open(o, clock_, report);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : nullptr;
  }
  // Appends n distinct stories and returns what was stored (with the assigned fields).
  std::vector<Story> AppendN(StoryStore& store, int n, int first = 0) {
    std::vector<Story> out;
    for (int i = first; i < first + n; ++i) {
      clock_.Advance(1000);
      auto r = store.AppendAndWait(MakeStory("s" + std::to_string(i), "Headline " + std::to_string(i)));
      EXPECT_TRUE(r.ok()) << r.status().ToString();
      auto got = store.GetBySeq(r->seq);
      EXPECT_TRUE(got.ok()) << got.status().ToString();
      out.push_back(**got);
    }
    return out;
  }

  TempDir tmp_;
  ManualClock clock_{1700000000000000};
};

TEST_F(StoryStoreTest, AppendGetVersionsAndDuplicates) {
  auto store = OpenStore(Options());
  ASSERT_TRUE(store);
  Story a = MakeStory("a", "First");
  auto r1 = store->AppendAndWait(a);
  ASSERT_TRUE(r1.ok()) << r1.status().ToString();
  EXPECT_EQ(r1->id, a.id);
  EXPECT_EQ(r1->version, 1u);
  EXPECT_EQ(r1->seq, 1u);
  EXPECT_FALSE(r1->duplicate);

  // Same content again: duplicate, nothing written.
  auto dup = store->AppendAndWait(a);
  ASSERT_TRUE(dup.ok());
  EXPECT_TRUE(dup->duplicate);
  EXPECT_EQ(dup->seq, 1u);
  EXPECT_EQ(dup->version, 1u);
  EXPECT_EQ(store->LastDurableSeq(), 1u);

  // Changed content: version 2 chained to version 1.
  clock_.Advance(5000000);
  Story a2 = a;
  a2.headline = "First, updated";
  auto r2 = store->AppendAndWait(a2);
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->version, 2u);
  EXPECT_EQ(r2->seq, 2u);
  EXPECT_FALSE(r2->duplicate);

  auto b = store->AppendAndWait(MakeStory("b", "Second"));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->seq, 3u);

  auto latest = store->Get(a.id);
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ((*latest)->headline, "First, updated");
  EXPECT_EQ((*latest)->version, 2u);
  EXPECT_EQ((*latest)->previous_seq, 1u);
  EXPECT_EQ((*latest)->received_us, 1700000000000000);  // first received
  EXPECT_EQ((*latest)->updated_us, 1700000005000000);   // this version
  auto v1 = store->Get(a.id, 1);
  ASSERT_TRUE(v1.ok());
  EXPECT_EQ((*v1)->headline, "First");
  EXPECT_EQ((*v1)->previous_seq, 0u);
  EXPECT_EQ(store->Get(a.id, 3).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->Get("000000000000000000000000").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->VersionSeqs(a.id), (std::vector<std::uint64_t>{1, 2}));
  EXPECT_TRUE(store->VersionSeqs("nope").empty());
  EXPECT_EQ(store->StoryCount(), 2u);

  // Re-sending the first version's content after an update is a new version (it differs from
  // the latest).
  auto r3 = store->AppendAndWait(a);
  ASSERT_TRUE(r3.ok());
  EXPECT_EQ(r3->version, 3u);

  auto all = store->ReadAfter(0, 100);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 4u);
  for (std::size_t i = 0; i < all->size(); ++i) EXPECT_EQ((*all)[i]->seq, i + 1);
  auto some = store->ReadAfter(1, 2);
  ASSERT_TRUE(some.ok());
  ASSERT_EQ(some->size(), 2u);
  EXPECT_EQ((*some)[0]->seq, 2u);
  EXPECT_EQ((*some)[1]->seq, 3u);
  EXPECT_EQ(store->GetBySeq(99).status().code(), StatusCode::kNotFound);
}

TEST_F(StoryStoreTest, ReopenKeepsEverything) {
  std::vector<Story> before;
  {
    auto store = OpenStore(Options());
    ASSERT_TRUE(store);
    before = AppendN(*store, 20);
    Story upd = MakeStory("s3", "Headline 3 updated");
    auto r = store->AppendAndWait(upd);
    ASSERT_TRUE(r.ok());
    before.push_back(**store->GetBySeq(r->seq));
  }
  for (std::size_t cache : {std::size_t{0}, std::size_t{5}, std::size_t{100000}}) {
    StoreOptions o = Options();
    o.recent_stories = cache;
    RecoveryReport report;
    auto store = OpenStore(o, &report);
    ASSERT_TRUE(store);
    EXPECT_EQ(report.stories, 21u);
    EXPECT_EQ(report.last_seq, 21u);
    EXPECT_EQ(report.dropped_bytes, 0u);
    EXPECT_EQ(store->LastDurableSeq(), 21u);
    EXPECT_EQ(store->StoryCount(), 20u);
    auto all = store->ReadAfter(0, 1000);
    ASSERT_TRUE(all.ok());
    ASSERT_EQ(all->size(), before.size());
    for (std::size_t i = 0; i < before.size(); ++i) EXPECT_EQ(*(*all)[i], before[i]);
    auto v2 = store->Get(before[3].id);
    ASSERT_TRUE(v2.ok());
    EXPECT_EQ((*v2)->version, 2u);
    EXPECT_EQ(store->VersionSeqs(before[3].id), (std::vector<std::uint64_t>{4, 21}));
    // Duplicate detection survives the reopen.
    auto dup = store->AppendAndWait(MakeStory("s5", "Headline 5"));
    ASSERT_TRUE(dup.ok());
    EXPECT_TRUE(dup->duplicate);
    EXPECT_EQ(dup->seq, 6u);
  }
  auto store = OpenStore(Options());
  auto next = store->AppendAndWait(MakeStory("new", "New"));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->seq, 22u);
}

class TornTailTest : public StoryStoreTest,
                     public ::testing::WithParamInterface<std::string> {};

TEST_P(TornTailTest, TruncatedOrGarbageTailIsDropped) {
  std::vector<Story> before;
  std::uint64_t good_size = 0;
  std::string seg;
  {
    auto store = OpenStore(Options());
    ASSERT_TRUE(store);
    before = AppendN(*store, 10);
    seg = Segments(tmp_.path()).back().path;
    good_size = FileSize(seg);
  }
  std::uint64_t expect_offset = good_size;
  std::uint64_t expect_dropped = 0;
  const std::string mode = GetParam();
  if (mode == "truncate") {
    // Cut the last frame in half: the tail starts where that frame starts.
    auto frame_size = good_size;
    {
      auto store = OpenStore(Options());
      auto r = store->AppendAndWait(MakeStory("last", "The last one"));
      ASSERT_TRUE(r.ok());
      frame_size = FileSize(seg) - good_size;
    }
    ASSERT_EQ(::truncate(seg.c_str(), static_cast<off_t>(good_size + frame_size / 2)), 0);
    expect_dropped = frame_size / 2;
  } else {
    std::ofstream out(seg, std::ios::binary | std::ios::app);
    std::string junk = mode == "zeros" ? std::string(100, '\0') : std::string("garbage!garbage!xyz");
    out << junk;
    expect_dropped = junk.size();
  }
  RecoveryReport report;
  auto store = OpenStore(Options(), &report);
  ASSERT_TRUE(store);
  EXPECT_EQ(report.dropped_bytes, expect_dropped);
  EXPECT_EQ(report.dropped_offset, expect_offset);
  EXPECT_EQ(report.dropped_segment, std::filesystem::path(seg).filename().string());
  EXPECT_EQ(report.stories, 10u);
  EXPECT_EQ(FileSize(seg), good_size);
  auto all = store->ReadAfter(0, 100);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 10u);
  for (std::size_t i = 0; i < 10; ++i) EXPECT_EQ(*(*all)[i], before[i]);
  auto next = store->AppendAndWait(MakeStory("after", "After the tear"));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->seq, 11u);
  store.reset();
  RecoveryReport again;
  store = OpenStore(Options(), &again);
  EXPECT_EQ(again.dropped_bytes, 0u);
  EXPECT_EQ(again.stories, 11u);
}

INSTANTIATE_TEST_SUITE_P(Modes, TornTailTest, ::testing::Values("truncate", "garbage", "zeros"));

TEST_F(StoryStoreTest, MidLogCorruptionFailsOpenAndRepairSalvages) {
  StoreOptions o = Options();
  o.segment_bytes = 2000;  // several segments, damage in a middle one
  std::vector<Story> before;
  {
    auto store = OpenStore(o);
    before = AppendN(*store, 30);
  }
  auto segs = Segments(tmp_.path());
  ASSERT_GE(segs.size(), 3u);
  // Flip a byte inside the second frame of the second segment.
  const storylog::SegmentFile& victim = segs[1];
  auto bytes = storylog::ReadFileBytes(victim.path);
  ASSERT_TRUE(bytes.ok());
  auto f1 = storylog::ReadFrame(*bytes, storylog::kHeaderSize, victim.first_seq, victim.first_seq);
  ASSERT_TRUE(f1.ok()) << f1.status().ToString();
  const std::uint64_t bad_offset = storylog::kHeaderSize + f1->size;
  const std::uint64_t bad_seq = victim.first_seq + 1;
  {
    int fd = ::open(victim.path.c_str(), O_RDWR);
    ASSERT_GE(fd, 0);
    char c;
    ASSERT_EQ(::pread(fd, &c, 1, static_cast<off_t>(bad_offset + 30)), 1);
    c ^= 0x40;
    ASSERT_EQ(::pwrite(fd, &c, 1, static_cast<off_t>(bad_offset + 30)), 1);
    ::close(fd);
  }
  auto failed = StoryStore::Open(o, clock_);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), StatusCode::kCorruption);
  EXPECT_NE(failed.status().message().find(victim.name), std::string::npos)
      << failed.status().message();
  EXPECT_NE(failed.status().message().find("offset " + std::to_string(bad_offset)),
            std::string::npos)
      << failed.status().message();
  EXPECT_NE(failed.status().message().find("dateline repair --data " + o.dir), std::string::npos);

  auto rep = Repair(o.dir);
  ASSERT_TRUE(rep.ok()) << rep.status().ToString();
  EXPECT_EQ(rep->frames_kept, 29u);
  EXPECT_EQ(rep->frames_lost, 1u);
  EXPECT_GT(rep->bytes_skipped, 0u);
  ASSERT_EQ(rep->messages.size(), 1u);
  EXPECT_NE(rep->messages[0].find(victim.name), std::string::npos);
  int damaged_dirs = 0;
  for (auto& e : std::filesystem::directory_iterator(o.dir)) {
    if (e.path().filename().string().rfind("log.damaged-", 0) == 0) ++damaged_dirs;
  }
  EXPECT_EQ(damaged_dirs, 1);

  auto store = OpenStore(o);
  ASSERT_TRUE(store);
  auto all = store->ReadAfter(0, 1000);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 29u);
  std::size_t j = 0;
  for (const Story& s : before) {
    if (s.seq == bad_seq) {
      EXPECT_EQ(store->GetBySeq(s.seq).status().code(), StatusCode::kNotFound);
      continue;
    }
    EXPECT_EQ(*(*all)[j++], s);  // original seqs kept
  }
  EXPECT_EQ(store->StoryCount(), 29u);
  // New appends continue after the highest salvaged seq and survive another reopen.
  auto next = store->AppendAndWait(MakeStory("post-repair", "After repair"));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->seq, 31u);
  store.reset();
  store = OpenStore(o);
  ASSERT_TRUE(store);
  EXPECT_EQ(store->LastDurableSeq(), 31u);
  EXPECT_EQ((*store->ReadAfter(0, 1000)).size(), 30u);
}

TEST_F(StoryStoreTest, CorruptLastSegmentWithValidFrameAfterIsCorruption) {
  {
    auto store = OpenStore(Options());
    AppendN(*store, 5);
  }
  auto seg = Segments(tmp_.path()).back();
  int fd = ::open(seg.path.c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  char c = 0x7f;  // inside the first frame's payload
  ASSERT_EQ(::pwrite(fd, &c, 1, static_cast<off_t>(storylog::kHeaderSize + 25)), 1);
  ::close(fd);
  auto r = StoryStore::Open(Options(), clock_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  EXPECT_NE(r.status().message().find(seg.name + " at offset " +
                                      std::to_string(storylog::kHeaderSize)),
            std::string::npos)
      << r.status().message();
}

TEST_F(StoryStoreTest, SegmentRollingAndReadingAcrossSegments) {
  StoreOptions o = Options();
  o.segment_bytes = 1024;
  o.recent_stories = 3;  // force reads from disk
  std::vector<Story> before;
  {
    auto store = OpenStore(o);
    before = AppendN(*store, 60);
    auto all = store->ReadAfter(0, 1000);
    ASSERT_TRUE(all.ok());
    ASSERT_EQ(all->size(), 60u);
  }
  auto segs = Segments(tmp_.path());
  EXPECT_GT(segs.size(), 10u);
  std::uint64_t expect_first = 1;
  for (const auto& s : segs) {
    EXPECT_EQ(s.first_seq, expect_first);
    auto bytes = storylog::ReadFileBytes(s.path);
    ASSERT_TRUE(bytes.ok());
    std::uint64_t pos = storylog::kHeaderSize;
    while (pos < bytes->size()) {
      auto f = storylog::ReadFrame(*bytes, pos, expect_first, expect_first);
      ASSERT_TRUE(f.ok()) << s.name << ": " << f.status().ToString();
      pos += f->size;
      ++expect_first;
    }
    EXPECT_LE(bytes->size(), 1024u);
  }
  EXPECT_EQ(expect_first, 61u);
  auto store = OpenStore(o);
  for (std::uint64_t after : {0u, 7u, 33u, 59u, 60u}) {
    auto part = store->ReadAfter(after, 10);
    ASSERT_TRUE(part.ok());
    ASSERT_EQ(part->size(), std::min<std::uint64_t>(10, 60 - after));
    for (std::size_t i = 0; i < part->size(); ++i) EXPECT_EQ(*(*part)[i], before[after + i]);
  }
}

TEST_F(StoryStoreTest, GroupCommitManyThreads) {
  StoreOptions o = Options();
  o.segment_bytes = 64 * 1024;
  auto store = OpenStore(o);
  ASSERT_TRUE(store);
  std::mutex mu;
  std::vector<std::uint64_t> listened;
  std::size_t batches = 0;
  store->SetDurableListener([&](const std::vector<StoryPtr>& batch) {
    std::lock_guard l(mu);
    ++batches;
    for (const auto& s : batch) listened.push_back(s->seq);
  });
  constexpr int kThreads = 8;
  constexpr int kPerThread = 50;
  std::vector<std::uint64_t> acked;
  std::atomic<int> callbacks{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        // append, not `"t" + ...`: GCC 12 -O3 false -Wrestrict (GCC bug 105329)
        std::string id = std::string("t").append(std::to_string(t)).append("-").append(std::to_string(i));
        auto r = store->AppendAndWait(MakeStory(id, "Story " + id));
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        EXPECT_LE(r->seq, store->LastDurableSeq());
        ++callbacks;
        std::lock_guard l(mu);
        acked.push_back(r->seq);
      }
    });
  }
  // Same story from many threads at once: exactly one version.
  std::vector<std::thread> dups;
  std::vector<AppendOutcome> dup_out(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    dups.emplace_back([&, t] {
      auto r = store->AppendAndWait(MakeStory("same", "Same story"));
      ASSERT_TRUE(r.ok());
      dup_out[t] = *r;
    });
  }
  for (auto& th : threads) th.join();
  for (auto& th : dups) th.join();
  store->Close();
  const std::uint64_t total = kThreads * kPerThread + 1;
  EXPECT_EQ(callbacks.load(), kThreads * kPerThread);
  int fresh = 0;
  for (const auto& d : dup_out) {
    EXPECT_EQ(d.version, 1u);
    EXPECT_EQ(d.seq, dup_out[0].seq);
    fresh += d.duplicate ? 0 : 1;
  }
  EXPECT_EQ(fresh, 1);
  acked.push_back(dup_out[0].seq);
  std::sort(acked.begin(), acked.end());
  ASSERT_EQ(acked.size(), total);
  for (std::uint64_t i = 0; i < total; ++i) EXPECT_EQ(acked[i], i + 1);
  ASSERT_EQ(listened.size(), total);
  for (std::uint64_t i = 0; i < total; ++i) EXPECT_EQ(listened[i], i + 1);
  EXPECT_LE(batches, total);
  EXPECT_EQ(store->StoryCount(), total);
}

class SyncPolicyTest : public StoryStoreTest,
                       public ::testing::WithParamInterface<SyncPolicy> {};

TEST_P(SyncPolicyTest, NeverAcksBeforeWrite) {
  StoreOptions o = Options();
  o.sync = GetParam();
  o.sync_interval_ms = 5;
  auto store = OpenStore(o);
  ASSERT_TRUE(store);
  std::atomic<int> checked{0};
  std::atomic<int> bad{0};
  const std::string dir = o.dir;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        std::string id = std::to_string(t) + "/" + std::to_string(i);
        auto r = store->AppendAndWait(MakeStory(id, "H " + id));
        ASSERT_TRUE(r.ok());
        // The acked frame is in the file (readable by another reader) when the ack arrives.
        bool found = false;
        for (const auto& seg : Segments(dir)) {
          auto bytes = storylog::ReadFileBytes(seg.path);
          if (!bytes.ok()) continue;
          std::uint64_t pos = storylog::kHeaderSize;
          while (pos < bytes->size()) {
            auto f = storylog::ReadFrame(*bytes, pos, 1, UINT64_MAX);
            if (!f.ok()) break;
            if (f->seq == r->seq) found = true;
            pos += f->size;
          }
        }
        ++checked;
        if (!found) ++bad;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(checked.load(), 40);
  EXPECT_EQ(bad.load(), 0);
}

INSTANTIATE_TEST_SUITE_P(Policies, SyncPolicyTest,
                         ::testing::Values(SyncPolicy::kAlways, SyncPolicy::kInterval,
                                           SyncPolicy::kNever));

TEST_F(StoryStoreTest, CloseIsIdempotentAndLaterAppendsFail) {
  auto store = OpenStore(Options());
  ASSERT_TRUE(store);
  std::atomic<int> ok{0};
  for (int i = 0; i < 20; ++i) {
    store->Append(MakeStory(std::string("c").append(std::to_string(i)), "C"), [&](Result<AppendOutcome> r) {
      if (r.ok()) ++ok;
    });
  }
  store->Close();  // drains the queue
  EXPECT_EQ(ok.load(), 20);
  EXPECT_EQ(store->LastDurableSeq(), 20u);
  store->Close();
  auto r = store->AppendAndWait(MakeStory("late", "Late"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  // Reads still work after Close.
  auto all = store->ReadAfter(0, 100);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 20u);
}

TEST_F(StoryStoreTest, SecondOpenOfSameFolderIsRefused) {
  auto store = OpenStore(Options());
  ASSERT_TRUE(store);
  auto again = StoryStore::Open(Options(), clock_);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kUnavailable);
}

// A write that the OS refuses (here: file size limit, EFBIG) fails that append and puts the store
// in a failed state; nothing unwritten is acknowledged and a reopen finds every acked story.
TEST_F(StoryStoreTest, WriteFailureFailsTheStore) {
  auto store = OpenStore(Options());
  ASSERT_TRUE(store);
  AppendN(*store, 3);
  const std::string seg = Segments(tmp_.path()).back().path;
  struct rlimit old {};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
  auto old_handler = signal(SIGXFSZ, SIG_IGN);
  struct rlimit lim = old;
  lim.rlim_cur = FileSize(seg) + 600;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &lim), 0);
  std::vector<std::uint64_t> acked;
  Status failure;
  for (int i = 0; i < 50 && failure.ok(); ++i) {
    Story big = MakeStory("big" + std::to_string(i), "Big");
    big.body = {{Block::Kind::kParagraph, std::string(200, 'x')}};
    auto r = store->AppendAndWait(big);
    if (r.ok()) {
      acked.push_back(r->seq);
    } else {
      failure = r.status();
    }
  }
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &old), 0);
  signal(SIGXFSZ, old_handler);
  EXPECT_EQ(failure.code(), StatusCode::kIOError) << failure.ToString();
  auto later = store->AppendAndWait(MakeStory("later", "Later"));
  EXPECT_EQ(later.status().code(), StatusCode::kUnavailable);
  const std::uint64_t last_acked = acked.empty() ? 3 : acked.back();
  EXPECT_EQ(store->LastDurableSeq(), last_acked);
  store.reset();
  RecoveryReport report;
  store = OpenStore(Options(), &report);
  ASSERT_TRUE(store);
  EXPECT_EQ(store->LastDurableSeq(), last_acked);
  auto next = store->AppendAndWait(MakeStory("again", "Again"));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->seq, last_acked + 1);
}

TEST(SyncPolicyNames, RoundTrip) {
  for (SyncPolicy p : {SyncPolicy::kAlways, SyncPolicy::kInterval, SyncPolicy::kNever}) {
    auto back = ParseSyncPolicy(SyncPolicyName(p));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, p);
  }
  EXPECT_FALSE(ParseSyncPolicy("sometimes").ok());
}

}  // namespace
}  // namespace dateline
