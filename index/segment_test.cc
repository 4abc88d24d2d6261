// Segments: posting cursors over random lists (memory and disk must agree with the lists they
// were built from, also when skipping), and damaged segment files.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <fstream>
#include <iterator>
#include <random>
#include <set>

#include "core/crc32c.h"
#include "index/analyzed_story.h"
#include "index/block_codec.h"
#include "index/disk_segment.h"
#include "index/memory_segment.h"
#include "index/segment_file.h"
#include "index/segment_writer.h"
#include "index/test_corpus.h"

namespace dateline::index {
namespace {

namespace fs = std::filesystem;

class SegmentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dateline-segment-test-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  // `mem` written to `name` in dir_ and opened again; nullptr (with the failure recorded) when
  // either step fails.
  std::unique_ptr<DiskSegment> WriteAndOpen(const MemorySegment& mem,
                                            const std::string& name = "seg-000001.dix") {
    const std::string path = (dir_ / name).string();
    auto written = WriteSegment({{&mem, mem.live}}, path);
    EXPECT_TRUE(written.ok()) << written.status().ToString();
    if (!written.ok()) return nullptr;
    auto disk = DiskSegment::Open(path);
    EXPECT_TRUE(disk.ok()) << disk.status().ToString();
    return disk.ok() ? std::move(*disk) : nullptr;
  }
  fs::path dir_;
};

// A memory segment whose word "w<k>" occurs in document d when (d % (k + 1)) == 0, at
// positions k, k + 3, ... (k % 5 + 1 of them), so lists of every length and block count exist.
std::unique_ptr<MemorySegment> Synthetic(std::uint32_t docs) {
  auto seg = std::make_unique<MemorySegment>();
  for (std::uint32_t d = 0; d < docs; ++d) {
    AnalyzedStory s;
    s.id = "story-" + std::to_string(d);
    s.seq = d + 1;
    s.source = d % 3 == 0 ? "reuters" : "bbc";
    s.language = "en";
    s.time_us = 1000 + d;
    std::uint32_t pos = 0;
    for (std::uint32_t k = 0; k < 300; ++k) {
      if (d % (k + 1) != 0) continue;
      for (std::uint32_t r = 0; r <= k % 5; ++r) {
        const std::string w = "w" + std::to_string(k);
        s.AddWord(w, w, pos++);
      }
    }
    std::sort(s.words.begin(), s.words.end(),
              [](const AnalyzedWord& a, const AnalyzedWord& b) { return a.position < b.position; });
    s.paragraph_starts = {0};
    s.fields = {{"source", s.source}};
    seg->Add(s);
  }
  return seg;
}

// Moves cursors a and b alike, Next and Advance by up to `max_jump` alternating at random, and
// expects the same documents, tfs and positions; `each` checks more at every document of a.
void ExpectSameMoves(PostingCursor& a, PostingCursor& b, std::mt19937& rng,
                     std::uint32_t max_jump, const std::string& key,
                     const std::function<void(PostingCursor&, std::uint32_t)>& each = {}) {
  std::vector<std::uint32_t> pa, pb;
  for (;;) {
    std::uint32_t da, db;
    if (rng() % 3 == 0) {
      const std::uint32_t target = (a.doc() == kNoDoc ? 0 : a.doc()) + rng() % max_jump;
      da = a.Advance(target);
      db = b.Advance(target);
    } else {
      da = a.Next();
      db = b.Next();
    }
    ASSERT_EQ(da, db) << key;
    if (da == kNoDoc) break;
    ASSERT_EQ(a.tf(), b.tf()) << key << " " << da;
    a.Positions(pa);
    b.Positions(pb);
    ASSERT_EQ(pa, pb) << key << " " << da;
    if (each) {
      ASSERT_NO_FATAL_FAILURE(each(a, da)) << key << " " << da;
    }
  }
}

void ExpectSamePostings(const Segment& a, const Segment& b, std::uint32_t docs) {
  std::mt19937 rng(5);
  std::vector<std::uint32_t> positions;
  for (std::uint32_t k = 0; k < 300; k += 7) {
    const std::string key = ExactKey("w" + std::to_string(k));
    ASSERT_EQ(a.DocFreq(key), b.DocFreq(key)) << key;
    auto ca = a.Postings(key), cb = b.Postings(key);
    ASSERT_TRUE(ca && cb);
    ASSERT_NO_FATAL_FAILURE(
        ExpectSameMoves(*ca, *cb, rng, 700, key, [&](PostingCursor& c, std::uint32_t d) {
          ASSERT_LT(d, docs);
          ASSERT_EQ(d % (k + 1), 0u);
          ASSERT_EQ(c.tf(), k % 5 + 1);
          c.Positions(positions);
          ASSERT_EQ(positions.size(), k % 5 + 1);
        }));
  }
}

TEST_F(SegmentTest, DiskPostingsEqualMemoryPostings) {
  const std::uint32_t docs = 2000;
  auto mem = Synthetic(docs);
  const std::string path = (dir_ / "seg-000001.dix").string();
  auto w = WriteSegment({{mem.get(), mem->live}}, path);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(w->docs, docs);
  auto disk = DiskSegment::Open(path);
  ASSERT_TRUE(disk.ok()) << disk.status().ToString();
  ASSERT_EQ((*disk)->doc_count(), docs);
  ExpectSamePostings(*mem, **disk, docs);
  EXPECT_EQ((*disk)->story_id(17), "story-17");
  EXPECT_EQ((*disk)->doc(17).seq, 18u);
  EXPECT_EQ((*disk)->sources()[(*disk)->doc(3).source], "reuters");
  // Prefix enumeration over the sorted dictionary.
  std::vector<std::string> keys;
  (*disk)->ForEachKey(ExactKey("w29"), [&](std::string_view k) {
    keys.emplace_back(k);
    return true;
  });
  EXPECT_EQ(keys, (std::vector<std::string>{ExactKey("w29"), ExactKey("w290"), ExactKey("w291"),
                                            ExactKey("w292"), ExactKey("w293"), ExactKey("w294"),
                                            ExactKey("w295"), ExactKey("w296"), ExactKey("w297"),
                                            ExactKey("w298"), ExactKey("w299")}));
}

// A pass that takes a cursor's decoded blocks in windows (BlockLast, TakeBlock, then Advance
// past the window) sees the documents and tfs that Next sees, for windows cut by the blocks'
// ends and by limits inside blocks.
TEST_F(SegmentTest, TakeBlockHandsOutWhatNextDoes) {
  const std::uint32_t docs = 5000;
  auto disk = WriteAndOpen(*Synthetic(docs));
  ASSERT_NE(disk, nullptr);
  std::mt19937 rng(5);
  for (const std::uint32_t k : {0u, 1u, 2u, 6u, 13u, 40u, 299u}) {
    const std::string key = ExactKey("w" + std::to_string(k));
    std::vector<std::uint32_t> want_docs, want_tfs;
    auto a = disk->Postings(key);
    ASSERT_NE(a, nullptr) << key;
    for (std::uint32_t d = a->Next(); d != kNoDoc; d = a->Next()) {
      want_docs.push_back(d);
      want_tfs.push_back(a->tf());
    }
    ASSERT_FALSE(want_docs.empty()) << key;
    for (int cut = 0; cut < 2; ++cut) {
      auto c = disk->Postings(key);
      std::vector<std::uint32_t> got_docs, got_tfs;
      std::uint32_t target = 0;
      std::size_t windows = 0;
      while (c->Advance(target) != kNoDoc) {
        const std::uint32_t d = c->doc();
        std::uint32_t limit = c->BlockLast();
        ASSERT_GE(limit, d) << key;
        if (cut == 1) limit = d + rng() % (limit - d + 1);  // a limit inside the block
        const std::uint32_t* wd = nullptr;
        const std::uint32_t* wt = nullptr;
        const std::size_t n = c->TakeBlock(limit, &wd, &wt);
        ASSERT_GE(n, 1u) << key;
        ASSERT_EQ(wd[0], d) << key;
        ASSERT_LE(wd[n - 1], limit) << key;
        ASSERT_EQ(c->doc(), wd[n - 1]) << key;
        got_docs.insert(got_docs.end(), wd, wd + n);
        got_tfs.insert(got_tfs.end(), wt, wt + n);
        target = limit + 1;
        ++windows;
      }
      EXPECT_EQ(got_docs, want_docs) << key << " cut " << cut;
      EXPECT_EQ(got_tfs, want_tfs) << key << " cut " << cut;
      // A cursor at no document hands out nothing.
      EXPECT_EQ(c->TakeBlock(kNoDoc - 1, nullptr, nullptr), 0u);
      if (want_docs.size() > 128) {
        EXPECT_GT(windows, 1u) << key;
      }
      if (cut == 0) {
        EXPECT_LE(windows, (want_docs.size() + 127) / 128) << key;  // whole blocks at a time
      }
    }
  }
}

// A cursor moved to documents by a bitmap of its list (MoveByBits, its block's docids left
// undecoded) stands where Advance would: the same tf and positions (asked once or twice), and
// the same documents when it moves on by Next or Advance from there. The bitmaps are set as an
// AND's meeting sets them: the whole list, or only its blocks holding a document of `where`,
// over the segment or a range of it.
TEST_F(SegmentTest, MoveByBitsStandsWhereAdvanceDoes) {
  const std::uint32_t docs = 5000;
  auto disk = WriteAndOpen(*Synthetic(docs));
  ASSERT_NE(disk, nullptr);
  const Segment& seg = *disk;
  std::mt19937 rng(11);
  std::uint64_t by_bits = 0;
  std::uint64_t asked_again = 0;
  std::vector<std::uint32_t> pa, pb;
  for (const std::uint32_t k : {0u, 1u, 2u, 6u, 13u, 40u, 299u}) {
    const std::string key = ExactKey("w" + std::to_string(k));
    for (int variant = 0; variant < 3; ++variant) {
      const std::uint32_t lo = variant == 2 ? 1000 : 0, hi = docs;
      const std::size_t words = (hi - lo + 63) / 64;
      std::vector<std::uint64_t> where(words, 0), bits(words, 0);
      for (std::uint32_t d = lo; d < hi; ++d) {
        if (variant == 0 || rng() % 9 == 0) where[(d - lo) >> 6] |= 1ull << ((d - lo) & 63);
      }
      auto fill = seg.Postings(key);
      ASSERT_TRUE(fill);
      if (variant == 0) {
        fill->SetBits(lo, hi, bits.data());
      } else {
        fill->SetBitsWhere(lo, hi, bits.data(), where.data());
      }
      // Candidates: some of the list's documents in `where`, ascending.
      std::vector<std::uint32_t> wanted;
      auto all = seg.Postings(key);
      for (std::uint32_t d = all->Advance(lo); d < hi; d = all->Next()) {
        const std::uint32_t b = d - lo;
        ASSERT_TRUE((where[b >> 6] >> (b & 63) & 1) == 0 || (bits[b >> 6] >> (b & 63) & 1) == 1)
            << key << " " << d;
        if ((where[b >> 6] >> (b & 63) & 1) && rng() % 3 == 0) wanted.push_back(d);
      }
      auto a = seg.Postings(key), b = seg.Postings(key);
      std::uint32_t at = 0;  // a's document after a step by Next or Advance
      for (std::size_t i = 0; i < wanted.size(); ++i) {
        const std::uint32_t d = wanted[i];
        if (at != 0 && at >= d) continue;
        if (a->MoveByBits(d, bits.data(), lo)) {
          ++by_bits;
        } else {
          ASSERT_EQ(a->Advance(d), d) << key;
        }
        ASSERT_EQ(a->doc(), d) << key;
        ASSERT_EQ(b->Advance(d), d) << key;
        ASSERT_EQ(a->tf(), b->tf()) << key << " " << d;
        a->Positions(pa);
        b->Positions(pb);
        ASSERT_EQ(pa, pb) << key << " " << d;
        if (rng() % 3 == 0) {  // asked again: its codes found again from the block's start
          std::vector<std::uint32_t> again;
          a->Positions(again);
          ASSERT_EQ(again, pb) << key << " " << d << " asked again";
          ++asked_again;
        }
        at = 0;
        if (rng() % 4 == 0) {  // on from an undecoded block
          const std::uint32_t next = rng() % 2 == 0 ? a->Next() : a->Advance(d + 1 + rng() % 50);
          const std::uint32_t want = next == kNoDoc ? kNoDoc : b->Advance(next);
          ASSERT_EQ(next, want) << key << " after " << d;
          if (next == kNoDoc) break;
          ASSERT_EQ(a->tf(), b->tf());
          a->Positions(pa);
          b->Positions(pb);
          ASSERT_EQ(pa, pb);
          at = next;
        }
      }
    }
  }
  EXPECT_GT(by_bits, 1000u);  // the bitmaps were used, not only Advance
  EXPECT_GT(asked_again, 100u);
}

// Words "d<p>" in about p% of the documents, at random (their lists' blocks are bitmaps
// where that is no larger than packed deltas), and "d1" rare, with random tfs.
std::unique_ptr<MemorySegment> DenseRandom(std::uint32_t docs, std::uint32_t seed) {
  std::mt19937 rng(seed);
  auto seg = std::make_unique<MemorySegment>();
  const std::uint32_t percents[] = {1, 20, 35, 50, 80, 97};
  for (std::uint32_t d = 0; d < docs; ++d) {
    AnalyzedStory s;
    s.id = "story-" + std::to_string(d);
    s.seq = d + 1;
    s.source = "reuters";
    s.language = "en";
    s.time_us = 1000 + d;
    std::uint32_t pos = 0;
    for (const std::uint32_t p : percents) {
      if (rng() % 100 >= p) continue;
      const std::string w = "d" + std::to_string(p);
      for (std::uint32_t r = 0, tf = 1 + rng() % 3; r < tf; ++r) s.AddWord(w, w, pos++);
    }
    s.AddWord("filler", "filler", pos++);
    s.paragraph_starts = {0};
    s.fields = {{"source", s.source}};
    seg->Add(s);
  }
  return seg;
}

// The writer makes a dense list's blocks bitmaps, and a sparse list's packed deltas.
TEST_F(SegmentTest, DenseListsGetBitmapBlocks) {
  std::mt19937 rng(3);
  for (const std::uint32_t every : {2u, 30u}) {
    std::vector<std::uint32_t> docs, tfs;
    for (std::uint32_t d = 0; docs.size() < 1000; ++d) {
      if (rng() % every == 0) docs.push_back(d);
    }
    tfs.assign(docs.size(), 1);
    std::string out;
    EncodePostingsCoded(docs, tfs, {}, false, out, nullptr, 10);
    const std::size_t blocks = (docs.size() + kBlockSize - 1) / kBlockSize;
    std::size_t bitmaps = 0;
    for (std::size_t b = 0; b < blocks; ++b) {
      segfile::SkipEntry e;
      std::memcpy(&e, out.data() + b * sizeof e, sizeof e);
      bitmaps += static_cast<std::uint8_t>(out[e.offset]) == kDocBitmap ? 1 : 0;
    }
    if (every == 2) {
      EXPECT_EQ(bitmaps, blocks);
    } else {
      EXPECT_EQ(bitmaps, 0u);
    }
  }
}

// Lists with bitmap blocks read as they were written: every cursor move against the memory
// segment's, and the bitmaps an AND's meeting sets (whole, by `where`, in ranges that cut
// blocks) against a bit per document.
TEST_F(SegmentTest, BitmapBlocksReadAsWritten) {
  const std::uint32_t docs = 6000;
  auto mem = DenseRandom(docs, 17);
  auto disk = WriteAndOpen(*mem);
  ASSERT_NE(disk, nullptr);
  std::mt19937 rng(23);
  std::vector<std::uint32_t> pa, pb;
  std::uint64_t by_bits = 0;
  for (const std::uint32_t p : {1u, 20u, 35u, 50u, 80u, 97u}) {
    const std::string key = ExactKey("d" + std::to_string(p));
    std::vector<std::uint32_t> list;
    auto all = mem->Postings(key);
    ASSERT_TRUE(all) << key;
    for (std::uint32_t d = all->Next(); d != kNoDoc; d = all->Next()) list.push_back(d);
    ASSERT_EQ(disk->DocFreq(key), list.size());
    auto ca = mem->Postings(key), cb = disk->Postings(key);
    ASSERT_NO_FATAL_FAILURE(ExpectSameMoves(*ca, *cb, rng, 400, key));
    // Bitmaps of ranges, whole and by `where`, then cursors moved by them.
    for (int trial = 0; trial < 40; ++trial) {
      std::uint32_t lo = trial % 4 == 0 ? 0 : rng() % docs;
      std::uint32_t hi = trial % 4 == 0 ? docs : lo + 1 + rng() % (docs - lo);
      const std::size_t words = (hi - lo + 63) / 64;
      std::vector<std::uint64_t> where(words, 0), got(words, 0), want(words, 0);
      const bool by_where = trial % 2 == 1;
      for (std::uint32_t d = lo; d < hi; ++d) {
        if (!by_where || rng() % 50 == 0) where[(d - lo) >> 6] |= 1ull << ((d - lo) & 63);
      }
      auto fill = disk->Postings(key);
      if (by_where) {
        fill->SetBitsWhere(lo, hi, got.data(), where.data());
      } else {
        fill->SetBits(lo, hi, got.data());
      }
      for (const std::uint32_t d : list) {
        if (d >= lo && d < hi) want[(d - lo) >> 6] |= 1ull << ((d - lo) & 63);
      }
      // By `where`: every document of the list also in `where` is set, and none outside it.
      for (std::size_t w = 0; w < words; ++w) {
        ASSERT_EQ(got[w] & where[w], want[w] & where[w]) << key << " [" << lo << ", " << hi << ")";
        ASSERT_EQ(got[w] & ~want[w], 0u) << key << " [" << lo << ", " << hi << ")";
        if (!by_where) {
          ASSERT_EQ(got[w], want[w]) << key;
        }
      }
      auto a = disk->Postings(key), b = disk->Postings(key);
      std::uint32_t at = 0;  // a's document after a step by Next (0: none yet)
      for (const std::uint32_t d : list) {
        const std::uint32_t bit = d - lo;
        if (d < lo || d >= hi || (where[bit >> 6] >> (bit & 63) & 1) == 0 || rng() % 2 == 0) {
          continue;
        }
        if (at != 0 && at >= d) continue;
        if (a->MoveByBits(d, got.data(), lo)) {
          ++by_bits;
        } else {
          ASSERT_EQ(a->Advance(d), d) << key;
        }
        ASSERT_EQ(b->Advance(d), d) << key;
        ASSERT_EQ(a->tf(), b->tf()) << key << " " << d;
        a->Positions(pa);
        b->Positions(pb);
        ASSERT_EQ(pa, pb) << key << " " << d;
        if (rng() % 5 == 0) {
          const std::uint32_t next = a->Next();
          ASSERT_EQ(next, next == kNoDoc ? kNoDoc : b->Advance(next)) << key << " after " << d;
          if (next == kNoDoc) break;
          at = next;
        }
      }
    }
  }
  EXPECT_GT(by_bits, 1000u);
  // A small segment of such lists is the segment fuzzer's seed for bitmap blocks
  // (fuzz/corpus/fuzz_index_segment/bitmap-blocks.dix), written when DATELINE_FUZZ_SEED_DIR is
  // set.
  if (const char* out = std::getenv("DATELINE_FUZZ_SEED_DIR")) {
    auto small = WriteAndOpen(*DenseRandom(700, 5), "seg-000009.dix");
    ASSERT_NE(small, nullptr);
    std::filesystem::copy_file(dir_ / "seg-000009.dix", std::string(out) + "/bitmap-blocks.dix",
                               std::filesystem::copy_options::overwrite_existing);
  }
  // Merged with another such segment, the lists read as the two memory segments' do.
  auto mem2 = DenseRandom(docs, 29);
  auto disk2 = WriteAndOpen(*mem2, "seg-000002.dix");
  ASSERT_NE(disk2, nullptr);
  const std::string merged = (dir_ / "seg-000003.dix").string();
  ASSERT_TRUE(WriteSegment({{disk.get(), disk->live}, {disk2.get(), disk2->live}}, merged).ok());
  auto m = DiskSegment::Open(merged);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  for (const std::uint32_t p : {20u, 50u, 97u}) {
    const std::string key = ExactKey("d" + std::to_string(p));
    auto c = (*m)->Postings(key);
    for (const MemorySegment* part : {mem.get(), mem2.get()}) {
      const std::uint32_t base = part == mem.get() ? 0 : docs;
      auto want = part->Postings(key);
      for (std::uint32_t d = want->Next(); d != kNoDoc; d = want->Next()) {
        ASSERT_EQ(c->Next(), d + base) << key;
        ASSERT_EQ(c->tf(), want->tf()) << key;
      }
    }
    EXPECT_EQ(c->Next(), kNoDoc) << key;
  }
}

// A small segment whose frequent words have position runs of 32 codes or more (split Rice runs,
// format 5) beside short interleaved ones. Written as the segment fuzzer's seed when
// DATELINE_FUZZ_SEED_DIR is set (how fuzz/corpus/fuzz_index_segment/split-positions.dix was
// made); otherwise only checks that it reads back.
TEST_F(SegmentTest, SplitPositionRunsSeedForFuzzer) {
  const std::uint32_t docs = 160;
  auto mem = Synthetic(docs);
  auto disk = WriteAndOpen(*mem);
  ASSERT_NE(disk, nullptr);
  ExpectSamePostings(*mem, *disk, docs);
  if (const char* out = std::getenv("DATELINE_FUZZ_SEED_DIR")) {
    std::filesystem::copy_file(dir_ / "seg-000001.dix", std::string(out) + "/split-positions.dix",
                               std::filesystem::copy_options::overwrite_existing);
  }
}

// A merge copies a segment file's positions as stored bytes and reads its postings by dictionary
// position; the memory segment goes through its cursors. Both must write the same file.
TEST_F(SegmentTest, MergingFilesWritesWhatMergingTheirSourcesWrites) {
  auto mem = Synthetic(700);
  const std::string first = (dir_ / "seg-000001.dix").string();
  ASSERT_TRUE(WriteSegment({{mem.get(), mem->live}}, first).ok());
  auto disk = DiskSegment::Open(first);
  ASSERT_TRUE(disk.ok());
  std::vector<std::uint8_t> live_a = mem->live, live_b = mem->live;
  for (std::uint32_t d = 0; d < 700; d += 3) live_a[d] = 0;
  for (std::uint32_t d = 1; d < 700; d += 5) live_b[d] = 0;
  const std::string from_disk = (dir_ / "seg-000002.dix").string();
  const std::string from_memory = (dir_ / "seg-000003.dix").string();
  ASSERT_TRUE(WriteSegment({{disk->get(), live_a}, {disk->get(), live_b}}, from_disk).ok());
  ASSERT_TRUE(WriteSegment({{mem.get(), live_a}, {mem.get(), live_b}}, from_memory).ok());
  auto read = [](const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  EXPECT_EQ(read(from_disk), read(from_memory));
  auto merged = DiskSegment::Open(from_disk);
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  std::uint32_t live = 0;
  for (std::uint32_t d = 0; d < 700; ++d) live += live_a[d] + live_b[d];
  EXPECT_EQ((*merged)->doc_count(), live);
}

// Ranges of postings, weight bounds and time maxima: what top-k pruning relies on.
// The dense columns scoring, visibility and the source facet read hold each document's record
// values (sources alternate between two ordinals in the synthetic corpus).
TEST_F(SegmentTest, DenseColumnsHoldTheRecordsValues) {
  const std::uint32_t docs = 3000;
  auto disk = WriteAndOpen(*Synthetic(docs));
  ASSERT_NE(disk, nullptr);
  const std::int64_t* times = disk->TimeColumn();
  const std::uint32_t* lengths = disk->LengthColumn();
  const std::uint16_t* sources = disk->SourceColumn();
  const std::uint8_t* codes = disk->LengthCodeColumn();
  ASSERT_NE(times, nullptr);
  ASSERT_NE(lengths, nullptr);
  ASSERT_NE(sources, nullptr);
  ASSERT_NE(codes, nullptr);
  std::set<std::uint16_t> seen;
  for (std::uint32_t d = 0; d < docs; ++d) {
    const DocRecord& r = disk->doc(d);
    ASSERT_EQ(times[d], r.time_us) << d;
    ASSERT_EQ(lengths[d], r.length) << d;
    ASSERT_EQ(codes[d], LengthCode(r.length)) << d;
    ASSERT_EQ(sources[d], r.source) << d;
    ASSERT_EQ(disk->sources()[sources[d]], d % 3 == 0 ? "reuters" : "bbc") << d;
    seen.insert(sources[d]);
  }
  EXPECT_EQ(seen.size(), 2u);
}

// Top-k bounds take LengthOfCode for a document's length: it must never be above the length
// (the bound would fall below the score), and should be close to it (the bound stays tight).
TEST(LengthCodeTest, NeverAboveTheLengthAndWithinASixteenth) {
  std::uint8_t previous = 0;
  for (std::uint32_t length = 0; length < (1u << 17); ++length) {
    const std::uint8_t code = LengthCode(length);
    const std::uint32_t least = LengthOfCode(code);
    ASSERT_LE(least, length) << length;
    ASSERT_GE(code, previous) << length;  // monotone: a longer document never codes shorter
    previous = code;
    if (length < 128) {
      ASSERT_EQ(least, length);
    } else if (length < (1u << 15)) {
      ASSERT_GT(least * 17u, length * 16u) << length;  // within 1/16 of the length
    }
  }
  for (std::uint32_t length : {1u << 15, 1u << 20, 0xFFFFFFFFu}) {
    EXPECT_EQ(LengthCode(length), 255) << length;
    EXPECT_LE(LengthOfCode(255), length);
  }
}

TEST_F(SegmentTest, RangesWeightBoundsAndTimeMaxima) {
  const std::uint32_t docs = 5000;
  auto mem = Synthetic(docs);
  auto disk = WriteAndOpen(*mem);
  ASSERT_NE(disk, nullptr);
  const Segment& seg = *disk;
  const double avg = std::max(1.0, static_cast<double>(seg.total_length()) / docs);
  std::mt19937 rng(9);
  for (std::uint32_t k = 0; k < 300; k += 3) {
    const std::string key = ExactKey("w" + std::to_string(k));
    std::vector<std::uint32_t> list;
    for (std::uint32_t d = 0; d < docs; d += k + 1) list.push_back(d);
    // Consecutive ranges of a cursor, on disk and in memory, give the list.
    for (const Segment* s : {static_cast<const Segment*>(mem.get()), &seg}) {
      std::vector<std::uint32_t> all = list;
      auto cur = s->Postings(key);
      ASSERT_TRUE(cur);
      std::vector<std::uint32_t> got;
      std::uint32_t lo = 0;
      while (lo < docs) {
        const std::uint32_t hi = std::min<std::uint32_t>(docs, lo + 1 + rng() % 900);
        const std::size_t before = got.size();
        cur->AppendRange(lo, hi, got);
        for (std::size_t i = before; i < got.size(); ++i) {
          ASSERT_GE(got[i], lo);
          ASSERT_LT(got[i], hi);
        }
        lo = hi + (rng() % 4 == 0 ? rng() % 300 : 0);  // sometimes a gap
        std::erase_if(all, [&](std::uint32_t d) { return d >= hi && d < lo; });
      }
      ASSERT_EQ(got, all) << key;
    }
    // Bits of a range: SetBits sets exactly the list's documents in it; SetBitsWhere at least
    // those also set in `where` and none outside the list (blocks without a document of
    // `where` may be left out). Sparse and dense `where`, on disk and in memory.
    for (const Segment* s : {static_cast<const Segment*>(mem.get()), &seg}) {
      for (const std::uint32_t every : {1u, 7u, 97u, 1500u}) {
        const std::uint32_t lo = rng() % 50, hi = docs - rng() % 50;
        const std::size_t words = (hi - lo + 63) / 64;
        std::vector<std::uint64_t> where(words, 0), all(words, 0), some(words, 0);
        for (std::uint32_t d = lo + rng() % every; d < hi; d += 1 + rng() % (2 * every)) {
          where[(d - lo) >> 6] |= std::uint64_t{1} << ((d - lo) & 63);
        }
        s->Postings(key)->SetBits(lo, hi, all.data());
        s->Postings(key)->SetBitsWhere(lo, hi, some.data(), where.data());
        for (std::uint32_t d = lo; d < hi; ++d) {
          const bool in = std::binary_search(list.begin(), list.end(), d);
          const std::uint64_t bit = std::uint64_t{1} << ((d - lo) & 63);
          ASSERT_EQ((all[(d - lo) >> 6] & bit) != 0, in) << key << " doc " << d;
          if (!in) {
            ASSERT_EQ(some[(d - lo) >> 6] & bit, 0u) << key << " doc " << d;
          }
          if (in && (where[(d - lo) >> 6] & bit) != 0) {
            ASSERT_NE(some[(d - lo) >> 6] & bit, 0u) << key << " doc " << d;
          }
        }
      }
    }
    // Every document's weight is within the bound of an entry that covers it, with a list of
    // one block bounded at each document's length and at its length code.
    std::vector<WeightBound> bounds;
    ASSERT_TRUE(seg.WeightBounds(key, bounds));
    std::vector<WeightBound> by_code;
    ASSERT_TRUE(seg.WeightBoundsOf(seg.Lookup(key), Segment::OneBlock::kLengthCode, by_code));
    for (const std::vector<WeightBound>* b : {&bounds, &by_code}) {
      ASSERT_FALSE(b->empty());
      auto cur = seg.Postings(key);
      std::size_t e = 0;
      for (std::uint32_t d = cur->Next(); d != kNoDoc; d = cur->Next()) {
        while (e < b->size() && (*b)[e].last_doc < d) ++e;
        ASSERT_LT(e, b->size()) << key;
        ASSERT_LE((*b)[e].first_doc, d);
        ASSERT_GE((*b)[e].weight, TermWeight(cur->tf(), seg.doc(d).length, avg)) << key;
        ASSERT_GE((*b)[e].max_tf, cur->tf()) << key;
      }
    }
    if (seg.Lookup(key).doc_freq <= kBlockSize) {
      // One document an entry: at its length code the weight is the code's least length's.
      auto cur = seg.Postings(key);
      for (const WeightBound& b : by_code) {
        ASSERT_EQ(cur->Next(), b.first_doc);
        const std::uint32_t least = LengthOfCode(LengthCode(seg.doc(b.first_doc).length));
        const double w = TermWeight(cur->tf(), least, avg);
        ASSERT_EQ(b.weight,
                  std::nextafter(static_cast<float>(w), std::numeric_limits<float>::max()));
      }
    }
  }
  const RunStat* runs = seg.Runs();
  ASSERT_NE(runs, nullptr);
  for (std::uint32_t r = 0; r * kTimeRun < docs; ++r) {
    const std::uint32_t last = std::min(docs, (r + 1) * kTimeRun) - 1;
    EXPECT_EQ(runs[r].max_time, seg.doc(last).time_us);
    std::uint32_t shortest = UINT32_MAX;
    for (std::uint32_t d = r * kTimeRun; d <= last; ++d) {
      shortest = std::min(shortest, seg.doc(d).length);
    }
    EXPECT_EQ(runs[r].min_length, shortest);
  }
}

// A segment of an older format is refused with a message that says how to rebuild.
TEST_F(SegmentTest, OlderFormatVersionIsReportedWithTheRemedy) {
  auto mem = Synthetic(50);
  const std::string path = (dir_ / "seg-000004.dix").string();
  ASSERT_TRUE(WriteSegment({{mem.get(), mem->live}}, path).ok());
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const std::uint32_t old_version = 3;
  std::memcpy(bytes.data() + 8, &old_version, 4);
  const std::size_t body = bytes.size() - 16;
  const std::uint32_t crc = crc32c::Mask(crc32c::Value(std::string_view(bytes.data(), body)));
  std::memcpy(bytes.data() + body + 8, &crc, 4);
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  auto disk = DiskSegment::Open(path);
  ASSERT_FALSE(disk.ok());
  EXPECT_EQ(disk.status().code(), StatusCode::kCorruption);
  EXPECT_NE(disk.status().message().find("format version 3, this build reads 4 to 6"),
            std::string::npos)
      << disk.status().message();
  EXPECT_NE(disk.status().message().find("dateline reindex"), std::string::npos);
}

// Damage that the checksum does not see (the footer rewritten to match): the decoders of the
// compact sections refuse it with a message naming the section.
TEST_F(SegmentTest, DamagedCompactSectionsBehindAValidChecksumAreCorruption) {
  auto mem = Synthetic(200);
  const std::string path = (dir_ / "seg-000005.dix").string();
  ASSERT_TRUE(WriteSegment({{mem.get(), mem->live}}, path).ok());
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto section = [&](std::uint32_t i, std::uint64_t* offset, std::uint64_t* length) {
    std::memcpy(offset, bytes.data() + 32 + 16 * i, 8);
    std::memcpy(length, bytes.data() + 40 + 16 * i, 8);
  };
  auto open_damaged = [&](const std::function<void(std::string&)>& damage) {
    std::string b = bytes;
    damage(b);
    const std::size_t body = b.size() - 16;
    const std::uint32_t crc = crc32c::Mask(crc32c::Value(std::string_view(b.data(), body)));
    std::memcpy(b.data() + body + 8, &crc, 4);
    {
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out.write(b.data(), static_cast<std::streamsize>(b.size()));
    }
    auto s = DiskSegment::Open(path);
    return s.ok() ? std::string("opened") : s.status().message();
  };
  auto shorten = [&](std::uint32_t i) {
    return [&, i](std::string& b) {
      std::uint64_t offset, length;
      section(i, &offset, &length);
      --length;
      std::memcpy(b.data() + 40 + 16 * i, &length, 8);
    };
  };
  EXPECT_EQ(open_damaged([](std::string&) {}), "opened");
  EXPECT_NE(open_damaged(shorten(segfile::kDocs)).find("document table"), std::string::npos);
  EXPECT_NE(open_damaged(shorten(segfile::kParagraphs)).find("paragraph table"),
            std::string::npos);
  EXPECT_NE(open_damaged(shorten(segfile::kDictionary)).find("term"), std::string::npos);
  EXPECT_NE(open_damaged(shorten(segfile::kPostings)).find("out of bounds"), std::string::npos);
  std::uint64_t ids_at, ids_length, dict_at, dict_length;
  section(segfile::kIds, &ids_at, &ids_length);
  section(segfile::kDictionary, &dict_at, &dict_length);
  EXPECT_NE(open_damaged([&](std::string& b) { b[ids_at] = 9; }).find("id table"),
            std::string::npos);
  // A term count one too high or too low.
  EXPECT_NE(open_damaged([&](std::string& b) { ++b[dict_at]; }).find("index segment"),
            std::string::npos);
  EXPECT_NE(open_damaged([&](std::string& b) { --b[dict_at]; }).find("dictionary"),
            std::string::npos);
  // Every single flipped byte of the dictionary is refused or read within bounds.
  for (std::uint64_t i = 0; i < dict_length; i += 7) {
    open_damaged([&](std::string& b) { b[dict_at + i] ^= 0x21; });
  }
}

TEST_F(SegmentTest, DeadDocumentsAreDroppedWhenWritten) {
  auto mem = Synthetic(300);
  std::vector<std::uint8_t> live = mem->live;
  for (std::uint32_t d = 0; d < 300; d += 2) live[d] = 0;
  const std::string path = (dir_ / "seg-000002.dix").string();
  ASSERT_TRUE(WriteSegment({{mem.get(), live}}, path).ok());
  auto disk = DiskSegment::Open(path);
  ASSERT_TRUE(disk.ok());
  ASSERT_EQ((*disk)->doc_count(), 150u);
  for (std::uint32_t d = 0; d < 150; ++d) EXPECT_EQ((*disk)->doc(d).seq, 2 * d + 2);
  EXPECT_EQ((*disk)->DocFreq(ExactKey("w0")), 150u);
}

TEST_F(SegmentTest, DamagedFilesAreCorruptionNamingTheFile) {
  auto mem = Synthetic(400);
  const std::string path = (dir_ / "seg-000003.dix").string();
  ASSERT_TRUE(WriteSegment({{mem.get(), mem->live}}, path).ok());
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto write = [&](const std::string& b) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(b.data(), static_cast<std::streamsize>(b.size()));
  };
  // Every kind of damage: a flipped byte anywhere (header, docs, postings, footer), a cut.
  std::mt19937 rng(9);
  std::vector<std::size_t> offsets = {0, 9, 40, bytes.size() / 2, bytes.size() - 20,
                                      bytes.size() - 1};
  for (int i = 0; i < 20; ++i) offsets.push_back(rng() % bytes.size());
  for (std::size_t off : offsets) {
    std::string b = bytes;
    b[off] = static_cast<char>(b[off] ^ 0x5a);
    write(b);
    auto s = DiskSegment::Open(path);
    ASSERT_FALSE(s.ok()) << "flip at " << off;
    EXPECT_EQ(s.status().code(), StatusCode::kCorruption);
    EXPECT_NE(s.status().message().find(path), std::string::npos) << s.status().message();
  }
  for (std::size_t len : {std::size_t{0}, std::size_t{10}, bytes.size() / 3, bytes.size() - 1}) {
    write(bytes.substr(0, len));
    auto s = DiskSegment::Open(path);
    ASSERT_FALSE(s.ok()) << "cut at " << len;
    EXPECT_EQ(s.status().code(), StatusCode::kCorruption);
    EXPECT_NE(s.status().message().find(path), std::string::npos);
  }
  write(bytes);
  EXPECT_TRUE(DiskSegment::Open(path).ok());
}


// A stem of several words in two languages: the segment file keeps, per language, block bounds
// of the words' summed term frequencies over the documents of that language holding any of
// them (when a word's list is more than a block), also after a merge (which computes them
// again).
TEST_F(SegmentTest, StemBoundsCoverTheStemsDocumentsPerLanguage) {
  auto mem = std::make_unique<MemorySegment>();
  const std::uint32_t docs = 1500;
  auto language = [](std::uint32_t d) { return d % 4 == 0 ? "de" : "en"; };
  for (std::uint32_t d = 0; d < docs; ++d) {
    AnalyzedStory s;
    s.id = "story-" + std::to_string(d);
    s.seq = d + 1;
    s.source = "reuters";
    s.language = language(d);
    s.time_us = 1000 + d;
    std::uint32_t pos = 0;
    for (std::uint32_t k = 0; k < 40; ++k) {
      if (d % (k + 2) != 0 && (d * 7 + k) % 11 != 0) continue;
      for (std::uint32_t r = 0; r <= (d + k) % 4; ++r) {
        s.AddWord("w" + std::to_string(k), "s" + std::to_string(k % 6), pos++);
      }
    }
    s.paragraph_starts = {0};
    s.fields = {{"source", s.source}};
    mem->Add(s);
  }
  const std::string first = (dir_ / "seg-000001.dix").string();
  ASSERT_TRUE(WriteSegment({{mem.get(), mem->live}}, first).ok());
  auto one = DiskSegment::Open(first);
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  // A merge of the file with itself (some documents dropped from the first copy) computes the
  // bounds again.
  std::vector<std::uint8_t> some = mem->live;
  for (std::uint32_t d = 1; d < docs; d += 5) some[d] = 0;
  const std::string merged = (dir_ / "seg-000002.dix").string();
  ASSERT_TRUE(WriteSegment({{one->get(), some}, {one->get(), mem->live}}, merged).ok());
  auto two = DiskSegment::Open(merged);
  ASSERT_TRUE(two.ok()) << two.status().ToString();

  for (const DiskSegment* seg : {one->get(), two->get()}) {
    const double avg = static_cast<double>(seg->total_length()) / seg->doc_count();
    int checked = 0;
    for (const std::string lang : {"de", "en"}) {
      std::uint8_t ord = 0;
      while (seg->languages()[ord] != lang) ++ord;
      for (std::uint32_t s = 0; s < 6; ++s) {
        const std::string stem = "s" + std::to_string(s);
        // Expected: per document of the language, the sum of the stem's words' tfs.
        std::vector<std::uint32_t> sum(seg->doc_count(), 0);
        seg->ForEachKey(StemFormPrefix(lang, stem), [&](std::string_view k) {
          auto cur = seg->Postings(ExactKey(k.substr(StemFormPrefix(lang, stem).size())));
          for (std::uint32_t d = cur ? cur->Next() : kNoDoc; d != kNoDoc; d = cur->Next()) {
            if (seg->doc(d).language == ord) sum[d] += cur->tf();
          }
          return true;
        });
        std::vector<std::uint32_t> holding;
        for (std::uint32_t d = 0; d < seg->doc_count(); ++d) {
          if (sum[d] > 0) holding.push_back(d);
        }
        const TermRef t = seg->Lookup(StemBoundKey(lang, stem));
        bool large = false;  // a word with a list of more than one block
        seg->ForEachKey(StemFormPrefix(lang, stem), [&](std::string_view k) {
          const std::string word = ExactKey(k.substr(StemFormPrefix(lang, stem).size()));
          large = large || seg->DocFreq(word) > kBlockSize;
          return true;
        });
        if (!large) {  // every word bounded per document: left out
          EXPECT_EQ(t.doc_freq, 0u) << lang << " " << stem;
          continue;
        }
        ASSERT_EQ(t.doc_freq, holding.size()) << lang << " " << stem;
        EXPECT_EQ(seg->Postings(StemBoundKey(lang, stem)), nullptr);
        std::vector<WeightBound> bounds;
        ASSERT_TRUE(seg->StemBoundsOf(t, bounds));
        ASSERT_EQ(bounds.size(), (holding.size() + kBlockSize - 1) / kBlockSize);
        for (std::size_t b = 0; b < bounds.size(); ++b) {
          const std::size_t from = b * kBlockSize;
          const std::size_t to = std::min(holding.size(), from + kBlockSize);
          EXPECT_EQ(bounds[b].first_doc, holding[from]);
          EXPECT_EQ(bounds[b].last_doc, holding[to - 1]);
          std::uint32_t max_tf = 0;
          for (std::size_t i = from; i < to; ++i) {
            const std::uint32_t d = holding[i];
            max_tf = std::max(max_tf, sum[d]);
            EXPECT_GE(bounds[b].weight, TermWeight(sum[d], seg->doc(d).length, avg));
          }
          EXPECT_EQ(bounds[b].max_tf, max_tf);
          ++checked;
        }
      }
    }
    EXPECT_GT(checked, 30);
  }
}

// Every dictionary search against std::lower_bound over the keys in order: each key of a
// segment of real text, and keys that are not in it (before the first, after the last, each
// key's prefixes and near neighbours, keys differing from a key only after byte 8 or 16), plus
// a dictionary where many more keys than a sampling stride share their first 16 bytes.
void ExpectLowerBoundsOfAllKeys(const DiskSegment& seg) {
  std::vector<std::string> keys;
  seg.ForEachKey("", [&](std::string_view k) {
    keys.emplace_back(k);
    return true;
  });
  ASSERT_FALSE(keys.empty());
  auto expect = [&](const std::string& probe) {
    const auto want = static_cast<std::size_t>(
        std::lower_bound(keys.begin(), keys.end(), probe) - keys.begin());
    ASSERT_EQ(seg.LowerBound(probe), want) << "probe of " << probe.size() << " bytes: " << probe;
  };
  for (std::size_t i = 0; i < keys.size(); ++i) {
    ASSERT_EQ(seg.LowerBound(keys[i]), i) << keys[i];
    ASSERT_EQ(seg.Lookup(keys[i]).slot, i) << keys[i];
  }
  expect("");
  expect(std::string(1, '\0'));
  expect(std::string(1, '\x01'));
  expect(std::string(12, '\xff'));
  expect(keys.back() + "\x01");
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const std::string& k = keys[i];
    expect(k + std::string(1, '\0'));
    expect(k + "\xff");
    expect(k.substr(0, k.size() - 1));
    if (k.size() > 9) expect(k.substr(0, 9));
    if (k.size() > 17) expect(k.substr(0, 17));
    for (std::size_t at : {k.size() - 1, std::size_t{7}, std::size_t{8}, std::size_t{9},
                           std::size_t{15}, std::size_t{16}, std::size_t{17}}) {
      if (at >= k.size()) continue;
      std::string up = k, down = k;
      if (static_cast<unsigned char>(up[at]) < 0xff) {
        up[at] = static_cast<char>(static_cast<unsigned char>(up[at]) + 1);
        expect(up);
      }
      if (static_cast<unsigned char>(down[at]) > 0) {
        down[at] = static_cast<char>(static_cast<unsigned char>(down[at]) - 1);
        expect(down);
      }
    }
  }

  // LookupAscending answers what Lookup answers, key by key: keys and absent keys next to them
  // in ascending order (some repeated), every 97th key (gallops over long gaps), and the same
  // probes descending (not ascending: searched one by one).
  auto expect_lookups = [&](const std::vector<std::string>& probes) {
    const std::vector<TermRef> got = seg.LookupAscending(probes);
    ASSERT_EQ(got.size(), probes.size());
    for (std::size_t i = 0; i < probes.size(); ++i) {
      const TermRef want = seg.Lookup(probes[i]);
      ASSERT_EQ(got[i].doc_freq, want.doc_freq) << i << ": " << probes[i];
      ASSERT_EQ(got[i].slot, want.slot) << i << ": " << probes[i];
      ASSERT_EQ(got[i].positional, want.positional) << i << ": " << probes[i];
    }
  };
  std::vector<std::string> probes = {""};
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (i % 2 == 0) probes.push_back(keys[i]);
    if (i % 5 == 0) probes.push_back(keys[i]);
    probes.push_back(keys[i] + std::string(1, '\0'));
  }
  probes.push_back(keys.back() + "\xff");
  std::sort(probes.begin(), probes.end());
  expect_lookups(probes);
  std::vector<std::string> sparse;
  for (std::size_t i = 0; i < keys.size(); i += 97) sparse.push_back(keys[i]);
  expect_lookups(sparse);
  std::reverse(probes.begin(), probes.end());
  expect_lookups(probes);
}

TEST_F(SegmentTest, DictionarySearchFindsWhatLowerBoundFinds) {
  const std::vector<Story> stories = testing::LoadCorpus(3000);
  ASSERT_EQ(stories.size(), 3000u);
  auto mem = std::make_unique<MemorySegment>();
  for (const Story& story : stories) mem->Add(Analyze(story, /*stems=*/false));
  const std::string path = (dir_ / "seg-000001.dix").string();
  ASSERT_TRUE(WriteSegment({{mem.get(), mem->live}}, path).ok());
  auto disk = DiskSegment::Open(path);
  ASSERT_TRUE(disk.ok()) << disk.status().ToString();
  ExpectLowerBoundsOfAllKeys(**disk);

  // Keys sharing their first 8 and first 16 bytes over many strides, and shorter keys around
  // them.
  auto shared = std::make_unique<MemorySegment>();
  for (std::uint32_t d = 0; d < 300; ++d) {
    AnalyzedStory s;
    s.id = "story-" + std::to_string(d);
    s.seq = d + 1;
    s.source = "reuters";
    s.language = "en";
    s.time_us = 1000 + d;
    for (const std::string& word :
         {"commonprefix" + std::to_string(d), "commonp" + std::to_string(d % 7), std::string("c"),
          "common" + std::to_string(d % 3), "zz" + std::to_string(d),
          "sharedsixteenbytes" + std::to_string(d), "sharedsixteenbyt" + std::to_string(d % 5)}) {
      s.AddWord(word, word, static_cast<std::uint32_t>(s.words.size()));
    }
    s.paragraph_starts = {0};
    s.fields = {{"source", s.source}};
    shared->Add(s);
  }
  const std::string shared_path = (dir_ / "seg-000002.dix").string();
  ASSERT_TRUE(WriteSegment({{shared.get(), shared->live}}, shared_path).ok());
  auto shared_disk = DiskSegment::Open(shared_path);
  ASSERT_TRUE(shared_disk.ok()) << shared_disk.status().ToString();
  ExpectLowerBoundsOfAllKeys(**shared_disk);
}

}  // namespace
}  // namespace dateline::index
