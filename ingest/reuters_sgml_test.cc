#include "ingest/reuters_sgml.h"
#include "ingest/test_util.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "core/time_format.h"
#include "core/utf8.h"

namespace dateline {
namespace {

const std::string kDir = DATELINE_SHARED_DATA "/reuters21578/";

using testutil::ReadFileOrEmpty;

std::string FileName(int i) {
  char name[32];
  std::snprintf(name, sizeof name, "reut2-%03d.sgm", i);
  return name;
}

using testutil::Rfc;

bool HasTag(const Story& s, std::string_view field, std::string_view value) {
  for (const Tag& t : s.tags) {
    if (t.field == field && t.value == value) return true;
  }
  return false;
}

// Parses all 22 files once for the tests below.
class ReutersCorpus : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i <= 21; ++i) {
      std::string path = kDir + FileName(i);
      std::string data = ReadFileOrEmpty(path);
      if (data.empty()) {
        error_ = "cannot read " + path;
        return;
      }
      Status st = ParseReutersSgml(data, [](Story s) {
        std::string id = s.source_id;
        if (!by_newid_.emplace(id, std::move(s)).second) duplicates_.push_back(id);
        ++count_;
      });
      if (!st.ok()) {
        error_ = path + ": " + st.ToString();
        return;
      }
    }
    seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  void SetUp() override { ASSERT_TRUE(error_.empty()) << error_; }

  const Story& Get(const std::string& newid) {
    static const Story kEmpty;
    auto it = by_newid_.find(newid);
    EXPECT_NE(it, by_newid_.end()) << "NEWID " << newid;
    return it == by_newid_.end() ? kEmpty : it->second;
  }

  static inline std::string error_;
  static inline std::size_t count_ = 0;
  static inline std::map<std::string, Story> by_newid_;
  static inline std::vector<std::string> duplicates_;
  static inline double seconds_ = 0;
};

TEST_F(ReutersCorpus, AllDocumentsParseWithUniqueValidIds) {
  EXPECT_EQ(count_, 21578u);
  EXPECT_TRUE(duplicates_.empty()) << "duplicate NEWID " << duplicates_.front();
  std::set<std::string> ids;
  for (const auto& [newid, s] : by_newid_) {
    ASSERT_FALSE(s.headline.empty()) << "NEWID " << newid;
    ASSERT_TRUE(IsValidStoryId(s.id)) << "NEWID " << newid;
    ASSERT_EQ(s.id, MakeStoryId("reuters", newid));
    ASSERT_EQ(s.source, "reuters");
    ASSERT_EQ(s.language, "en");
    ASSERT_TRUE(ValidateStory(s).ok()) << "NEWID " << newid;
    ASSERT_NE(s.published_us, 0) << "NEWID " << newid;
    for (const Block& b : s.body) {
      ASSERT_FALSE(b.text.empty()) << "NEWID " << newid;
      for (char c : b.text) ASSERT_TRUE(c == '\n' || static_cast<unsigned char>(c) >= 0x20);
    }
    ids.insert(s.id);
  }
  EXPECT_EQ(ids.size(), 21578u);
  RecordProperty("parse_seconds", std::to_string(seconds_));
}

TEST_F(ReutersCorpus, FirstDocument) {
  const Story& s = Get("1");
  EXPECT_EQ(s.headline, "BAHIA COCOA REVIEW");
  EXPECT_EQ(s.dateline_place, "Salvador");
  EXPECT_TRUE(HasTag(s, "topic", "cocoa"));
  EXPECT_TRUE(HasTag(s, "place", "el-salvador"));
  EXPECT_TRUE(HasTag(s, "place", "uruguay"));
  EXPECT_EQ(s.published_us, Rfc("1987-02-26T15:01:01.790Z"));
  ASSERT_FALSE(s.body.empty());
  EXPECT_EQ(s.body[0].text.rfind("Showers continued throughout the week in the Bahia cocoa zone,",
                                 0),
            0u)
      << s.body[0].text;
  // Indented lines start paragraphs.
  ASSERT_GE(s.body.size(), 2u);
  EXPECT_EQ(s.body[1].text, "The dry period means the temporao will be late this year.");
  EXPECT_EQ(s.body.back().text,
            "Final figures for the period to February 28 are expected to be published by the "
            "Brazilian Cocoa Trade Commission after carnival which ends midday on February 27.");
  EXPECT_TRUE(s.bylines.empty());
}

TEST_F(ReutersCorpus, AuthorAndEntities) {
  const Story& s = Get("4");
  EXPECT_EQ(s.headline, "TALKING POINT/BANKAMERICA <BAC> EQUITY OFFER");
  EXPECT_EQ(s.bylines, std::vector<std::string>{"Janie Gabbett"});
  EXPECT_EQ(s.dateline_place, "Los Angeles");
  EXPECT_EQ(s.published_us, Rfc("1987-02-26T15:07:13.720Z"));
}

TEST_F(ReutersCorpus, BriefHasTitleAndNoPlaceholderBody) {
  const Story& s = Get("30");
  EXPECT_EQ(s.headline,
            "ASSETS OF MONEY MARKET MUTUAL FUNDS ROSE 720.4 MLN DLRS IN LATEST WEEK");
  EXPECT_TRUE(s.body.empty());
}

TEST_F(ReutersCorpus, UnprocUsesFirstLineAndKeepsTableLines) {
  const Story& s = Get("99");
  EXPECT_EQ(s.headline, "FEDERAL RESERVE WEEKLY REPORT 1 - FEB 26");
  ASSERT_FALSE(s.body.empty());
  EXPECT_NE(s.body[0].text.find(" Net free reserves.............644 vs.....1,337\n"),
            std::string::npos)
      << s.body[0].text;
  EXPECT_TRUE(HasTag(s, "topic", "money-supply"));
}

constexpr char kDoc[] =
    "<REUTERS TOPICS=\"YES\" NEWID=\"7\">\n"
    "<DATE> 5-APR-1987 01:02:03.4</DATE>\n"
    "<TOPICS><D>gold</D></TOPICS><PLACES></PLACES><PEOPLE><D>volcker</D></PEOPLE>"
    "<ORGS><D>imf</D></ORGS><EXCHANGES><D>nyse</D></EXCHANGES>\n"
    "<TEXT>&#2;\n<TITLE>GOLD &amp; SILVER</TITLE>\n"
    "<DATELINE>    NEW YORK, April 5 - </DATELINE><BODY>Gold rose\nsharply.\n"
    "    Silver \xE9 fell.\n\n Reuter\n&#3;</BODY></TEXT>\n</REUTERS>\n";

TEST(ReutersSgml, SmallDocument) {
  Result<std::vector<Story>> r = ParseReutersSgml(kDoc);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 1u);
  const Story& s = r->front();
  EXPECT_EQ(s.source_id, "7");
  EXPECT_EQ(s.headline, "GOLD & SILVER");
  EXPECT_EQ(s.dateline_place, "New York");
  EXPECT_EQ(s.published_us, Rfc("1987-04-05T01:02:03.400Z"));
  ASSERT_EQ(s.body.size(), 2u);
  EXPECT_EQ(s.body[0].text, "Gold rose sharply.");
  EXPECT_EQ(s.body[1].text, "Silver \xC3\xA9 fell.");  // Latin-1 byte read leniently
  EXPECT_TRUE(IsValidUtf8(s.body[1].text));
  EXPECT_EQ(s.tags, (std::vector<Tag>{{"topic", "gold"},
                                      {"person", "volcker"},
                                      {"org", "imf"},
                                      {"exchange", "nyse"}}));
}

TEST(ReutersSgml, OddTimeKeepsTheDate) {
  std::string doc = kDoc;
  doc.replace(doc.find("01:02:03.4"), 10, "605:12:19.12");
  Result<std::vector<Story>> r = ParseReutersSgml(doc);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->front().published_us, Rfc("1987-04-05T00:00:00Z"));
}

TEST(ReutersSgml, EmptyInputHasNoDocuments) {
  Result<std::vector<Story>> r = ParseReutersSgml("<!DOCTYPE lewis SYSTEM \"lewis.dtd\">\n");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

TEST(ReutersSgml, UnterminatedDocumentNamesNewid) {
  std::string doc = kDoc;
  doc.resize(doc.find("</REUTERS>"));
  Result<std::vector<Story>> r = ParseReutersSgml(doc);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("NEWID 7"), std::string::npos) << r.status().message();
}

TEST(ReutersSgml, MissingCloseBeforeNextDocument) {
  std::string doc = kDoc;
  doc.resize(doc.find("</REUTERS>"));
  doc += kDoc;
  Result<std::vector<Story>> r = ParseReutersSgml(doc);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST(ReutersSgml, GarbageNamesByteOffset) {
  std::string doc = std::string(kDoc) + "garbage here";
  Result<std::vector<Story>> r = ParseReutersSgml(doc);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("byte offset " + std::to_string(std::string(kDoc).size())),
            std::string::npos)
      << r.status().message();
}

TEST(ReutersSgml, TruncatedTagsDoNotCrash) {
  const std::string doc = kDoc;
  for (std::size_t n = 0; n < doc.size(); ++n) {
    Result<std::vector<Story>> r = ParseReutersSgml(std::string_view(doc).substr(0, n));
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    }
  }
}

TEST(ReutersSgml, MissingNewidIsAnError) {
  Result<std::vector<Story>> r =
      ParseReutersSgml("<REUTERS><TEXT><TITLE>X</TITLE></TEXT></REUTERS>");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("byte offset 0"), std::string::npos);
}

}  // namespace
}  // namespace dateline
