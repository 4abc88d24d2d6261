#include "ingest/wire_text.h"
#include "ingest/test_util.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "core/time_format.h"

namespace dateline {
namespace {

constexpr char kSeedPath[] = DATELINE_SOURCE_DIR "/../shared/seed/000_d29b1c423fcbeec1.txt";

using testutil::ReadFileOrEmpty;

using testutil::Rfc;

WireTextOptions Reference2013() {
  WireTextOptions o;
  o.reference_time_us = Rfc("2013-11-03T00:00:00Z");
  return o;
}

class SeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    text_ = ReadFileOrEmpty(kSeedPath);
    ASSERT_FALSE(text_.empty()) << "cannot read the seed page " << kSeedPath;
    Result<Story> r = ParseWireText(text_, Reference2013());
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    story_ = *r;
  }
  std::string text_;
  Story story_;
};

TEST_F(SeedTest, HeadlineSourceDateAndPlace) {
  EXPECT_EQ(story_.headline, "Japan and Russia Agree on Navy Cooperation in Bid to Build Trust");
  EXPECT_EQ(story_.source, "bloomberg");
  EXPECT_EQ(story_.published_us, Rfc("2013-11-02T00:00:00Z"));
  // The dateline has no place: the reporter's place from the contact line is used.
  EXPECT_EQ(story_.dateline_place, "Tokyo");
  EXPECT_EQ(story_.language, "en");
  EXPECT_TRUE(IsValidStoryId(story_.id));
  EXPECT_EQ(story_.source_id.rfind("h:", 0), 0u) << "derived from content";
  EXPECT_TRUE(ValidateStory(story_).ok());
}

TEST_F(SeedTest, BodyParagraphsAndSubheading) {
  // Counted by hand in the seed: 9 paragraphs between the dateline and the contact lines, with
  // the subheading "Island Dispute" after the fifth.
  ASSERT_EQ(story_.body.size(), 10u);
  std::size_t paragraphs = 0;
  for (const Block& b : story_.body) paragraphs += b.kind == Block::Kind::kParagraph;
  EXPECT_EQ(paragraphs, 9u);
  EXPECT_EQ(story_.body[0].kind, Block::Kind::kParagraph);
  EXPECT_EQ(story_.body[0].text.rfind("Japan\xE2\x80\x99s and Russia\xE2\x80\x99s foreign and "
                                      "defense ministers today agreed their navies",
                                      0),
            0u)
      << story_.body[0].text;
  EXPECT_EQ(story_.body[1].text.rfind("The ministers agreed Russia", 0), 0u);
  EXPECT_EQ(story_.body[5], (Block{Block::Kind::kSubheading, "Island Dispute"}));
  EXPECT_EQ(story_.body[6].text.rfind("Japan\xE2\x80\x99s relationship with Russia", 0), 0u);
  EXPECT_EQ(story_.body.back().text,
            "Russia is the third country to hold combined foreign and defense minister meetings "
            "with Japan, following the U.S. and Australia. Russia holds similar meetings with "
            "four other countries.");
  for (std::size_t i = 0; i < story_.body.size(); ++i) {
    if (i != 5) {
      EXPECT_EQ(story_.body[i].kind, Block::Kind::kParagraph) << i;
    }
  }
}

TEST_F(SeedTest, ContactsAndBylines) {
  ASSERT_EQ(story_.contacts.size(), 2u);
  EXPECT_EQ(story_.contacts[0], (Contact{"reporter", "Isabel Reynolds", "Tokyo", ""}));
  EXPECT_EQ(story_.contacts[1], (Contact{"editor", "Rosalind Mathieson", "", ""}));
  EXPECT_EQ(story_.bylines, std::vector<std::string>{"Isabel Reynolds"});
}

TEST_F(SeedTest, NoChromeInAnyField) {
  const char* chrome[] = {"Bloomberg Anywhere", "Financial Products", "Customer Support",
                          "Americas",           "+1 212",             "318 2000",
                          "Please upgrade",     "browser",            "Follow Us",
                          "To contact"};
  std::vector<std::string> fields = {story_.headline, story_.summary, story_.dateline_place,
                                     story_.source, story_.url};
  for (const Block& b : story_.body) fields.push_back(b.text);
  for (const std::string& s : story_.bylines) fields.push_back(s);
  for (const Contact& c : story_.contacts) {
    fields.insert(fields.end(), {c.role, c.name, c.place, c.email});
  }
  for (const Tag& t : story_.tags) fields.insert(fields.end(), {t.field, t.value});
  for (const std::string& f : fields) {
    for (const char* c : chrome) EXPECT_EQ(f.find(c), std::string::npos) << c << " in: " << f;
  }
}

TEST_F(SeedTest, CrlfGivesTheSameStory) {
  std::string crlf;
  for (char c : text_) {
    if (c == '\n') crlf.push_back('\r');
    crlf.push_back(c);
  }
  Result<Story> r = ParseWireText(crlf, Reference2013());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, story_);
}

TEST_F(SeedTest, SourceIdOptionIsKept) {
  WireTextOptions o = Reference2013();
  o.source_id = "MVNB2A6K50XS";
  Result<Story> r = ParseWireText(text_, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->source_id, "MVNB2A6K50XS");
  EXPECT_EQ(r->id, MakeStoryId("bloomberg", "MVNB2A6K50XS"));
}

TEST(WireText, DatelineWithPlaceAndEmail) {
  const char* text =
      "Menu\n\nBank of Japan Holds Rates\n\n"
      "TOKYO, Nov. 2 (Bloomberg) -- The Bank of Japan kept its\nbenchmark rate unchanged,\n"
      "officials said.\n\nThe decision was expected.\n\n"
      "To contact the reporter on this story: Isabel Reynolds in Tokyo at "
      "ireynolds@example.com\n\nFooter\n";
  Result<Story> r = ParseWireText(text, Reference2013());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->headline, "Bank of Japan Holds Rates");
  EXPECT_EQ(r->dateline_place, "Tokyo");
  EXPECT_EQ(r->source, "bloomberg");
  ASSERT_EQ(r->body.size(), 2u);
  // Hard-wrapped lines are joined with one space.
  EXPECT_EQ(r->body[0].text,
            "The Bank of Japan kept its benchmark rate unchanged, officials said.");
  ASSERT_EQ(r->contacts.size(), 1u);
  EXPECT_EQ(r->contacts[0],
            (Contact{"reporter", "Isabel Reynolds", "Tokyo", "ireynolds@example.com"}));
}

TEST(WireText, PlaceBeforeDateWithoutComma) {
  Result<Story> r = ParseWireText(
      "Headline Here\n\nNEW YORK Nov. 2 (Bloomberg) -- Text of the story.\n", Reference2013());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->dateline_place, "New York");
  EXPECT_EQ(r->published_us, Rfc("2013-11-02T00:00:00Z"));
}

TEST(WireText, ReutersDatelineWithoutDate) {
  Result<Story> r = ParseWireText(
      "Toyota recalls cars\r\n\r\nTOKYO (Reuters) - Toyota said on Monday it would recall\r\n"
      "cars.\r\n\r\nShares fell.\r\n",
      Reference2013());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->source, "reuters");
  EXPECT_EQ(r->dateline_place, "Tokyo");
  EXPECT_EQ(r->published_us, 0) << "no date in the dateline: unknown";
  ASSERT_EQ(r->body.size(), 2u);
  EXPECT_EQ(r->body[0].text, "Toyota said on Monday it would recall cars.");
}

TEST(WireText, UnicodeDashesAndFullMonthName) {
  Result<Story> en = ParseWireText(
      "Gilts rally\n\nLONDON, March 3 (Reuters) \xE2\x80\x93 Gilts rose.\n", Reference2013());
  ASSERT_TRUE(en.ok()) << en.status().ToString();
  EXPECT_EQ(en->dateline_place, "London");
  EXPECT_EQ(en->published_us, Rfc("2013-03-03T00:00:00Z"));
  EXPECT_EQ(en->body.at(0).text, "Gilts rose.");

  Result<Story> em = ParseWireText(
      "Gilts rally\n\nNov. 5 (Bloomberg) \xE2\x80\x94 Gilts rose.\n", Reference2013());
  ASSERT_TRUE(em.ok()) << em.status().ToString();
  // Nov 5 is after the reference (Nov 3 2013): the year before.
  EXPECT_EQ(em->published_us, Rfc("2012-11-05T00:00:00Z"));
}

TEST(WireText, DefaultSourceWhenDatelineNamesNone) {
  WireTextOptions o = Reference2013();
  o.default_source = "mywire";
  Result<Story> r = ParseWireText("A headline\n\nPARIS, Jan. 4 -- Something happened.\n", o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->source, "mywire");
  EXPECT_EQ(r->dateline_place, "Paris");
}

TEST(WireText, NoDatelineIsInvalidArgument) {
  Result<Story> r = ParseWireText("Just a headline\n\nSome text - with a dash.\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("no dateline found"), std::string::npos)
      << r.status().message();
}

TEST(WireText, EmptyInputIsAnError) {
  EXPECT_EQ(ParseWireText("").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseWireText(" \r\n\n\t").status().code(), StatusCode::kInvalidArgument);
}

TEST(WireText, DatelineWithoutHeadlineIsAnError) {
  Result<Story> r = ParseWireText("TOKYO (Reuters) - Text.\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST(WireText, InvalidUtf8IsConverted) {
  Result<Story> r = ParseWireText("Caf\xE9 opens\n\nPARIS (Reuters) - Caf\xE9 news.\n");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->headline, "Caf\xC3\xA9 opens");
}

}  // namespace
}  // namespace dateline
