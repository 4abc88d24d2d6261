// No acknowledged story is ever lost: a client posts continuously while the server is killed
// with SIGKILL at random moments, 20 times; after each restart every acknowledged story is there.
#include <atomic>
#include <mutex>
#include <random>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/dateline_process.h"
#include "tests/support/net_client.h"

namespace dateline::testing {
namespace {

using json = nlohmann::json;

TEST(CrashIntegration, Kill9NeverLosesAnAcknowledgedStory) {
  TempDir dir;
  const std::string data = dir.path() + "/data";
  std::mt19937 rng(20131102);
  std::map<std::string, std::string> acked;  // id -> headline
  int next = 0;
  for (int round = 0; round < 20; ++round) {
    auto server = DatelineProcess::Serve(data);
    ASSERT_TRUE(server) << "round " << round;
    const auto port = server->port();

    // Everything acknowledged so far survived the previous kill.
    auto head = json::parse(HttpGet(port, "/api/v1/stories?order=desc&limit=1").body);
    ASSERT_GE(head["next_after"].get<std::uint64_t>(), acked.size());
    for (const auto& [id, headline] : acked) {
      auto r = HttpGet(port, "/api/v1/stories/" + id);
      ASSERT_EQ(r.status, 200) << "round " << round << ": acknowledged story " << id << " lost";
      ASSERT_EQ(json::parse(r.body)["headline"], headline);
    }

    std::mutex mu;
    std::atomic<bool> stop{false};
    std::vector<std::thread> posters;
    for (int t = 0; t < 3; ++t) {
      posters.emplace_back([&] {
        while (!stop) {
          int n;
          {
            std::lock_guard lock(mu);
            n = next++;
          }
          const std::string headline = "Crash story " + std::to_string(n);
          json story = {{"source", "crash"}, {"source_id", std::to_string(n)},
                        {"headline", headline}, {"body", std::string(200 + n % 3000, 'x')}};
          auto r = PostJson(port, story.dump());
          if (r.status == 201) {
            std::lock_guard lock(mu);
            acked[json::parse(r.body)["id"]] = headline;
          } else if (r.status == 0) {
            return;  // the server is gone
          }
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50 + rng() % 400));
    server->Kill9();
    stop = true;
    for (auto& t : posters) t.join();
  }
  // The final check, after the last kill.
  auto server = DatelineProcess::Serve(data);
  ASSERT_TRUE(server);
  for (const auto& [id, headline] : acked) {
    ASSERT_EQ(HttpGet(server->port(), "/api/v1/stories/" + id).status, 200) << id;
  }
  EXPECT_GT(acked.size(), 100u) << "too few stories were acknowledged for the test to mean much";
  std::printf("crash test: %zu acknowledged stories survived 20 kill -9s\n", acked.size());
}

}  // namespace
}  // namespace dateline::testing
