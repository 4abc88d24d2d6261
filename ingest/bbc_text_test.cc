#include "ingest/bbc_text.h"

#include <gtest/gtest.h>

#include "core/story.h"

namespace dateline {
namespace {

TEST(BbcText, ParsesHeadlineParagraphsAndTopic) {
  Result<Story> s = ParseBbcStory("business", "001.txt",
                                  "Ad sales boost Time Warner profit\n\nQuarterly profits at US "
                                  "media giant\nTimeWarner jumped 76%.\n\nSecond paragraph.\n");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->source, "bbc");
  EXPECT_EQ(s->source_id, "business/001");
  EXPECT_EQ(s->headline, "Ad sales boost Time Warner profit");
  ASSERT_EQ(s->body.size(), 2u);
  EXPECT_EQ(s->body[0].text, "Quarterly profits at US media giant TimeWarner jumped 76%.");
  EXPECT_EQ(s->body[1].text, "Second paragraph.");
  ASSERT_EQ(s->tags.size(), 1u);
  EXPECT_EQ(s->tags[0].value, "business");
  EXPECT_EQ(s->id, MakeStoryId("bbc", "business/001"));
  EXPECT_TRUE(ValidateStory(*s).ok());
}

TEST(BbcText, EmptyFileIsAnError) {
  EXPECT_FALSE(ParseBbcStory("tech", "002.txt", "\n \n").ok());
}

TEST(BbcText, LoadsTheWholeCorpusAsValidStories) {
  Result<std::vector<Story>> all = LoadBbcCorpus(DATELINE_SHARED_DATA "/bbc");
  ASSERT_TRUE(all.ok()) << "missing shared data: " << all.status().ToString();
  ASSERT_EQ(all->size(), 2225u);
  for (const Story& s : *all) ASSERT_TRUE(ValidateStory(s).ok()) << s.source_id;
  // sport/199.txt is Latin-1: its pound sign arrives as UTF-8.
  auto it = std::find_if(all->begin(), all->end(),
                         [](const Story& s) { return s.source_id == "sport/199"; });
  ASSERT_NE(it, all->end());
  EXPECT_NE((it->headline + it->BodyText()).find("\xC2\xA3"), std::string::npos);
  EXPECT_LT((*all)[0].published_us, (*all)[1].published_us);
}

}  // namespace
}  // namespace dateline
