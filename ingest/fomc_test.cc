#include "ingest/fomc.h"
#include "ingest/test_util.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "core/time_format.h"

namespace dateline {
namespace {

const std::string kDir = DATELINE_SHARED_DATA "/fomc/";

using testutil::ReadFileOrEmpty;

using testutil::Rfc;

Story ParseStatement(const std::string& name, std::string_view kind = "statement") {
  std::string folder = kind == "statement" ? "statements/" : "implementation_notes/";
  std::string path = kDir + folder + name;
  std::string text = ReadFileOrEmpty(path);
  EXPECT_FALSE(text.empty()) << "cannot read " << path;
  Result<Story> r = ParseFomcDocument(name, text, kind);
  EXPECT_TRUE(r.ok()) << path << ": " << r.status().ToString();
  return r.ok() ? *r : Story{};
}

TEST(Fomc, RaiseInDecember2015) {
  Story s = ParseStatement("20151216.txt");
  EXPECT_EQ(s.headline, "Fed raises federal funds target range to 1/4 to 1/2 percent");
  EXPECT_EQ(s.priority, Priority::kUrgent);
  EXPECT_EQ(s.source, "fomc");
  EXPECT_EQ(s.source_id, "statement-20151216");
  EXPECT_EQ(s.id, MakeStoryId("fomc", "statement-20151216"));
  EXPECT_EQ(s.language, "en");
  // December: EST, 14:00 in Washington is 19:00Z.
  EXPECT_EQ(s.published_us, Rfc("2015-12-16T19:00:00Z"));
  ASSERT_FALSE(s.body.empty());
  EXPECT_EQ(s.body[0].text.rfind("Information received since the Federal Open Market Committee "
                                 "met in October suggests that economic activity",
                                 0),
            0u);
  for (const Block& b : s.body) EXPECT_EQ(b.text.find('\n'), std::string::npos);
}

TEST(Fomc, HoldInJuly2016) {
  Story s = ParseStatement("20160727.txt");
  EXPECT_EQ(s.headline, "Fed keeps federal funds target range at 1/4 to 1/2 percent");
  EXPECT_EQ(s.priority, Priority::kNormal);
  // July: EDT, 18:00Z.
  EXPECT_EQ(s.published_us, Rfc("2016-07-27T18:00:00Z"));
  ASSERT_FALSE(s.body.empty());
  EXPECT_EQ(s.body[0].text.rfind("Information received since the Federal Open Market Committee "
                                 "met in June indicates that the labor market strengthened",
                                 0),
            0u);
}

TEST(Fomc, OlderWordings) {
  EXPECT_EQ(ParseStatement("20010103.txt").headline, "Fed lowers federal funds target to 6 percent");
  Story keep = ParseStatement("20020507.txt");
  EXPECT_EQ(keep.headline, "Fed keeps federal funds target at 1 3/4 percent");
  EXPECT_EQ(keep.priority, Priority::kNormal);
  EXPECT_EQ(ParseStatement("20090318.txt").headline,
            "Fed keeps federal funds target range at 0 to 1/4 percent");
  EXPECT_EQ(ParseStatement("20150917.txt").headline,
            "Fed keeps federal funds target range at 0 to 1/4 percent");
  Story set = ParseStatement("20081216.txt");
  EXPECT_EQ(set.headline, "Fed sets federal funds target range at 0 to 1/4 percent");
  EXPECT_EQ(set.priority, Priority::kUrgent);
}

TEST(Fomc, NoDecisionSentenceGivesDatedHeadline) {
  Story s = ParseStatement("19940204.txt");
  EXPECT_EQ(s.headline, "FOMC statement, February 4, 1994");
  EXPECT_EQ(s.priority, Priority::kNormal);
  EXPECT_EQ(s.body.size(), 3u);
  EXPECT_EQ(s.published_us, Rfc("1994-02-04T19:00:00Z"));
}

TEST(Fomc, ImplementationNote) {
  Story s = ParseStatement("20160727.txt", "implementation_note");
  EXPECT_EQ(s.source_id, "implementation-note-20160727");
  EXPECT_EQ(s.headline, "FOMC implementation note, July 27, 2016");
  EXPECT_EQ(s.published_us, Rfc("2016-07-27T18:00:00Z"));
  ASSERT_GE(s.body.size(), 2u);
  EXPECT_EQ(s.body[1].text.rfind("* The Board of Governors", 0), 0u);
}

// Every file of both folders parses and validates. The data holds one misnamed file
// ("20080916.xt"): it is rejected as a bad file name, as the contract says.
TEST(Fomc, AllFilesParse) {
  for (const auto& [folder, kind] : {std::pair<std::string, std::string>{"statements", "statement"},
                                     {"implementation_notes", "implementation_note"}}) {
    std::filesystem::path dir = kDir + folder;
    ASSERT_TRUE(std::filesystem::is_directory(dir)) << "missing test data folder " << dir;
    std::size_t parsed = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      std::string name = entry.path().filename().string();
      std::string text = ReadFileOrEmpty(entry.path().string());
      ASSERT_FALSE(text.empty()) << "cannot read " << entry.path();
      Result<Story> r = ParseFomcDocument(name, text, kind);
      if (name == "20080916.xt") {
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
        EXPECT_NE(r.status().message().find(name), std::string::npos);
        continue;
      }
      ASSERT_TRUE(r.ok()) << name << ": " << r.status().ToString();
      EXPECT_TRUE(ValidateStory(*r).ok()) << name;
      EXPECT_FALSE(r->body.empty()) << name;
      ++parsed;
    }
    EXPECT_EQ(parsed, folder == "statements" ? 159u : 7u) << folder;
  }
}

TEST(Fomc, BadFileNameIsNamed) {
  for (std::string_view bad : {"2016-07-27.txt", "20161327.txt", "20160230.txt", "x", "",
                               "20160727.txt.bak"}) {
    Result<Story> r = ParseFomcDocument(bad, "Some text.");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    std::string quoted = "\"";  // appended, not `"\"" + ...`: GCC 12 -O3 false -Wrestrict
    quoted.append(bad).append("\"");
    EXPECT_NE(r.status().message().find(quoted), std::string::npos)
        << r.status().message();
  }
}

TEST(Fomc, EmptyTextAndBadKindAreErrors) {
  EXPECT_EQ(ParseFomcDocument("20160727.txt", " \n\n ").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseFomcDocument("20160727.txt", "Text.", "minutes").status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace dateline
