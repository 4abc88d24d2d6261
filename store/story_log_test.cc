#include "store/story_log.h"

#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "core/clock.h"
#include "store/story_store.h"
#include "store/test_util.h"

namespace dateline::storylog {
namespace {

using testing_util::MakeStory;
using testing_util::TempDir;

Story WithSeq(Story s, std::uint64_t seq) {
  s.seq = seq;
  s.version = 1;
  return s;
}

TEST(StoryLogFormat, SegmentFileNames) {
  EXPECT_EQ(SegmentFileName(1), "00000000000000000001.seg");
  EXPECT_EQ(ParseSegmentFileName("00000000000000000001.seg"), 1u);
  EXPECT_EQ(ParseSegmentFileName(SegmentFileName(UINT64_MAX)), UINT64_MAX);
  EXPECT_FALSE(ParseSegmentFileName("0000000000000000001.seg"));
  EXPECT_FALSE(ParseSegmentFileName("00000000000000000001.log"));
  EXPECT_FALSE(ParseSegmentFileName("0000000000000000000x.seg"));
  EXPECT_FALSE(ParseSegmentFileName("99999999999999999999.seg"));  // overflows u64
}

TEST(StoryLogFormat, HeaderRoundTripAndDamage) {
  std::string h;
  EncodeHeader({kFormatVersion, kFlagRepaired, 42}, &h);
  ASSERT_EQ(h.size(), kHeaderSize);
  EXPECT_EQ(h.substr(0, 8), "DLNLOG01");
  auto back = DecodeHeader(h);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->first_seq, 42u);
  EXPECT_EQ(back->flags, kFlagRepaired);
  for (std::size_t i = 0; i < h.size(); ++i) {
    std::string bad = h;
    bad[i] ^= 1;
    EXPECT_EQ(DecodeHeader(bad).status().code(), StatusCode::kCorruption) << i;
  }
  EXPECT_FALSE(DecodeHeader(h.substr(0, kHeaderSize - 1)).ok());
}

TEST(StoryLogFormat, FrameRoundTripAndLayout) {
  Story s = WithSeq(MakeStory("x", "Frame"), 7);
  std::string seg;
  EncodeHeader({kFormatVersion, 0, 7}, &seg);
  EncodeStoryFrame(s, &seg);
  // length field = payload bytes; seq at +8; type at +16.
  const std::size_t frame = seg.size() - kHeaderSize;
  const unsigned char* p = reinterpret_cast<const unsigned char*>(seg.data() + kHeaderSize);
  EXPECT_EQ(p[0] | (p[1] << 8) | (p[2] << 16) | (p[3] << 24),
            static_cast<int>(frame - kFrameHeaderSize));
  EXPECT_EQ(p[8], 7);
  EXPECT_EQ(p[16], kTypeStory);
  auto f = ReadFrame(seg, kHeaderSize, 7, 7);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->story, s);
  EXPECT_EQ(f->size, frame);
  EXPECT_NE(ReadFrame(seg, kHeaderSize, 8, 8).status().message().find("sequence 7"),
            std::string::npos);
}

TEST(StoryLogFormat, EveryTruncationAndBitFlipIsRejected) {
  std::string seg;
  EncodeStoryFrame(WithSeq(MakeStory("x", "Frame"), 1), &seg);
  for (std::size_t n = 0; n < seg.size(); ++n) {
    EXPECT_FALSE(ReadFrame(std::string_view(seg).substr(0, n), 0, 1, 1).ok()) << n;
  }
  for (std::size_t i = 0; i < seg.size(); ++i) {
    for (int bit = 0; bit < 8; bit += 3) {
      std::string bad = seg;
      bad[i] ^= static_cast<char>(1 << bit);
      auto f = ReadFrame(bad, 0, 1, 1);
      EXPECT_FALSE(f.ok()) << "flip at " << i;
      if (!f.ok()) {
        EXPECT_EQ(f.status().code(), StatusCode::kCorruption);
      }
    }
  }
}

TEST(StoryLogFormat, FindNextFrameResynchronises) {
  std::string seg;
  EncodeStoryFrame(WithSeq(MakeStory("a", "A"), 1), &seg);
  const std::size_t second = seg.size();
  EncodeStoryFrame(WithSeq(MakeStory("b", "B"), 2), &seg);
  seg[10] ^= 0x55;  // damage the first frame's seq
  EXPECT_FALSE(ReadFrame(seg, 0, 1, 1).ok());
  auto next = FindNextFrame(seg, 1, 1, 100);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->offset, second);
  EXPECT_EQ(next->seq, 2u);
  EXPECT_FALSE(FindNextFrame(seg, 1, 3, 100));          // seq bound excludes it
  EXPECT_FALSE(FindNextFrame(std::string(500, '\0'), 0, 1, 100));
}

// Writes a small real segment file as the fuzzer's seed when DATELINE_FUZZ_SEED_DIR is set
// (how fuzz/corpus/fuzz_story_log/ was made); otherwise only checks that it can be produced.
TEST(StoryLogFormat, SeedSegmentForFuzzer) {
  TempDir tmp;
  StoreOptions o;
  o.dir = tmp.path();
  ManualClock clock(1700000000000000);
  {
    auto store = StoryStore::Open(o, clock);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ASSERT_TRUE((*store)->AppendAndWait(MakeStory("one", "First story")).ok());
    Story two = MakeStory("two", "Second story");
    two.bylines = {"A Reporter"};
    two.contacts = {{"reporter", "A Reporter", "Tokyo", "a@example.com"}};
    ASSERT_TRUE((*store)->AppendAndWait(two).ok());
    two.headline = "Second story, updated";
    ASSERT_TRUE((*store)->AppendAndWait(two).ok());
  }
  const std::string seg = tmp.path() + "/log/" + SegmentFileName(1);
  ASSERT_TRUE(std::filesystem::exists(seg));
  if (const char* out = std::getenv("DATELINE_FUZZ_SEED_DIR")) {
    std::filesystem::copy_file(seg, std::string(out) + "/three-stories.seg",
                               std::filesystem::copy_options::overwrite_existing);
  }
}

}  // namespace
}  // namespace dateline::storylog
