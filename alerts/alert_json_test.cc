#include "alerts/alert_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace dateline::alerts {
namespace {

using json = nlohmann::json;

constexpr const char* kJson = "application/json";

std::string FieldOf(std::string_view body) {
  auto r = ParseAlertBody(kJson, body);
  return r.ok() ? "ok" : r.status().field();
}

TEST(AlertJsonTest, ParsesAFullBody) {
  auto r = ParseAlertBody("application/json; charset=utf-8", R"({
    "name": "Fed", "query": "fed AND rates", "enabled": false,
    "delivery": {"live": false, "webhook": {"url": "https://example.com/h", "secret": "s"}},
    "rate_limit": {"max": 3, "window_seconds": 600}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->name, "Fed");
  EXPECT_EQ(r->query, "fed AND rates");
  EXPECT_FALSE(r->enabled);
  EXPECT_FALSE(r->live);
  ASSERT_TRUE(r->webhook);
  EXPECT_EQ(r->webhook->url, "https://example.com/h");
  EXPECT_EQ(r->webhook->secret, "s");
  EXPECT_EQ(r->rate_limit, (RateLimit{3, 600}));
}

TEST(AlertJsonTest, DefaultsWhenOptionalMembersAreAbsentOrNull) {
  auto r = ParseAlertBody(kJson, R"({"name": "n", "query": "q", "rate_limit": null,
                                     "delivery": {"webhook": null}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->enabled);
  EXPECT_TRUE(r->live);
  EXPECT_FALSE(r->webhook);
  EXPECT_FALSE(r->rate_limit);
}

TEST(AlertJsonTest, ErrorsNameTheField) {
  EXPECT_EQ(FieldOf(R"({"query": "q"})"), "name");
  EXPECT_EQ(FieldOf(R"({"name": "n"})"), "query");
  EXPECT_EQ(FieldOf(R"({"name": 3, "query": "q"})"), "name");
  EXPECT_EQ(FieldOf(R"({"name": "n", "query": "q", "enabled": "yes"})"), "enabled");
  EXPECT_EQ(FieldOf(R"({"name": "n", "query": "q", "delivery": []})"), "delivery");
  EXPECT_EQ(FieldOf(R"({"name": "n", "query": "q", "delivery": {"live": 1}})"), "delivery.live");
  EXPECT_EQ(FieldOf(R"({"name": "n", "query": "q", "delivery": {"webhook": {}}})"),
            "delivery.webhook.url");
  EXPECT_EQ(FieldOf(R"({"name": "n", "query": "q", "delivery": {"webhook": {"url": "u",
                       "secret": 5}}})"),
            "delivery.webhook.secret");
  EXPECT_EQ(FieldOf(R"({"name": "n", "query": "q", "rate_limit": {"window_seconds": 5}})"),
            "rate_limit.max");
  EXPECT_EQ(FieldOf(R"({"name": "n", "query": "q", "rate_limit": {"max": "5",
                       "window_seconds": 5}})"),
            "rate_limit.max");
  EXPECT_EQ(FieldOf(R"({"name": "n", "query": "q", "rate_limit": {"max": 5,
                       "window_seconds": 1.5}})"),
            "rate_limit.window_seconds");
  EXPECT_EQ(FieldOf(R"({"name": "n", "query": "q", "rate_limit": {"max": 99999999999,
                       "window_seconds": 5}})"),
            "rate_limit.max");
}

TEST(AlertJsonTest, BodyLevelErrors) {
  EXPECT_EQ(ParseAlertBody("text/plain", "{}").status().code(), StatusCode::kUnsupported);
  EXPECT_EQ(ParseAlertBody(kJson, "{").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseAlertBody(kJson, "[]").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseAlertBody(kJson, "{\"name\": \"\xff\"}").status().code(),
            StatusCode::kInvalidUtf8);
  EXPECT_EQ(ParseAlertBody(kJson, std::string(kMaxAlertBodyBytes + 1, ' ')).status().code(),
            StatusCode::kTooLarge);
}

TEST(AlertJsonTest, AlertShowsTheSecretOnlyWhenNew) {
  Alert a;
  a.id = 5;
  a.name = "Fed";
  a.query = "fed";
  a.webhook_url = "https://example.com/h";
  a.rate_limit = RateLimit{2, 60};
  json j = json::parse(AlertJson(a));
  EXPECT_EQ(j["id"], 5);
  EXPECT_EQ(j["delivery"]["webhook"]["url"], "https://example.com/h");
  EXPECT_FALSE(j["delivery"]["webhook"].contains("secret"));
  EXPECT_EQ(j["rate_limit"]["window_seconds"], 60);
  a.new_webhook_secret = "whsec_x";
  j = json::parse(AlertJson(a));
  EXPECT_EQ(j["delivery"]["webhook"]["secret"], "whsec_x");
  a.webhook_url.reset();
  a.rate_limit.reset();
  j = json::parse(AlertJson(a));
  EXPECT_TRUE(j["delivery"]["webhook"].is_null());
  EXPECT_TRUE(j["rate_limit"].is_null());
}

TEST(AlertJsonTest, DigestFrameAndWebhookPayload) {
  AlertNotification n;
  n.id = 9;
  n.alert_id = 3;
  n.alert_name = "Fed";
  n.kind = NotificationKind::kDigest;
  n.digest.count = 4;
  n.digest.window_start_us = 0;
  n.digest.window_end_us = 60'000'000;
  n.digest.stories = {{"abc", 7, "Fed again", 1'000'000}};
  n.fired_at_us = 60'000'000;
  const json frame = json::parse(AlertFrameJson(n));
  EXPECT_EQ(frame["type"], "alert");
  EXPECT_EQ(frame["kind"], "digest");
  EXPECT_EQ(frame["digest"]["count"], 4);
  EXPECT_EQ(frame["digest"]["more"], 3);
  EXPECT_EQ(frame["digest"]["window_end"], "1970-01-01T00:01:00Z");
  EXPECT_EQ(frame["digest"]["stories"][0]["headline"], "Fed again");
  EXPECT_FALSE(frame.contains("story"));
  const json hook = json::parse(WebhookPayloadJson(n, nullptr));
  EXPECT_EQ(hook["type"], "alert_digest");
  EXPECT_FALSE(hook.contains("read_at"));
}

}  // namespace
}  // namespace dateline::alerts
