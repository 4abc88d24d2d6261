// The command line: ingest (into a data folder and into a running server), repair.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "store/story_store.h"
#include "tests/support/dateline_process.h"
#include "tests/support/net_client.h"

namespace dateline::testing {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

const std::string kSeed = DATELINE_SOURCE_DIR "/../shared/seed/000_d29b1c423fcbeec1.txt";
const std::string kReuters = DATELINE_SHARED_DATA "/reuters21578";
const std::string kFomc = DATELINE_SOURCE_DIR "/demo/fomc";

TEST(CliIntegration, IngestSeedPageIntoADataFolderThenServeIt) {
  ASSERT_TRUE(fs::exists(kSeed)) << "missing " << kSeed;
  TempDir dir;
  std::string out;
  ASSERT_EQ(RunDateline({"ingest", "--data", dir.path(), "--reference-date", "2013-11-03", kSeed}, &out), 0)
      << out;
  EXPECT_NE(out.find("ingested 1 new stories"), std::string::npos) << out;

  auto server = DatelineProcess::Serve(dir.path());
  ASSERT_TRUE(server);
  auto list = json::parse(HttpGet(server->port(), "/api/v1/stories?after=0").body);
  ASSERT_EQ(list["stories"].size(), 1u);
  const auto& s = list["stories"][0];
  EXPECT_EQ(s["headline"], "Japan and Russia Agree on Navy Cooperation in Bid to Build Trust");
  EXPECT_EQ(s["source"], "bloomberg");
  EXPECT_EQ(s["published"], "2013-11-02T00:00:00Z");
  EXPECT_EQ(s["contacts"][0]["name"], "Isabel Reynolds");
  EXPECT_EQ(s["contacts"][1]["role"], "editor");
  EXPECT_EQ(s.dump().find("Please upgrade"), std::string::npos);
  EXPECT_EQ(s.dump().find("+44 20"), std::string::npos);
}

TEST(CliIntegration, IngestPostsToARunningServer) {
  TempDir dir;
  auto server = DatelineProcess::Serve(dir.path() + "/data");
  ASSERT_TRUE(server);
  WsClient ws;
  ASSERT_TRUE(ws.Connect(server->port(), "/api/v1/stream?after=0"));
  std::string out;
  ASSERT_EQ(RunDateline({"ingest", "--server", server->url(), "--token", DefaultBearerToken(), "--reference-date", "2013-11-03", kSeed}, &out), 0)
      << out;
  auto frame = ws.Read();
  ASSERT_TRUE(frame) << ws.error();
  EXPECT_EQ(json::parse(*frame)["headline"],
            "Japan and Russia Agree on Navy Cooperation in Bid to Build Trust");
  // A second run is recognised as the same story.
  out.clear();
  ASSERT_EQ(RunDateline({"ingest", "--server", server->url(), "--token", DefaultBearerToken(), "--reference-date", "2013-11-03", kSeed}, &out), 0);
  EXPECT_NE(out.find("ingested 0 new stories (1 already stored)"), std::string::npos) << out;
  // A server that is not there is a clear error, not a crash.
  out.clear();
  EXPECT_EQ(RunDateline({"ingest", "--server", "http://127.0.0.1:1", "--token", "dl_x", kSeed}, &out), 1);
  EXPECT_NE(out.find("cannot post"), std::string::npos) << out;
}

TEST(CliIntegration, LoadsAllOfReuters21578InOneCommand) {
  ASSERT_TRUE(fs::exists(kReuters + "/reut2-000.sgm")) << "missing " << kReuters;
  TempDir dir;
  std::string out;
  ASSERT_EQ(RunDateline({"ingest", "--data", dir.path(), kReuters}, &out), 0) << out;
  EXPECT_NE(out.find("ingested 21578 new stories (0 already stored)"), std::string::npos) << out;
  out.clear();
  ASSERT_EQ(RunDateline({"ingest", "--data", dir.path(), kReuters + "/reut2-000.sgm"}, &out), 0);
  EXPECT_NE(out.find("ingested 0 new stories (1000 already stored)"), std::string::npos) << out;

  StoreOptions opt;
  opt.dir = dir.path();
  auto store = StoryStore::Open(opt);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ((*store)->StoryCount(), 21578u);
  EXPECT_EQ((*store)->LastDurableSeq(), 21578u);
}

TEST(CliIntegration, CorruptFrameStopsTheServerAndRepairSalvagesTheRest) {
  TempDir dir;
  std::string out;
  ASSERT_EQ(RunDateline({"ingest", "--data", dir.path(), kFomc + "/statements"}, &out), 0) << out;
  // Damage one byte in the middle of the only segment.
  std::string seg;
  for (const auto& e : fs::directory_iterator(dir.path() + "/log")) seg = e.path().string();
  ASSERT_FALSE(seg.empty());
  const auto size = fs::file_size(seg);
  {
    std::fstream f(seg, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(size / 2));
    char c;
    f.read(&c, 1);
    f.seekp(static_cast<std::streamoff>(size / 2));
    c = static_cast<char>(c ^ 0x5a);
    f.write(&c, 1);
  }
  out.clear();
  EXPECT_EQ(RunDateline({"serve", "--data", dir.path(), "--listen", "127.0.0.1:0"}, &out), 1);
  EXPECT_NE(out.find(fs::path(seg).filename().string()), std::string::npos) << out;
  EXPECT_NE(out.find("offset"), std::string::npos) << out;
  EXPECT_NE(out.find("dateline repair"), std::string::npos) << out;

  out.clear();
  ASSERT_EQ(RunDateline({"repair", "--data", dir.path()}, &out), 0) << out;
  EXPECT_NE(out.find("lost 1 damaged frames"), std::string::npos) << out;

  auto server = DatelineProcess::Serve(dir.path());
  ASSERT_TRUE(server);
  auto list = json::parse(HttpGet(server->port(), "/api/v1/stories?after=0&limit=1000").body);
  const auto statements = std::distance(fs::directory_iterator(kFomc + "/statements"), {});
  EXPECT_EQ(static_cast<long>(list["stories"].size()), statements - 1);
}

TEST(CliIntegration, HelpAndBadArguments) {
  std::string out;
  EXPECT_EQ(RunDateline({"--help"}, &out), 0);
  EXPECT_NE(out.find("serve"), std::string::npos);
  EXPECT_NE(out.find("ingest"), std::string::npos);
  EXPECT_NE(out.find("repair"), std::string::npos);
  out.clear();
  EXPECT_NE(RunDateline({"serve", "--listen", "nonsense"}, &out), 0);
  EXPECT_NE(out.find("--listen"), std::string::npos) << out;
  out.clear();
  TempDir dir;
  EXPECT_NE(RunDateline({"ingest", "/nonexistent/file.txt", "--data", dir.path()}, &out), 0);
  EXPECT_NE(out.find("/nonexistent/file.txt"), std::string::npos) << out;
}

}  // namespace
}  // namespace dateline::testing
