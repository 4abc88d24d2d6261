#include "core/story_codec.h"

#include <random>

#include <gtest/gtest.h>

namespace dateline {
namespace {

Story Full() {
  Story s;
  s.source = "bloomberg";
  s.source_id = "X1";
  s.url = "https://example.com/a";
  s.headline = "Headline \xE6\x97\xA5\xE6\x9C\xAC";
  s.summary = "Summary";
  s.body = {{Block::Kind::kParagraph, "P1"}, {Block::Kind::kSubheading, "Sub"}};
  s.bylines = {"Isabel Reynolds"};
  s.dateline_place = "Tokyo";
  s.contacts = {{"reporter", "Isabel Reynolds", "Tokyo", ""}, {"editor", "R M", "", "e@x"}};
  s.language = "en";
  s.priority = Priority::kFlash;
  s.tags = {{"country", "JP"}};
  s.published_us = -5;
  s.received_us = 1383384600000000;
  s.updated_us = 1383384600000001;
  s.version = 2;
  s.seq = 1ULL << 40;
  s.previous_seq = 12;
  CompleteIdentity(s);
  return s;
}

TEST(StoryCodec, RoundTrip) {
  Story s = Full();
  std::string buf;
  EncodeStory(s, &buf);
  auto back = DecodeStory(buf);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, s);
}

TEST(StoryCodec, EveryTruncationIsCorruptionNotACrash) {
  std::string buf;
  EncodeStory(Full(), &buf);
  for (std::size_t n = 0; n < buf.size(); ++n) {
    auto r = DecodeStory(std::string_view(buf).substr(0, n));
    EXPECT_FALSE(r.ok()) << "prefix of " << n << " bytes decoded";
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
    }
  }
  EXPECT_FALSE(DecodeStory(buf + "x").ok());
}

TEST(StoryCodec, RandomBitFlipsNeverCrash) {
  std::string buf;
  EncodeStory(Full(), &buf);
  std::mt19937 rng(42);
  for (int i = 0; i < 5000; ++i) {
    std::string m = buf;
    m[rng() % m.size()] ^= static_cast<char>(1 << (rng() % 8));
    (void)DecodeStory(m);  // must return, ok or not
  }
}

}  // namespace
}  // namespace dateline
