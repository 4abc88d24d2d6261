#include "alerts/alert_service.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "alerts/alert_json.h"
#include "alerts/testing/http_receiver.h"
#include "alerts/webhook_signature.h"
#include "match/matcher.h"
#include "query/parser.h"
#include "store/metadata_db.h"

namespace dateline::alerts {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

constexpr std::int64_t kSecond = 1'000'000;
constexpr std::int64_t kT0 = 1'767'225'600LL * kSecond;  // 2026-01-01T00:00:00Z
constexpr std::int64_t kAnn = 1;
constexpr std::int64_t kBob = 2;

AlertInput Input(std::string name, std::string query) {
  AlertInput in;
  in.name = std::move(name);
  in.query = std::move(query);
  return in;
}

Story MakeStory(std::string headline, std::uint64_t seq, std::string source = "wire") {
  Story s;
  s.source = std::move(source);
  s.source_id = "id-" + std::to_string(seq);
  s.headline = std::move(headline);
  s.body = {{Block::Kind::kParagraph, "Body of story " + std::to_string(seq)}};
  s.id = MakeStoryId(s.source, s.source_id);
  s.seq = seq;
  s.version = 1;
  return s;
}

class AlertServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/dateline-alerts-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    db_ = OpenDb();
    ASSERT_NE(db_, nullptr);
    ASSERT_TRUE(db_->Exec("INSERT INTO users(id, username, password_hash, role, created_at) "
                          "VALUES (1, 'ann', 'x', 'reader', 0), (2, 'bob', 'x', 'reader', 0)")
                    .ok());
    hidden_[kAnn] = {"secretwire"};
    Reset();
  }
  void TearDown() override {
    service_.reset();
    dispatcher_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::unique_ptr<MetadataDb> OpenDb() {
    auto db = MetadataDb::Open(dir_ + "/metadata.db");
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return db.ok() ? std::move(*db) : nullptr;
  }

  // A fresh service (and Matcher) over the same database, as after a restart.
  void Reset(AlertOptions options = {}, WebhookDispatcher* webhooks = nullptr) {
    service_.reset();
    matcher_ = std::make_unique<match::Matcher>();
    service_ = std::make_unique<AlertService>(
        *db_, *matcher_, clock_,
        [this](std::int64_t user, std::string_view source) {
          return hidden_[user].count(std::string(source)) == 0;
        },
        webhooks, options);
    service_->SetNotificationListener(
        [this](const AlertNotification& n) { notified_.push_back(n); });
  }

  StoryReport Fire(const Story& story, std::int64_t at) {
    auto r = service_->OnStory(story, at);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : StoryReport{};
  }

  std::int64_t Create(std::int64_t user, AlertInput in) {
    auto a = service_->Create(user, in);
    EXPECT_TRUE(a.ok()) << a.status().ToString();
    return a.ok() ? a->id : 0;
  }

  std::string Scalar(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_->handle(), sql.c_str(), -1, &stmt, nullptr), SQLITE_OK);
    std::string out;
    if (sqlite3_step(stmt) == SQLITE_ROW) {
      const unsigned char* t = sqlite3_column_text(stmt, 0);
      out = t ? reinterpret_cast<const char*>(t) : "";
    }
    sqlite3_finalize(stmt);
    return out;
  }

  std::string dir_;
  std::unique_ptr<MetadataDb> db_;
  ManualClock clock_{kT0};
  std::map<std::int64_t, std::set<std::string>> hidden_;  // sources a user may not see
  std::unique_ptr<match::Matcher> matcher_;
  std::unique_ptr<WebhookDispatcher> dispatcher_;
  std::unique_ptr<AlertService> service_;
  std::vector<AlertNotification> notified_;
};

// ---- Entitlements and the database ----

// Whether an owner may see the story is asked before the story's write transaction opens: the
// auth service answers under its own lock, whose holder may be writing to the same database (a
// new source, a grant). Asked inside the transaction, that write waited for the busy timeout
// and failed while the story waited for the lock.
TEST_F(AlertServiceTest, EntitlementsAreAskedOutsideTheWriteTransaction) {
  std::unique_ptr<MetadataDb> other = OpenDb();
  ASSERT_NE(other, nullptr);
  sqlite3_busy_timeout(other->handle(), 200);
  std::vector<Status> writes;
  service_.reset();
  matcher_ = std::make_unique<match::Matcher>();
  service_ = std::make_unique<AlertService>(
      *db_, *matcher_, clock_,
      [&](std::int64_t user, std::string_view) {
        writes.push_back(other->Exec("UPDATE users SET role = 'reader' WHERE id = " +
                                     std::to_string(user)));
        return true;
      },
      nullptr, AlertOptions{});
  Create(kAnn, Input("Nickel", "nickel"));
  Create(kBob, Input("Nickel too", "nickel"));
  EXPECT_EQ(Fire(MakeStory("Nickel rallies", 1), kT0).notified, 2u);
  ASSERT_EQ(writes.size(), 2u);  // once per owner
  for (const Status& w : writes) EXPECT_TRUE(w.ok()) << w.ToString();
}

// ---- Saving alerts ----

TEST_F(AlertServiceTest, CreateGetListKeepTheQueryAsTyped) {
  AlertInput in = Input("Fed watch", "Fed   AND  rates");
  in.rate_limit = RateLimit{5, 3600};
  auto created = service_->Create(kAnn, in);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_GT(created->id, 0);
  EXPECT_EQ(created->query, "Fed   AND  rates");
  EXPECT_GT(created->cost, 0u);
  EXPECT_EQ(created->created_at_us, kT0);
  EXPECT_FALSE(created->new_webhook_secret);

  auto got = service_->Get(kAnn, created->id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->name, "Fed watch");
  EXPECT_EQ(got->query, "Fed   AND  rates");
  EXPECT_EQ(got->rate_limit, (RateLimit{5, 3600}));
  EXPECT_TRUE(got->live);
  EXPECT_TRUE(got->enabled);
  EXPECT_EQ(got->cost, created->cost);

  EXPECT_EQ(service_->Get(kBob, created->id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(service_->List(kAnn)->size(), 1u);
  EXPECT_TRUE(service_->List(kBob)->empty());
}

TEST_F(AlertServiceTest, InvalidInputNamesTheField) {
  auto field = [&](const AlertInput& in) {
    auto r = service_->Create(kAnn, in);
    return r.ok() ? std::string("ok") : r.status().field();
  };
  EXPECT_EQ(field(Input("", "fed")), "name");
  EXPECT_EQ(field(Input("   ", "fed")), "name");
  EXPECT_EQ(field(Input(std::string(201, 'n'), "fed")), "name");
  EXPECT_EQ(field(Input(std::string(200, 'n'), "fed")), "ok");
  // 200 characters, not bytes: 200 × "é" is 400 bytes.
  std::string accents;
  for (int i = 0; i < 200; ++i) accents += "\xC3\xA9";
  EXPECT_EQ(field(Input(accents, "fed")), "ok");

  AlertInput hook = Input("h", "fed");
  hook.webhook = WebhookTarget{"ftp://example.com/x", ""};
  EXPECT_EQ(field(hook), "delivery.webhook.url");
  hook.webhook = WebhookTarget{"https:///nohost", ""};
  EXPECT_EQ(field(hook), "delivery.webhook.url");
  hook.webhook = WebhookTarget{"https://example.com/x", "short"};
  EXPECT_EQ(field(hook), "delivery.webhook.secret");

  AlertInput rate = Input("r", "fed");
  rate.rate_limit = RateLimit{0, 60};
  EXPECT_EQ(field(rate), "rate_limit.max");
  rate.rate_limit = RateLimit{1, 0};
  EXPECT_EQ(field(rate), "rate_limit.window_seconds");
}

TEST_F(AlertServiceTest, ParseErrorIsReturnedWithItsColumn) {
  auto r = service_->Create(kAnn, Input("bad", "fed AND (rates OR"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().field(), "query");
  const query::ParseResult parsed = query::Parse("fed AND (rates OR");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(r.status().message(), parsed.error().message);
  EXPECT_NE(r.status().message().find("column"), std::string::npos) << r.status().message();
  EXPECT_TRUE(service_->List(kAnn)->empty()) << "nothing saved";
}

TEST_F(AlertServiceTest, QueryOverTheCostBudgetIsTooLargeNamingBoth) {
  const query::ParseResult parsed = query::Parse("fed AND rates AND hike");
  ASSERT_TRUE(parsed.ok());
  const std::uint64_t cost = match::Matcher::Cost(*parsed);
  AlertOptions options;
  options.max_query_cost = cost - 1;
  Reset(options);
  auto r = service_->Create(kAnn, Input("big", "fed AND rates AND hike"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kTooLarge);
  EXPECT_EQ(r.status().field(), "query");
  EXPECT_NE(r.status().message().find(std::to_string(cost)), std::string::npos);
  EXPECT_NE(r.status().message().find(std::to_string(cost - 1)), std::string::npos);
  EXPECT_TRUE(service_->Create(kAnn, Input("small", "fed")).ok());
}

TEST_F(AlertServiceTest, PerUserLimitOnTheNumberOfAlerts) {
  AlertOptions options;
  options.max_alerts_per_user = 2;
  Reset(options);
  Create(kAnn, Input("a", "fed"));
  Create(kAnn, Input("b", "ecb"));
  auto third = service_->Create(kAnn, Input("c", "boj"));
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.status().code(), StatusCode::kTooLarge);
  EXPECT_EQ(third.status().field(), "alerts");
  EXPECT_TRUE(service_->Create(kBob, Input("c", "boj")).ok()) << "the limit is per user";
}

TEST_F(AlertServiceTest, WebhookSecretIsGeneratedAndShownOnce) {
  AlertInput in = Input("hook", "fed");
  in.webhook = WebhookTarget{"https://example.com/hook", ""};
  auto created = service_->Create(kAnn, in);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  ASSERT_TRUE(created->new_webhook_secret);
  const std::string secret = *created->new_webhook_secret;
  EXPECT_EQ(secret.substr(0, 6), "whsec_");
  EXPECT_NE(AlertJson(*created).find(secret), std::string::npos) << "shown in the answer";

  auto got = service_->Get(kAnn, created->id);
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->new_webhook_secret);
  EXPECT_EQ(got->webhook_url, "https://example.com/hook");
  EXPECT_EQ(AlertJson(*got).find("whsec_"), std::string::npos) << "never shown again";

  // Replacing without a secret keeps it; with one, replaces it.
  auto kept = service_->Update(kAnn, created->id, in);
  ASSERT_TRUE(kept.ok());
  EXPECT_FALSE(kept->new_webhook_secret);
  EXPECT_EQ(Scalar("SELECT webhook_secret FROM alerts WHERE id = " + std::to_string(created->id)),
            secret);
  in.webhook->secret = "my-own-secret-0123456789";
  ASSERT_TRUE(service_->Update(kAnn, created->id, in).ok());
  EXPECT_EQ(Scalar("SELECT webhook_secret FROM alerts WHERE id = " + std::to_string(created->id)),
            "my-own-secret-0123456789");
}

TEST_F(AlertServiceTest, OtherUsersAlertsAreNotFound) {
  const std::int64_t id = Create(kAnn, Input("a", "fed"));
  EXPECT_EQ(service_->Update(kBob, id, Input("x", "ecb")).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(service_->Delete(kBob, id).code(), StatusCode::kNotFound);
  EXPECT_EQ(service_->Get(kAnn, id)->name, "a");
  Fire(MakeStory("Fed holds", 1), kT0);
  EXPECT_EQ(notified_.size(), 1u) << "bob's failed update changed nothing";
}

// ---- Stories ----

TEST_F(AlertServiceTest, MatchIsStoredAndPushedLive) {
  const std::int64_t id = Create(kAnn, Input("Fed", "fed AND rates"));
  const Story story = MakeStory("Fed holds rates steady", 42);
  const StoryReport report = Fire(story, kT0 + 5 * kSecond);
  EXPECT_EQ(report.fired, 1u);
  EXPECT_EQ(report.notified, 1u);
  ASSERT_EQ(notified_.size(), 1u);
  const AlertNotification& n = notified_[0];
  EXPECT_EQ(n.kind, NotificationKind::kMatch);
  EXPECT_EQ(n.alert_id, id);
  EXPECT_EQ(n.alert_name, "Fed");
  EXPECT_EQ(n.user_id, kAnn);
  EXPECT_EQ(n.story_id, story.id);
  EXPECT_EQ(n.seq, 42u);
  EXPECT_EQ(n.headline, "Fed holds rates steady");
  EXPECT_EQ(n.matched_terms, (std::vector<std::string>{"fed", "rates"}));
  EXPECT_EQ(n.fired_at_us, kT0 + 5 * kSecond);
  EXPECT_GT(n.id, 0);

  const json frame = json::parse(AlertFrameJson(n));
  EXPECT_EQ(frame["type"], "alert");
  EXPECT_EQ(frame["alert"]["id"], id);
  EXPECT_EQ(frame["alert"]["name"], "Fed");
  EXPECT_EQ(frame["story"]["id"], story.id);
  EXPECT_EQ(frame["story"]["headline"], "Fed holds rates steady");
  EXPECT_EQ(frame["matched_terms"], json({"fed", "rates"}));

  auto page = service_->ListInbox(kAnn, {});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->entries.size(), 1u);
  EXPECT_EQ(page->entries[0].id, n.id);
  EXPECT_EQ(page->entries[0].story_id, story.id);
  EXPECT_EQ(page->entries[0].matched_terms, n.matched_terms);
  EXPECT_FALSE(page->entries[0].read_at_us);
  EXPECT_EQ(service_->CountUnread(kAnn)->total, 1);
  EXPECT_TRUE(service_->ListInbox(kBob, {})->entries.empty());

  EXPECT_EQ(Fire(MakeStory("ECB meets", 43), kT0).fired, 0u);
  EXPECT_EQ(notified_.size(), 1u);
}

TEST_F(AlertServiceTest, StoryTheOwnerMayNotSeeNeverFires) {
  const std::int64_t ann = Create(kAnn, Input("ann", "fed"));
  const std::int64_t bob = Create(kBob, Input("bob", "fed"));
  AlertInput limited = Input("ann limited", "fed");
  limited.rate_limit = RateLimit{1, 60};
  const std::int64_t ann_limited = Create(kAnn, limited);

  const StoryReport report = Fire(MakeStory("Fed leak", 1, "secretwire"), kT0);
  EXPECT_EQ(report.fired, 3u);
  EXPECT_EQ(report.hidden, 2u);
  ASSERT_EQ(notified_.size(), 1u);
  EXPECT_EQ(notified_[0].alert_id, bob);
  EXPECT_TRUE(service_->ListInbox(kAnn, {})->entries.empty());
  EXPECT_EQ(service_->CountUnread(kAnn)->total, 0);

  // A hidden story does not use up the rate limit either.
  Fire(MakeStory("Fed public", 2), kT0 + kSecond);
  auto inbox = service_->ListInbox(kAnn, {});
  ASSERT_EQ(inbox->entries.size(), 2u);
  std::set<std::int64_t> alerts{inbox->entries[0].alert_id, inbox->entries[1].alert_id};
  EXPECT_EQ(alerts, (std::set<std::int64_t>{ann, ann_limited}));
}

TEST_F(AlertServiceTest, LiveOffStoresWithoutPushing) {
  AlertInput in = Input("quiet", "fed");
  in.live = false;
  Create(kAnn, in);
  EXPECT_EQ(Fire(MakeStory("Fed", 1), kT0).notified, 1u);
  EXPECT_TRUE(notified_.empty());
  EXPECT_EQ(service_->CountUnread(kAnn)->total, 1);
}

TEST_F(AlertServiceTest, RateLimitHoldsBackAndDigestSummarisesWhenTheWindowEnds) {
  AlertInput in = Input("busy", "fed");
  in.rate_limit = RateLimit{2, 60};
  const std::int64_t id = Create(kAnn, in);
  std::size_t suppressed = 0;
  for (int i = 0; i < 5; ++i) {
    suppressed +=
        Fire(MakeStory("Fed story " + std::to_string(i), 100 + i), kT0 + i * kSecond).suppressed;
  }
  EXPECT_EQ(suppressed, 3u);
  ASSERT_EQ(notified_.size(), 2u);
  EXPECT_EQ(notified_[1].headline, "Fed story 1");

  EXPECT_EQ(*service_->FlushDigests(kT0 + 59 * kSecond), 0u) << "window still open";
  EXPECT_EQ(notified_.size(), 2u);
  EXPECT_EQ(*service_->FlushDigests(kT0 + 60 * kSecond), 1u);
  ASSERT_EQ(notified_.size(), 3u);
  const AlertNotification& d = notified_[2];
  EXPECT_EQ(d.kind, NotificationKind::kDigest);
  EXPECT_EQ(d.alert_id, id);
  EXPECT_EQ(d.digest.count, 3);
  EXPECT_EQ(d.digest.window_start_us, kT0);
  EXPECT_EQ(d.digest.window_end_us, kT0 + 60 * kSecond);
  ASSERT_EQ(d.digest.stories.size(), 3u);
  EXPECT_EQ(d.digest.stories[0].headline, "Fed story 2");
  EXPECT_EQ(d.digest.stories[2].seq, 104u);
  EXPECT_EQ(d.digest.stories[2].fired_at_us, kT0 + 4 * kSecond);
  EXPECT_EQ(*service_->FlushDigests(kT0 + 120 * kSecond), 0u) << "one digest per window";

  // The inbox holds the two matches and the digest, newest first.
  auto inbox = service_->ListInbox(kAnn, {});
  ASSERT_EQ(inbox->entries.size(), 3u);
  EXPECT_EQ(inbox->entries[0].kind, NotificationKind::kDigest);
  EXPECT_EQ(inbox->entries[0].digest.count, 3);
  EXPECT_EQ(inbox->entries[0].digest.stories.size(), 3u);
  EXPECT_EQ(inbox->entries[0].digest.window_end_us, kT0 + 60 * kSecond);

  // A new window: the next match is a notification again.
  EXPECT_EQ(Fire(MakeStory("Fed later", 200), kT0 + 121 * kSecond).notified, 1u);
  EXPECT_EQ(notified_.back().headline, "Fed later");
}

TEST_F(AlertServiceTest, DigestGoesOutAtTheNextAllowedNotification) {
  AlertInput in = Input("one a window", "fed");
  in.rate_limit = RateLimit{1, 10};
  Create(kAnn, in);
  Fire(MakeStory("Fed A", 1), kT0);
  EXPECT_EQ(Fire(MakeStory("Fed B", 2), kT0 + kSecond).suppressed, 1u);
  // No FlushDigests ran; the next match after the window sends the digest first.
  const StoryReport r = Fire(MakeStory("Fed C", 3), kT0 + 11 * kSecond);
  EXPECT_EQ(r.notified, 2u);
  ASSERT_EQ(notified_.size(), 3u);
  EXPECT_EQ(notified_[1].kind, NotificationKind::kDigest);
  EXPECT_EQ(notified_[1].digest.count, 1);
  EXPECT_EQ(notified_[1].digest.stories.at(0).headline, "Fed B");
  EXPECT_EQ(notified_[2].kind, NotificationKind::kMatch);
  EXPECT_EQ(notified_[2].headline, "Fed C");
  EXPECT_EQ(*service_->FlushDigests(kT0 + 30 * kSecond), 0u) << "nothing held back since";
}

TEST_F(AlertServiceTest, WindowWithNothingHeldBackEndsWithoutADigest) {
  AlertInput in = Input("calm", "fed");
  in.rate_limit = RateLimit{1, 10};
  Create(kAnn, in);
  Fire(MakeStory("Fed A", 1), kT0);
  EXPECT_EQ(*service_->FlushDigests(kT0 + 10 * kSecond), 0u);
  const StoryReport r = Fire(MakeStory("Fed B", 2), kT0 + 12 * kSecond);
  EXPECT_EQ(r.notified, 1u);
  EXPECT_EQ(r.suppressed, 0u);
  // B opened a new window: C, in it, is held back.
  EXPECT_EQ(Fire(MakeStory("Fed C", 3), kT0 + 13 * kSecond).suppressed, 1u);
  ASSERT_EQ(notified_.size(), 2u);
  EXPECT_EQ(notified_[1].kind, NotificationKind::kMatch);
}

TEST_F(AlertServiceTest, DigestListsAtMostTheConfiguredStoriesButCountsAll) {
  AlertOptions options;
  options.digest_max_stories = 2;
  Reset(options);
  AlertInput in = Input("flood", "fed");
  in.rate_limit = RateLimit{1, 60};
  Create(kAnn, in);
  for (int i = 0; i < 6; ++i) Fire(MakeStory("Fed " + std::to_string(i), 1 + i), kT0 + i);
  ASSERT_EQ(*service_->FlushDigests(kT0 + 60 * kSecond), 1u);
  EXPECT_EQ(notified_.back().digest.count, 5);
  EXPECT_EQ(notified_.back().digest.stories.size(), 2u);
  EXPECT_EQ(json::parse(NotificationJson(notified_.back()))["digest"]["more"], 3);
}

TEST_F(AlertServiceTest, ReplaceDisableDeleteTakeEffectForTheNextStory) {
  const std::int64_t id = Create(kAnn, Input("watch", "fed"));
  EXPECT_EQ(Fire(MakeStory("Fed one", 1), kT0).notified, 1u);

  ASSERT_TRUE(service_->Update(kAnn, id, Input("watch", "ecb")).ok());
  EXPECT_EQ(Fire(MakeStory("Fed two", 2), kT0).fired, 0u);
  EXPECT_EQ(Fire(MakeStory("ECB one", 3), kT0).notified, 1u);
  EXPECT_EQ(notified_.back().alert_name, "watch");

  AlertInput off = Input("watch", "ecb");
  off.enabled = false;
  ASSERT_TRUE(service_->Update(kAnn, id, off).ok());
  EXPECT_EQ(Fire(MakeStory("ECB two", 4), kT0).fired, 0u);
  EXPECT_FALSE(service_->Get(kAnn, id)->enabled);

  ASSERT_TRUE(service_->Update(kAnn, id, Input("renamed", "ecb")).ok());
  EXPECT_EQ(Fire(MakeStory("ECB three", 5), kT0).notified, 1u);
  EXPECT_EQ(notified_.back().alert_name, "renamed");

  ASSERT_TRUE(service_->Delete(kAnn, id).ok());
  EXPECT_EQ(Fire(MakeStory("ECB four", 6), kT0).fired, 0u);
  EXPECT_EQ(service_->Get(kAnn, id).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(service_->ListInbox(kAnn, {})->entries.empty()) << "its inbox went with it";
  EXPECT_EQ(service_->Delete(kAnn, id).code(), StatusCode::kNotFound);
}

TEST_F(AlertServiceTest, LoadRestoresEnabledAlertsAndRateWindows) {
  AlertInput limited = Input("limited", "fed");
  limited.rate_limit = RateLimit{1, 60};
  const std::int64_t fed = Create(kAnn, limited);
  Create(kAnn, Input("ecb", "ecb"));
  AlertInput off = Input("off", "boj");
  off.enabled = false;
  Create(kAnn, off);
  Fire(MakeStory("Fed first", 1), kT0);

  Reset();  // a restart: empty Matcher, no windows in memory
  EXPECT_EQ(Fire(MakeStory("Fed before load", 2), kT0 + kSecond).fired, 0u);
  auto report = service_->Load();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->loaded, 2u);
  EXPECT_TRUE(report->failed.empty());
  EXPECT_GE(report->elapsed_us, 0);
  EXPECT_EQ(matcher_->Stats().queries, 2u);

  EXPECT_EQ(Fire(MakeStory("BOJ", 3), kT0 + kSecond).fired, 0u) << "disabled stays out";
  EXPECT_EQ(Fire(MakeStory("ECB", 4), kT0 + kSecond).notified, 1u);
  // The window opened before the restart still holds: this one is held back…
  EXPECT_EQ(Fire(MakeStory("Fed second", 5), kT0 + 2 * kSecond).suppressed, 1u);
  // …and its digest survives the restart too.
  Reset();
  ASSERT_TRUE(service_->Load().ok());
  ASSERT_EQ(*service_->FlushDigests(kT0 + 60 * kSecond), 1u);
  EXPECT_EQ(notified_.back().alert_id, fed);
  EXPECT_EQ(notified_.back().digest.stories.at(0).headline, "Fed second");
}

TEST_F(AlertServiceTest, LoadReportsStoredQueriesThatNoLongerParse) {
  const std::int64_t id = Create(kAnn, Input("ok", "fed"));
  ASSERT_TRUE(db_->Exec("INSERT INTO alerts(user_id, name, query, created_at, updated_at) "
                        "VALUES (1, 'broken', 'fed AND (', 0, 0)")
                  .ok());
  Reset();
  auto report = service_->Load();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->loaded, 1u);
  ASSERT_EQ(report->failed.size(), 1u);
  EXPECT_NE(report->failed[0], id);
}

// ---- Inbox ----

TEST_F(AlertServiceTest, InboxPagesNewestFirstFiltersAndMarksRead) {
  const std::int64_t fed = Create(kAnn, Input("fed", "fed"));
  const std::int64_t ecb = Create(kAnn, Input("ecb", "ecb"));
  Create(kBob, Input("bob fed", "fed"));
  for (int i = 0; i < 3; ++i) Fire(MakeStory("Fed " + std::to_string(i), 1 + i), kT0 + i);
  for (int i = 0; i < 2; ++i) Fire(MakeStory("ECB " + std::to_string(i), 10 + i), kT0 + 10 + i);

  InboxQuery q;
  q.limit = 2;
  auto p1 = service_->ListInbox(kAnn, q);
  ASSERT_TRUE(p1.ok());
  ASSERT_EQ(p1->entries.size(), 2u);
  EXPECT_EQ(p1->entries[0].headline, "ECB 1");
  EXPECT_EQ(p1->entries[1].headline, "ECB 0");
  ASSERT_NE(p1->next_before_id, 0);
  q.before_id = p1->next_before_id;
  auto p2 = service_->ListInbox(kAnn, q);
  ASSERT_EQ(p2->entries.size(), 2u);
  EXPECT_EQ(p2->entries[0].headline, "Fed 2");
  q.before_id = p2->next_before_id;
  auto p3 = service_->ListInbox(kAnn, q);
  ASSERT_EQ(p3->entries.size(), 1u);
  EXPECT_EQ(p3->entries[0].headline, "Fed 0");
  EXPECT_EQ(p3->next_before_id, 0) << "nothing older";

  auto counts = service_->CountUnread(kAnn);
  EXPECT_EQ(counts->total, 5);
  EXPECT_EQ(counts->by_alert,
            (std::vector<std::pair<std::int64_t, std::int64_t>>{{fed, 3}, {ecb, 2}}));

  // One entry; another user's entry is not found and stays unread.
  const std::int64_t newest = p1->entries[0].id;
  EXPECT_TRUE(service_->MarkRead(kAnn, newest).ok());
  EXPECT_TRUE(service_->MarkRead(kAnn, newest).ok()) << "marking twice is fine";
  const std::int64_t bobs = service_->ListInbox(kBob, {})->entries.at(0).id;
  EXPECT_EQ(service_->MarkRead(kAnn, bobs).code(), StatusCode::kNotFound);
  EXPECT_EQ(service_->CountUnread(kBob)->total, 3);

  InboxQuery unread;
  unread.unread_only = true;
  EXPECT_EQ(service_->ListInbox(kAnn, unread)->entries.size(), 4u);
  EXPECT_TRUE(service_->ListInbox(kAnn, {})->entries[0].read_at_us);
  InboxQuery only_ecb;
  only_ecb.alert_id = ecb;
  EXPECT_EQ(service_->ListInbox(kAnn, only_ecb)->entries.size(), 2u);

  // All of one alert, then everything.
  EXPECT_EQ(*service_->MarkAlertRead(kAnn, fed), 3);
  EXPECT_EQ(service_->MarkAlertRead(kBob, fed).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(service_->CountUnread(kAnn)->total, 1);
  EXPECT_EQ(*service_->MarkAllRead(kAnn), 1);
  EXPECT_EQ(service_->CountUnread(kAnn)->total, 0);
  EXPECT_TRUE(service_->CountUnread(kAnn)->by_alert.empty());
  EXPECT_EQ(service_->CountUnread(kBob)->total, 3) << "bob's inbox untouched";
}

TEST_F(AlertServiceTest, PruneInboxDeletesOldEntries) {
  AlertOptions options;
  options.inbox_keep_us = 3600 * kSecond;
  Reset(options);
  Create(kAnn, Input("fed", "fed"));
  Fire(MakeStory("Fed old", 1), kT0);
  Fire(MakeStory("Fed new", 2), kT0 + 1800 * kSecond);
  EXPECT_EQ(*service_->PruneInbox(kT0 + 3600 * kSecond), 0);
  EXPECT_EQ(*service_->PruneInbox(kT0 + 3601 * kSecond), 1);
  auto inbox = service_->ListInbox(kAnn, {});
  ASSERT_EQ(inbox->entries.size(), 1u);
  EXPECT_EQ(inbox->entries[0].headline, "Fed new");
}

TEST_F(AlertServiceTest, ChangesWhileStoriesArriveFromAnotherThread) {
  const std::int64_t stable = Create(kAnn, Input("stable", "fed"));
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < 60; ++i) {
      auto a = service_->Create(kBob, Input("churn " + std::to_string(i), "fed OR ecb"));
      EXPECT_TRUE(a.ok()) << a.status().ToString();
      if (!a.ok()) break;
      AlertInput off = Input("churn", "ecb");
      off.enabled = i % 2 == 0;
      EXPECT_TRUE(service_->Update(kBob, a->id, off).ok());
      if (i % 3 == 0) {
        EXPECT_TRUE(service_->Delete(kBob, a->id).ok());
      }
    }
    done = true;
  });
  std::uint64_t seq = 1;
  while (!done || seq < 50) {
    auto r = service_->OnStory(MakeStory("Fed and ECB", seq), kT0 + static_cast<std::int64_t>(seq));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    ++seq;
  }
  writer.join();
  // The stable alert fired for every story; every inbox row belongs to an alert that exists.
  InboxQuery q;
  q.alert_id = stable;
  q.limit = 200;
  EXPECT_EQ(service_->ListInbox(kAnn, q)->entries.size(), std::min<std::size_t>(seq - 1, 200));
  EXPECT_EQ(
      Scalar("SELECT count(*) FROM alert_inbox WHERE alert_id NOT IN (SELECT id FROM alerts)"),
      "0");
  EXPECT_EQ(service_->List(kBob)->size(), 40u);
}

// ---- Webhooks ----

TEST_F(AlertServiceTest, MatchIsPostedToTheWebhookSignedWithTheAlertsSecret) {
  testing::HttpReceiver receiver;
  auto dispatcher_db = OpenDb();
  WebhookOptions wo;
  wo.workers = 1;
  dispatcher_ = std::make_unique<WebhookDispatcher>(*dispatcher_db, Clock::System(), wo);
  ASSERT_TRUE(dispatcher_->Start().ok());
  Reset({}, dispatcher_.get());

  AlertInput in = Input("hooked", "fed");
  in.webhook = WebhookTarget{receiver.Url("/alerts"), ""};
  auto created = service_->Create(kAnn, in);
  ASSERT_TRUE(created.ok());
  Story story = MakeStory("Fed raises rates", 7);
  story.url = "https://wire.example/fed";
  EXPECT_EQ(Fire(story, kT0).webhooks, 1u);
  ASSERT_TRUE(receiver.WaitFor(1));
  const testing::ReceivedRequest r = receiver.Requests()[0];
  EXPECT_EQ(r.path, "/alerts");
  EXPECT_TRUE(VerifySignatureHeader(r.Header("x-dateline-signature"), *created->new_webhook_secret,
                                    r.body, Clock::System().NowMicros() / kSecond));
  const json body = json::parse(r.body);
  EXPECT_EQ(body["type"], "alert");
  EXPECT_EQ(body["alert"]["id"], created->id);
  EXPECT_EQ(body["story"]["id"], story.id);
  EXPECT_EQ(body["story"]["headline"], "Fed raises rates");
  EXPECT_EQ(body["story"]["source"], "wire");
  EXPECT_EQ(body["story"]["url"], "https://wire.example/fed");
  EXPECT_EQ(body["matched_terms"], json({"fed"}));
  dispatcher_->Stop();
}

TEST_F(AlertServiceTest, DigestIsPostedToTheWebhookToo) {
  testing::HttpReceiver receiver;
  auto dispatcher_db = OpenDb();
  WebhookOptions wo;
  wo.workers = 1;
  dispatcher_ = std::make_unique<WebhookDispatcher>(*dispatcher_db, Clock::System(), wo);
  ASSERT_TRUE(dispatcher_->Start().ok());
  Reset({}, dispatcher_.get());

  AlertInput in = Input("limited hook", "fed");
  in.live = false;
  in.webhook = WebhookTarget{receiver.Url(), "a-secret-of-sixteen+"};
  in.rate_limit = RateLimit{1, 60};
  Create(kAnn, in);
  EXPECT_EQ(Fire(MakeStory("Fed first", 1), kT0).webhooks, 1u);
  EXPECT_EQ(Fire(MakeStory("Fed second", 2), kT0 + kSecond).webhooks, 0u) << "held back";
  ASSERT_EQ(*service_->FlushDigests(kT0 + 60 * kSecond), 1u);
  ASSERT_TRUE(receiver.WaitFor(2));
  EXPECT_TRUE(notified_.empty()) << "live is off";
  const json digest = json::parse(receiver.Requests()[1].body);
  EXPECT_EQ(digest["type"], "alert_digest");
  EXPECT_EQ(digest["digest"]["count"], 1);
  EXPECT_EQ(digest["digest"]["stories"][0]["headline"], "Fed second");
  dispatcher_->Stop();
}

TEST_F(AlertServiceTest, DeadLettersAreListedAndRetriedThroughTheService) {
  std::atomic<bool> healthy{false};
  testing::HttpReceiver receiver(
      [&](const testing::ReceivedRequest&, int) { return testing::Reply{healthy ? 200 : 500}; });
  auto dispatcher_db = OpenDb();
  WebhookOptions wo;
  wo.workers = 1;
  wo.max_attempts = 2;
  wo.backoff_initial_ms = 10;
  dispatcher_ = std::make_unique<WebhookDispatcher>(*dispatcher_db, Clock::System(), wo);
  ASSERT_TRUE(dispatcher_->Start().ok());
  Reset({}, dispatcher_.get());

  AlertInput in = Input("hooked", "fed");
  in.webhook = WebhookTarget{receiver.Url(), "a-secret-of-sixteen+"};
  const std::int64_t id = Create(kAnn, in);
  Fire(MakeStory("Fed", 1), kT0);
  std::vector<Delivery> dead;
  for (int i = 0; i < 1000 && dead.empty(); ++i) {
    std::this_thread::sleep_for(10ms);
    dead = *service_->ListDeadLetters(kAnn);
  }
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].alert_id, id);
  EXPECT_EQ(dead[0].last_error, "HTTP 500");
  EXPECT_EQ(dead[0].attempts, 2);
  EXPECT_EQ(json::parse(dead[0].payload)["story"]["headline"], "Fed");
  EXPECT_TRUE(service_->ListDeadLetters(kBob)->empty());
  EXPECT_EQ(service_->RetryDeadLetter(kBob, dead[0].id).code(), StatusCode::kNotFound);

  healthy = true;
  ASSERT_TRUE(service_->RetryDeadLetter(kAnn, dead[0].id).ok());
  ASSERT_TRUE(receiver.WaitFor(3));
  EXPECT_TRUE(VerifySignatureHeader(receiver.Requests()[2].Header("x-dateline-signature"),
                                    "a-secret-of-sixteen+", receiver.Requests()[2].body,
                                    Clock::System().NowMicros() / kSecond));
  dispatcher_->Stop();
}

TEST_F(AlertServiceTest, WithoutADispatcherDeadLettersAreUnavailable) {
  EXPECT_EQ(service_->ListDeadLetters(kAnn).status().code(), StatusCode::kUnavailable);
}

// The service gives inbox ids itself and keeps names in memory: what it notifies must be exactly
// the rows a client then lists (ids in notification order, digests between matches), renamed
// alerts must carry their new name at once and after a restart, and ids must continue after it.
TEST_F(AlertServiceTest, NotifiedIdsAndNamesAreThoseOfTheInbox) {
  const std::int64_t watch = Create(kAnn, Input("fed watch", "fed"));
  AlertInput limited = Input("fed limited", "fed");
  limited.rate_limit = RateLimit{1, 60};
  const std::int64_t held = Create(kAnn, limited);
  Create(kAnn, Input("rates", "rates"));
  Create(kBob, Input("bob fed", "fed"));

  EXPECT_EQ(Fire(MakeStory("Fed rates one", 1), kT0).notified, 4u);
  const StoryReport second = Fire(MakeStory("Fed two", 2), kT0 + kSecond);
  EXPECT_EQ(second.notified, 2u);
  EXPECT_EQ(second.suppressed, 1u);
  ASSERT_TRUE(service_->Update(kAnn, watch, Input("fed renamed", "fed")).ok());
  // The limited alert's window has ended: its digest comes before its match, among the others.
  EXPECT_EQ(Fire(MakeStory("Fed rates three", 3), kT0 + 61 * kSecond).notified, 5u);
  Reset();
  ASSERT_TRUE(service_->Load().ok());
  EXPECT_EQ(Fire(MakeStory("Fed four", 4), kT0 + 62 * kSecond).notified, 2u);

  ASSERT_EQ(notified_.size(), 4u + 2u + 5u + 2u);
  for (std::size_t i = 1; i < notified_.size(); ++i) {
    EXPECT_GT(notified_[i].id, notified_[i - 1].id) << "ids follow the notifications, " << i;
  }
  std::size_t digests = 0;
  for (std::size_t i = 6; i < notified_.size(); ++i) {  // from the third story on
    const AlertNotification& n = notified_[i];
    if (n.alert_id == watch) {
      EXPECT_EQ(n.alert_name, "fed renamed");
    }
    if (n.kind == NotificationKind::kDigest) {
      ++digests;
      EXPECT_EQ(n.alert_id, held);
      ASSERT_LT(i + 1, notified_.size());
      bool match_after = false;
      for (std::size_t j = i + 1; j < notified_.size(); ++j) {
        match_after |= notified_[j].alert_id == held && notified_[j].seq == 3;
      }
      EXPECT_TRUE(match_after) << "the digest goes before the match that opens the next window";
    }
  }
  EXPECT_EQ(digests, 1u);

  for (std::int64_t user : {kAnn, kBob}) {
    InboxQuery q;
    q.limit = 200;
    auto page = service_->ListInbox(user, q);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    std::vector<const AlertNotification*> mine;
    for (const AlertNotification& n : notified_) {
      if (n.user_id == user) mine.push_back(&n);
    }
    ASSERT_EQ(page->entries.size(), mine.size());
    for (std::size_t i = 0; i < mine.size(); ++i) {
      const AlertNotification& row = page->entries[mine.size() - 1 - i];  // newest first
      EXPECT_EQ(row.id, mine[i]->id);
      EXPECT_EQ(row.alert_id, mine[i]->alert_id);
      EXPECT_EQ(row.kind, mine[i]->kind);
      EXPECT_EQ(row.seq, mine[i]->seq);
      EXPECT_EQ(row.headline, mine[i]->headline);
      EXPECT_EQ(row.matched_terms, mine[i]->matched_terms);
    }
  }
  EXPECT_EQ(Scalar("SELECT count(*) FROM alert_inbox"), std::to_string(notified_.size()));
}

}  // namespace
}  // namespace dateline::alerts
