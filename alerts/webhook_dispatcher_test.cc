#include "alerts/webhook_dispatcher.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "alerts/testing/http_receiver.h"
#include "alerts/webhook_signature.h"
#include "store/metadata_db.h"

namespace dateline::alerts {
namespace {

using namespace std::chrono_literals;
using testing::HttpReceiver;
using testing::ReceivedRequest;
using testing::Reply;

constexpr const char* kSecret = "whsec_0123456789abcdef";

class WebhookDispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/dateline-webhooks-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto db = MetadataDb::Open(dir_ + "/metadata.db");
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    setup_ = std::move(*db);
    ASSERT_TRUE(setup_
                    ->Exec("INSERT INTO users(id, username, password_hash, role, created_at) "
                           "VALUES (1, 'ann', 'x', 'reader', 0), (2, 'bob', 'x', 'reader', 0);"
                           "INSERT INTO alerts(id, user_id, name, query, created_at, updated_at, "
                           "webhook_url, webhook_secret) VALUES "
                           "(10, 1, 'fed', 'fed', 0, 0, 'http://x', '" +
                           std::string(kSecret) + "')")
                    .ok());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<MetadataDb> OpenDb() {
    auto db = MetadataDb::Open(dir_ + "/metadata.db");
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return db.ok() ? std::move(*db) : nullptr;
  }

  static WebhookOptions Fast() {
    WebhookOptions o;
    o.workers = 2;
    o.timeout_ms = 2000;
    o.backoff_initial_ms = 40;
    o.jitter = 0;
    o.max_attempts = 3;
    return o;
  }

  static NewDelivery To(const std::string& url, const std::string& payload = R"({"n":1})") {
    return {10, 1, url, kSecret, payload};
  }

  // Polls the delivery until `pred` holds (the workers settle rows asynchronously).
  template <typename Pred>
  static bool Eventually(WebhookDispatcher& d, std::int64_t id, Pred pred,
                         std::chrono::milliseconds timeout = 10s) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      auto got = d.Get(1, id);
      if (got.ok() && pred(*got)) return true;
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }

  static std::int64_t NowSeconds() { return Clock::System().NowMicros() / 1'000'000; }

  std::string dir_;
  std::unique_ptr<MetadataDb> setup_;
};

TEST_F(WebhookDispatcherTest, PostsSignedJsonThatVerifies) {
  HttpReceiver receiver;
  auto db = OpenDb();
  WebhookDispatcher d(*db, Clock::System(), Fast());
  ASSERT_TRUE(d.Start().ok());
  const std::string payload = R"({"type":"alert","story":{"headline":"Fed holds"}})";
  auto id = d.Enqueue(To(receiver.Url(), payload));
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  ASSERT_TRUE(receiver.WaitFor(1));
  const ReceivedRequest r = receiver.Requests()[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.path, "/hook");
  EXPECT_EQ(r.body, payload);
  EXPECT_EQ(r.Header("content-type"), "application/json");
  EXPECT_EQ(r.Header("x-dateline-delivery"), std::to_string(*id));
  EXPECT_EQ(r.Header("x-dateline-attempt"), "1");
  EXPECT_TRUE(
      VerifySignatureHeader(r.Header("x-dateline-signature"), kSecret, r.body, NowSeconds()))
      << r.Header("x-dateline-signature");
  EXPECT_FALSE(
      VerifySignatureHeader(r.Header("x-dateline-signature"), "whsec_wrong", r.body, NowSeconds()));
  ASSERT_TRUE(
      Eventually(d, *id, [](const Delivery& x) { return x.state == DeliveryState::kDelivered; }));
  EXPECT_EQ(d.Get(1, *id)->attempts, 1);
  EXPECT_EQ(d.Get(2, *id).status().code(), StatusCode::kNotFound) << "another user's delivery";
}

TEST_F(WebhookDispatcherTest, RetriesAfter500ThenSucceeds) {
  HttpReceiver receiver([](const ReceivedRequest&, int i) { return Reply{i == 0 ? 500 : 204}; });
  auto db = OpenDb();
  WebhookDispatcher d(*db, Clock::System(), Fast());
  ASSERT_TRUE(d.Start().ok());
  auto id = d.Enqueue(To(receiver.Url()));
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(
      Eventually(d, *id, [](const Delivery& x) { return x.state == DeliveryState::kDelivered; }));
  const auto requests = receiver.Requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].Header("x-dateline-delivery"), requests[1].Header("x-dateline-delivery"));
  EXPECT_EQ(requests[1].Header("x-dateline-attempt"), "2");
  EXPECT_GE(requests[1].at - requests[0].at, 40ms) << "the retry waits for the backoff";
  EXPECT_TRUE(VerifySignatureHeader(requests[1].Header("x-dateline-signature"), kSecret,
                                    requests[1].body, NowSeconds()));
  auto got = d.Get(1, *id);
  EXPECT_EQ(got->attempts, 2);
  EXPECT_EQ(got->last_error, "") << "a success clears the error";
}

TEST_F(WebhookDispatcherTest, DeadLetterAfterMaxAttemptsThenRetry) {
  std::atomic<bool> healthy{false};
  HttpReceiver receiver([&](const ReceivedRequest&, int) { return Reply{healthy ? 200 : 503}; });
  auto db = OpenDb();
  WebhookOptions options = Fast();
  options.backoff_initial_ms = 10;
  WebhookDispatcher d(*db, Clock::System(), options);
  ASSERT_TRUE(d.Start().ok());
  auto id = d.Enqueue(To(receiver.Url()));
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(
      Eventually(d, *id, [](const Delivery& x) { return x.state == DeliveryState::kDead; }));
  EXPECT_EQ(receiver.Requests().size(), 3u) << "exactly max_attempts";
  auto dead = d.ListDead(1);
  ASSERT_TRUE(dead.ok());
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].id, *id);
  EXPECT_EQ((*dead)[0].attempts, 3);
  EXPECT_EQ((*dead)[0].last_error, "HTTP 503");
  EXPECT_TRUE(d.ListDead(2)->empty()) << "dead letters are per user";
  EXPECT_EQ(d.Retry(2, *id).code(), StatusCode::kNotFound);

  healthy = true;
  ASSERT_TRUE(d.Retry(1, *id).ok());
  EXPECT_EQ(d.Retry(1, *id).code(), StatusCode::kNotFound) << "no longer dead";
  ASSERT_TRUE(
      Eventually(d, *id, [](const Delivery& x) { return x.state == DeliveryState::kDelivered; }));
  EXPECT_EQ(receiver.Requests().size(), 4u);
  EXPECT_TRUE(d.ListDead(1)->empty());
}

TEST_F(WebhookDispatcherTest, RetryTheMomentADeliveryDiesIsNotLost) {
  // Retry can land between the attempt's database update (dead) and its bookkeeping in memory.
  HttpReceiver receiver([](const ReceivedRequest&, int) { return Reply{500}; });
  auto db = OpenDb();
  WebhookOptions options = Fast();
  options.max_attempts = 1;
  WebhookDispatcher d(*db, Clock::System(), options);
  ASSERT_TRUE(d.Start().ok());
  auto id = d.Enqueue(To(receiver.Url()));
  ASSERT_TRUE(id.ok());
  auto dead = [](const Delivery& x) { return x.state == DeliveryState::kDead; };
  for (int round = 1; round <= 30; ++round) {
    // Spin (no sleep) so the Retry follows the death as closely as possible.
    const auto until = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < until) {
      auto got = d.Get(1, *id);
      if (got.ok() && dead(*got)) break;
    }
    ASSERT_TRUE(dead(*d.Get(1, *id))) << "round " << round << ": the retried delivery was lost";
    ASSERT_TRUE(d.Retry(1, *id).ok());
  }
  ASSERT_TRUE(Eventually(d, *id, dead));
  EXPECT_EQ(receiver.Requests().size(), 31u);
}

TEST_F(WebhookDispatcherTest, ReceiverThatNeverAnswersTimesOutWithoutDelayingOthers) {
  HttpReceiver stuck([](const ReceivedRequest&, int) { return Reply{200, 0, true}; });
  HttpReceiver healthy;
  auto db = OpenDb();
  WebhookOptions options = Fast();
  options.timeout_ms = 1500;
  options.max_attempts = 1;
  WebhookDispatcher d(*db, Clock::System(), options);
  ASSERT_TRUE(d.Start().ok());

  const auto start = std::chrono::steady_clock::now();
  std::vector<std::int64_t> stuck_ids;
  for (int i = 0; i < 5; ++i) stuck_ids.push_back(*d.Enqueue(To(stuck.Url())));
  ASSERT_TRUE(stuck.WaitFor(1));
  auto ok_id = d.Enqueue(To(healthy.Url()));
  ASSERT_TRUE(ok_id.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1000ms) << "Enqueue never waits";

  // The healthy endpoint is served while the stuck one holds its (single) worker.
  ASSERT_TRUE(healthy.WaitFor(1, 1000ms)) << "delayed by the stuck endpoint";
  EXPECT_LT(healthy.Requests()[0].at - start, 1000ms);
  EXPECT_EQ(stuck.Requests().size(), 1u) << "one attempt at a time per endpoint";

  ASSERT_TRUE(Eventually(d, stuck_ids[0],
                         [](const Delivery& x) { return x.state == DeliveryState::kDead; }));
  const auto first = d.Get(1, stuck_ids[0]);
  EXPECT_EQ(first->last_error, "timeout after 1500 ms");
  EXPECT_GE(std::chrono::steady_clock::now() - start, 1400ms);
  stuck.Stop();
  d.Stop();
}

TEST_F(WebhookDispatcherTest, RestartResumesPendingDeliveries) {
  HttpReceiver receiver;
  std::int64_t id = 0;
  {
    auto db = OpenDb();
    WebhookDispatcher d(*db, Clock::System(), Fast());  // never started: nothing is sent
    auto got = d.Enqueue(To(receiver.Url()));
    ASSERT_TRUE(got.ok());
    id = *got;
  }
  EXPECT_TRUE(receiver.Requests().empty());
  auto db = OpenDb();
  WebhookDispatcher d(*db, Clock::System(), Fast());
  ASSERT_TRUE(d.Start().ok());
  ASSERT_TRUE(receiver.WaitFor(1));
  const ReceivedRequest r = receiver.Requests()[0];
  EXPECT_EQ(r.Header("x-dateline-delivery"), std::to_string(id));
  // The secret came from the alert's row: the signature still verifies.
  EXPECT_TRUE(
      VerifySignatureHeader(r.Header("x-dateline-signature"), kSecret, r.body, NowSeconds()));
  ASSERT_TRUE(
      Eventually(d, id, [](const Delivery& x) { return x.state == DeliveryState::kDelivered; }));
}

TEST_F(WebhookDispatcherTest, QueueBeyondItsBoundWaitsInTheDatabase) {
  HttpReceiver receiver;
  auto db = OpenDb();
  WebhookOptions options = Fast();
  options.max_queued = 2;
  WebhookDispatcher d(*db, Clock::System(), options);
  ASSERT_TRUE(d.Start().ok());
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 12; ++i) {
    auto id = d.Enqueue(To(receiver.Url(), "{\"n\":" + std::to_string(i) + "}"));
    ASSERT_TRUE(id.ok());
    ids.push_back(*id);
    EXPECT_LE(d.Stats().queued, 2u);
  }
  ASSERT_TRUE(receiver.WaitFor(12));
  for (std::int64_t id : ids) {
    EXPECT_TRUE(Eventually(d, id, [](const Delivery& x) {
      return x.state == DeliveryState::kDelivered;
    })) << id;
  }
  EXPECT_EQ(receiver.Requests().size(), 12u) << "none sent twice";
}

TEST_F(WebhookDispatcherTest, DeletedAlertDropsItsPendingDeliveries) {
  auto db = OpenDb();
  WebhookDispatcher d(*db, Clock::System(), Fast());
  HttpReceiver receiver;
  auto id = d.Enqueue(To(receiver.Url()));
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(setup_->Exec("DELETE FROM alerts WHERE id = 10").ok());
  ASSERT_TRUE(d.Start().ok());
  std::this_thread::sleep_for(300ms);
  EXPECT_TRUE(receiver.Requests().empty());
  EXPECT_EQ(d.Get(1, *id).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace dateline::alerts
