#include "ingest/story_json.h"

#include <gtest/gtest.h>

namespace dateline {
namespace {

TEST(StoryJson, ParsesEveryField) {
  auto s = ParseStoryJson(R"({
    "source": "bloomberg", "source_id": "MVNB2A6K50XS", "url": "https://example.com/x",
    "headline": "Japan and Russia Agree on Navy Cooperation", "summary": "Navies to train together",
    "body": ["First paragraph.", {"subheading": "Island Dispute"}, "Second."],
    "bylines": ["Isabel Reynolds"], "dateline_place": "Tokyo",
    "contacts": [{"role": "reporter", "name": "Isabel Reynolds", "place": "Tokyo"}],
    "language": "en", "priority": "urgent", "published": "2013-11-02T09:30:00Z",
    "tags": ["country:JP", {"field": "country", "value": "RU"}]})");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->source, "bloomberg");
  EXPECT_EQ(s->id, MakeStoryId("bloomberg", "MVNB2A6K50XS"));
  ASSERT_EQ(s->body.size(), 3u);
  EXPECT_EQ(s->body[1].kind, Block::Kind::kSubheading);
  EXPECT_EQ(s->body[1].text, "Island Dispute");
  EXPECT_EQ(s->priority, Priority::kUrgent);
  EXPECT_EQ(s->contacts.at(0).place, "Tokyo");
  EXPECT_EQ(s->tags.at(1).value, "RU");
  EXPECT_EQ(s->published_us, 1383384600LL * 1000000);
}

TEST(StoryJson, PlainTextBodyIsSplitIntoParagraphs) {
  auto s = ParseStoryJson(R"({"source":"x","headline":"H","body":"line one\nstill one\n\npara two"})");
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->body.size(), 2u);
  EXPECT_EQ(s->body[0].text, "line one still one");
}

TEST(StoryJson, RoundTripsThroughItsOwnOutput) {
  auto s = ParseStoryJson(R"({"source":"x","source_id":"1","headline":"H","body":["a",{"subheading":"b"}],
                             "contacts":[{"role":"editor","name":"E"}],"tags":["topic:rates"]})");
  ASSERT_TRUE(s.ok());
  auto back = ParseStoryJson(StoryToJson(*s));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(ContentHash(*back), ContentHash(*s));
}

struct BadCase {
  const char* json;
  StatusCode code;
  const char* field;
};

TEST(StoryJson, ErrorsNameTheField) {
  const BadCase cases[] = {
      {R"({"source":"x"})", StatusCode::kInvalidArgument, "headline"},
      {R"({"source":"x","headline":""})", StatusCode::kInvalidArgument, "headline"},
      {R"({"headline":"h"})", StatusCode::kInvalidArgument, "source"},
      {R"({"source":"x","headline":5})", StatusCode::kInvalidArgument, "headline"},
      {R"({"source":"x","headline":"h","body":[1]})", StatusCode::kInvalidArgument, "body[0]"},
      {R"({"source":"x","headline":"h","priority":"hot"})", StatusCode::kInvalidArgument, "priority"},
      {R"({"source":"x","headline":"h","published":"yesterday"})", StatusCode::kInvalidArgument, "published"},
      {R"({"source":"x","headline":"h","contacts":[{"role":"boss","name":"n"}]})", StatusCode::kInvalidArgument, "contacts[0].role"},
      {R"({"source":"x","headline":"h","tags":["nocolon"]})", StatusCode::kInvalidArgument, "tags[0]"},
      {R"({"source":"x","headine":"h"})", StatusCode::kInvalidArgument, "headine"},
      {R"({"source":"x","headline":"h","source_id":"  "})", StatusCode::kInvalidArgument, "source_id"},
  };
  for (const auto& c : cases) {
    auto r = ParseStoryJson(c.json);
    ASSERT_FALSE(r.ok()) << c.json;
    EXPECT_EQ(r.status().code(), c.code) << c.json;
    EXPECT_EQ(r.status().field(), c.field) << c.json << " -> " << r.status().ToString();
  }
}

TEST(StoryJson, SyntaxDepthAndUtf8Errors) {
  auto r = ParseStoryJson(R"({"source": "x", "headline": )");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("invalid JSON"), std::string::npos);
  EXPECT_NE(r.status().message().find("column"), std::string::npos);

  std::string deep(1000, '[');
  r = ParseStoryJson(deep);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("nested deeper"), std::string::npos);

  r = ParseStoryJson("{\"source\":\"x\",\"headline\":\"caf\xE9\"}");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidUtf8);

  EXPECT_FALSE(ParseStoryJson("[]").ok());
  EXPECT_FALSE(ParseStoryJson("").ok());
}

TEST(StoryJson, NdjsonNamesTheLine) {
  auto ok = ParseStoryNdjson("{\"source\":\"x\",\"headline\":\"a\"}\n\n{\"source\":\"x\",\"headline\":\"b\"}\n");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->size(), 2u);
  auto bad = ParseStoryNdjson("{\"source\":\"x\",\"headline\":\"a\"}\n{\"source\":\"x\"}\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("line 2"), std::string::npos);
  EXPECT_EQ(bad.status().field(), "headline");
  EXPECT_FALSE(ParseStoryNdjson("\n\n").ok());
}

TEST(StoryJson, FrameHasTheStreamFields) {
  auto s = ParseStoryJson(R"({"source":"x","headline":"H \"quoted\"","priority":"flash"})");
  ASSERT_TRUE(s.ok());
  s->seq = 42;
  std::string f = StoryFrameJson(*s);
  EXPECT_NE(f.find("\"type\":\"story\""), std::string::npos);
  EXPECT_NE(f.find("\"seq\":42"), std::string::npos);
  EXPECT_NE(f.find("\"priority\":\"flash\""), std::string::npos);
  EXPECT_NE(f.find(R"(H \"quoted\")"), std::string::npos);
  EXPECT_EQ(f.find("\"tags\""), std::string::npos) << "no tags, no key";
}

TEST(StoryJson, FrameCarriesTheTagsAsFieldColonValue) {
  auto s = ParseStoryJson(
      R"({"source":"x","headline":"h","tags":[{"field":"ticker","value":"7203.T"},)"
      R"({"field":"country","value":"JP"},{"field":"person","value":"Koji Sato"}]})");
  ASSERT_TRUE(s.ok()) << s.status().message();
  std::string f = StoryFrameJson(*s);
  EXPECT_NE(f.find(R"("tags":["ticker:7203.T","country:JP","person:Koji Sato"])"), std::string::npos)
      << f;
}

}  // namespace
}  // namespace dateline
