// The HTTP API over the wire, against the real binary.
#include <atomic>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/dateline_process.h"
#include "tests/support/net_client.h"

namespace dateline::testing {
namespace {

using json = nlohmann::json;

std::string Story(const std::string& source_id, const std::string& headline) {
  return json{{"source", "wire"}, {"source_id", source_id}, {"headline", headline},
              {"body", {"First paragraph.", {{"subheading", "More"}}, "Second paragraph."}}}
      .dump();
}

TEST(ServerIntegration, PostGetVersionsAndList) {
  TempDir dir;
  auto server = DatelineProcess::Serve(dir.path() + "/data");
  ASSERT_TRUE(server);
  const auto port = server->port();

  auto r = PostJson(port, Story("a1", "Fed holds rates"));
  ASSERT_EQ(r.status, 201) << r.body << r.error;
  auto created = json::parse(r.body);
  const std::string id = created["id"];
  EXPECT_EQ(created["version"], 1);
  EXPECT_EQ(created["seq"], 1);

  // Idempotent re-send.
  r = PostJson(port, Story("a1", "Fed holds rates"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body)["seq"], 1);

  // A new version is chained, the old one kept.
  r = PostJson(port, Story("a1", "Fed holds rates, signals patience"));
  ASSERT_EQ(r.status, 201);
  EXPECT_EQ(json::parse(r.body)["version"], 2);

  auto got = HttpGet(port, "/api/v1/stories/" + id);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.headers["content-type"], "application/json");
  auto story = json::parse(got.body);
  EXPECT_EQ(story["headline"], "Fed holds rates, signals patience");
  EXPECT_EQ(story["previous_seq"], 1);
  EXPECT_EQ(story["body"][1]["subheading"], "More");
  EXPECT_EQ(json::parse(HttpGet(port, "/api/v1/stories/" + id + "?version=1").body)["headline"],
            "Fed holds rates");
  EXPECT_EQ(HttpGet(port, "/api/v1/stories/" + id + "?version=3").status, 404);

  auto list = json::parse(HttpGet(port, "/api/v1/stories?after=0&limit=10").body);
  ASSERT_EQ(list["stories"].size(), 2u);
  EXPECT_EQ(list["stories"][0]["seq"], 1);
  EXPECT_EQ(list["stories"][1]["seq"], 2);

  // NDJSON batch.
  r = HttpRequest(port, "POST", "/api/v1/stories",
                  Story("b1", "One") + "\n" + Story("b2", "Two") + "\n", "application/x-ndjson");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(json::parse(r.body)["stories"].size(), 2u);

  // Everything survives a restart.
  EXPECT_EQ(server->Terminate(), 0) << server->Log();
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/data/metadata.db"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/data/log"));
  server = DatelineProcess::Serve(dir.path() + "/data");
  ASSERT_TRUE(server);
  got = HttpGet(server->port(), "/api/v1/stories/" + id + "?version=1");
  EXPECT_EQ(json::parse(got.body)["headline"], "Fed holds rates");
  EXPECT_EQ(json::parse(HttpGet(server->port(), "/api/v1/stories?order=desc&limit=1").body)["next_after"], 4);
}

TEST(ServerIntegration, BadInputGetsAClearError) {
  TempDir dir;
  auto server = DatelineProcess::Serve(dir.path() + "/data");
  ASSERT_TRUE(server);
  const auto port = server->port();
  auto error_of = [](const HttpResult& r) { return json::parse(r.body)["error"]; };

  auto r = PostJson(port, "{\"source\": \"wire\", \"headline\": ");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_of(r)["code"], "invalid_argument");

  r = PostJson(port, R"({"source": "wire", "summary": "no headline"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_of(r)["field"], "headline");

  r = HttpRequest(port, "POST", "/api/v1/stories", Story("x", "y"), "text/plain");
  EXPECT_EQ(r.status, 415);
  EXPECT_EQ(error_of(r)["code"], "unsupported");

  r = PostJson(port, "{\"source\": \"wire\", \"headline\": \"caf\xE9\"}");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(error_of(r)["code"], "invalid_utf8");

  // Above the default 16 MiB limit.
  std::string huge = R"({"source":"wire","headline":"big","body":")" +
                     std::string(17u << 20, 'a') + "\"}";
  r = PostJson(port, huge);
  EXPECT_EQ(r.status, 413) << r.error;
  EXPECT_EQ(error_of(r)["code"], "too_large");

  // Just under it is fine (Bloomberg's longest stories run to 10 MB).
  std::string big = R"({"source":"wire","headline":"big","body":")" + std::string(10u << 20, 'a') + "\"}";
  r = PostJson(port, big);
  EXPECT_EQ(r.status, 201) << r.body;

  EXPECT_EQ(HttpGet(port, "/api/v1/stories?limit=abc").status, 400);
  EXPECT_EQ(HttpGet(port, "/api/v1/stories/ffffffffffffffffffffffff").status, 404);
  EXPECT_EQ(HttpRequest(port, "DELETE", "/api/v1/stories/ffffffffffffffffffffffff").status, 405);
  // Paths without an extension outside /api/ are the web terminal's own screens (index.html);
  // an unknown API route or file is not found.
  EXPECT_EQ(HttpGet(port, "/api/v1/no/such/thing").status, 404);
  EXPECT_EQ(HttpGet(port, "/no/such/thing.js").status, 404);

  // Nothing bad was stored, and the server is still healthy.
  EXPECT_EQ(json::parse(HttpGet(port, "/api/v1/stories?order=desc&limit=5").body)["stories"].size(), 1u);
}

TEST(ServerIntegration, HealthMetricsAndWebPage) {
  TempDir dir;
  auto server = DatelineProcess::Serve(dir.path() + "/data");
  ASSERT_TRUE(server);
  ASSERT_EQ(PostJson(server->port(), Story("m1", "Metric me")).status, 201);
  auto m = HttpGet(server->port(), "/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_NE(m.headers["content-type"].find("text/plain"), std::string::npos);
  EXPECT_NE(m.body.find("dateline_stories_ingested_total 1\n"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("dateline_ingest_latency_seconds_count 1\n"), std::string::npos);
  EXPECT_NE(m.body.find("dateline_connected_clients 0\n"), std::string::npos);
  auto page = HttpGet(server->port(), "/");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("<title>Dateline</title>"), std::string::npos);
  EXPECT_EQ(json::parse(HttpGet(server->port(), "/healthz").body)["status"], "ok");
}

TEST(ServerIntegration, SigtermFinishesInFlightIngestsAndSyncs) {
  TempDir dir;
  auto server = DatelineProcess::Serve(dir.path() + "/data");
  ASSERT_TRUE(server);
  const auto port = server->port();
  std::atomic<bool> stop{false};
  std::vector<std::string> acked;
  std::thread poster([&] {
    for (int i = 0; !stop; ++i) {
      // append, not `"t" + ...`: GCC 12 -O3 false -Wrestrict (GCC bug 105329)
      auto r = PostJson(port, Story(std::string("t").append(std::to_string(i)),
                                    std::string("Story ").append(std::to_string(i))));
      if (r.status == 201) acked.push_back(json::parse(r.body)["id"]);
      else if (r.status == 0 || r.status == 503) break;
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(server->Terminate(), 0) << server->Log();
  stop = true;
  poster.join();
  EXPECT_NE(server->Log().find("shut down cleanly"), std::string::npos) << server->Log();
  ASSERT_FALSE(acked.empty());

  server = DatelineProcess::Serve(dir.path() + "/data");
  ASSERT_TRUE(server);
  for (const auto& id : acked) {
    EXPECT_EQ(HttpGet(server->port(), "/api/v1/stories/" + id).status, 200) << id;
  }
}

}  // namespace
}  // namespace dateline::testing
