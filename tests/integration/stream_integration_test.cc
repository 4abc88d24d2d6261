// The live stream over a real WebSocket: order, resume without gap or duplicate, slow consumers.
#include <sys/socket.h>

#include <atomic>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/dateline_process.h"
#include "tests/support/net_client.h"

namespace dateline::testing {
namespace {

using json = nlohmann::json;

std::string StoryLine(int n, std::size_t headline_bytes = 0) {
  std::string headline = "Story " + std::to_string(n);
  if (headline_bytes > headline.size()) {
    // append, not `" " + std::string(...)`: GCC 12 -O3 false -Wrestrict (GCC bug 105329)
    headline.append(" ").append(headline_bytes - headline.size() - 1, 'h');
  }
  return json{{"source", "wire"}, {"source_id", std::to_string(n)}, {"headline", headline}}.dump();
}

void PostBatch(std::uint16_t port, int from, int count, std::size_t headline_bytes = 0) {
  std::string body;
  for (int i = from; i < from + count; ++i) body += StoryLine(i, headline_bytes) + "\n";
  auto r = HttpRequest(port, "POST", "/api/v1/stories", body, "application/x-ndjson");
  ASSERT_EQ(r.status, 201) << r.body << r.error;
}

TEST(StreamIntegration, LiveFramesInLogOrder) {
  TempDir dir;
  auto server = DatelineProcess::Serve(dir.path() + "/data");
  ASSERT_TRUE(server);
  WsClient ws;
  ASSERT_TRUE(ws.Connect(server->port(), "/api/v1/stream")) << ws.error();
  // The client is registered once the handshake is done; give the session a moment to go live.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_EQ(PostJson(server->port(),
                     R"({"source":"bloomberg","headline":"FLASH: Fed cuts","priority":"flash"})")
                .status,
            201);
  PostBatch(server->port(), 1, 3);
  auto first = ws.Read();
  ASSERT_TRUE(first) << ws.error();
  auto f = json::parse(*first);
  EXPECT_EQ(f["type"], "story");
  EXPECT_EQ(f["seq"], 1);
  EXPECT_EQ(f["headline"], "FLASH: Fed cuts");
  EXPECT_EQ(f["priority"], "flash");
  EXPECT_EQ(f["source"], "bloomberg");
  EXPECT_TRUE(f.contains("id") && f.contains("received"));
  for (int seq = 2; seq <= 4; ++seq) {
    auto m = ws.Read();
    ASSERT_TRUE(m) << ws.error();
    EXPECT_EQ(json::parse(*m)["seq"], seq);
  }
  // Connected clients are counted.
  EXPECT_NE(HttpGet(server->port(), "/metrics").body.find("dateline_connected_clients 1\n"),
            std::string::npos);
}

TEST(StreamIntegration, ReconnectWithAfterGetsExactlyTheMissedStories) {
  TempDir dir;
  auto server = DatelineProcess::Serve(dir.path() + "/data");
  ASSERT_TRUE(server);
  PostBatch(server->port(), 1, 10);
  std::uint64_t last = 0;
  {
    WsClient ws;
    ASSERT_TRUE(ws.Connect(server->port(), "/api/v1/stream?after=0"));
    for (int i = 0; i < 6; ++i) {
      auto m = ws.Read();
      ASSERT_TRUE(m);
      last = json::parse(*m)["seq"];
    }
    ws.Close();
  }
  EXPECT_EQ(last, 6u);
  PostBatch(server->port(), 11, 5);  // missed while away
  WsClient ws;
  ASSERT_TRUE(ws.Connect(server->port(), "/api/v1/stream?after=" + std::to_string(last)));
  for (std::uint64_t want = 7; want <= 15; ++want) {
    auto m = ws.Read();
    ASSERT_TRUE(m) << ws.error();
    EXPECT_EQ(json::parse(*m)["seq"], want);
  }
  // And then live, no duplicate.
  PostBatch(server->port(), 16, 1);
  auto m = ws.Read();
  ASSERT_TRUE(m);
  EXPECT_EQ(json::parse(*m)["seq"], 16);

  // Bad parameters are a plain HTTP error, not a stream.
  WsClient bad;
  EXPECT_FALSE(bad.Connect(server->port(), "/api/v1/stream?after=soon"));
}

TEST(StreamIntegration, NoGapNoDuplicateWhileReconnectingUnderLoad) {
  TempDir dir;
  auto server = DatelineProcess::Serve(dir.path() + "/data");
  ASSERT_TRUE(server);
  const int kStories = 600;
  std::thread poster([&] {
    for (int i = 1; i <= kStories; i += 20) PostBatch(server->port(), i, 20);
  });
  std::vector<std::uint64_t> seen;
  std::uint64_t last = 0;
  int connections = 0;
  while (seen.size() < static_cast<std::size_t>(kStories) && connections < 200) {
    WsClient ws;
    ASSERT_TRUE(ws.Connect(server->port(), "/api/v1/stream?after=" + std::to_string(last)));
    ++connections;
    for (int i = 0; i < 37; ++i) {  // drop the connection every 37 frames
      auto m = ws.Read(std::chrono::seconds(20));
      if (!m) break;
      last = json::parse(*m)["seq"];
      seen.push_back(last);
      if (seen.size() == static_cast<std::size_t>(kStories)) break;
    }
  }
  poster.join();
  ASSERT_EQ(seen.size(), static_cast<std::size_t>(kStories));
  for (std::size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i], i + 1) << "at index " << i;
  EXPECT_GT(connections, 10);
}

TEST(StreamIntegration, SlowConsumerIsDisconnectedAndNeverSlowsOthers) {
  TempDir dir;
  auto server = DatelineProcess::Serve(dir.path() + "/data", {"--stream-queue", "256"});
  ASSERT_TRUE(server);
  const int kStories = 2000;

  // The slow client: a tiny receive buffer, and it does not read until the end.
  WsClient slow;
  ASSERT_TRUE(slow.Connect(server->port(), "/api/v1/stream", 4096));

  std::atomic<int> fast_seen{0};
  std::atomic<bool> fast_in_order{true};
  WsClient fast;
  ASSERT_TRUE(fast.Connect(server->port(), "/api/v1/stream"));
  std::thread reader([&] {
    for (int want = 1; want <= kStories; ++want) {
      auto m = fast.Read(std::chrono::seconds(60));
      if (!m) return;
      if (json::parse(*m)["seq"] != want) fast_in_order = false;
      ++fast_seen;
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  for (int i = 1; i <= kStories && !HasFailure(); i += 100) PostBatch(server->port(), i, 100, 4000);
  reader.join();
  ASSERT_FALSE(HasFailure()) << server->Log();
  EXPECT_EQ(fast_seen.load(), kStories);
  EXPECT_TRUE(fast_in_order.load());

  // The slow client finds the close frame after whatever the kernel had buffered.
  int frames = 0;
  while (slow.Read(std::chrono::seconds(30))) ++frames;
  EXPECT_LT(frames, kStories);
  EXPECT_EQ(slow.close_code(), 4001) << slow.error() << " after " << frames << " frames";
  EXPECT_NE(slow.close_reason().find("slow consumer"), std::string::npos);
  EXPECT_NE(HttpGet(server->port(), "/metrics").body.find("dateline_stream_slow_disconnects_total 1\n"),
            std::string::npos);
}

}  // namespace
}  // namespace dateline::testing
