// AlertService: users' standing queries (alerts), matched against every arriving story, and what
// a match turns into — an inbox row, a live notification and a webhook delivery — under each
// alert's rate limit (docs/alerts.md).
//
// Contract for callers (the server):
//
//  * Wiring. At start-up call Load() once (it compiles every enabled alert into the Matcher),
//    then OnStory for every new story after it is durable, in log order, FlushDigests every
//    second or so and PruneInbox hourly. The service owns the alerts and alert_inbox tables;
//    webhook_deliveries belong to the WebhookDispatcher.
//  * Ownership. The service borrows `db`, `matcher`, `clock` and `webhooks`; they must outlive
//    it. `db` must be a connection of its own (MetadataDb::Open on the same file), because the
//    service runs multi-statement transactions on it. `webhooks` may be null: then webhook
//    settings are saved but nothing is sent.
//  * Matcher ids are alert ids. Every Create/Update/Delete changes the Matcher before it returns,
//    so the next story sees the change. Only enabled alerts are in the Matcher.
//  * Entitlements. `can_see(user_id, source)` is asked once per owner of a fired alert; a story
//    its owner may not see never fires: no inbox row, no notification, no webhook, no rate-limit
//    count.
//  * Threads. Every method is thread-safe; one mutex serialises database work. `can_see` is
//    called on the thread of OnStory, under the mutex but before the story's write transaction
//    opens (it may take locks whose holders write to the same database); the listener on the
//    thread of OnStory/FlushDigests, after the mutex is released (it may call back into the
//    service). Both must be fast.
//  * Errors. Database failures are kIOError. Input errors are kInvalidArgument naming the field
//    ("name", "query", "delivery.webhook.url", "rate_limit.max", "rate_limit.window_seconds");
//    a query that does not parse is kInvalidArgument, field "query", with the parser's message
//    (it names the column); a query above the cost budget is kTooLarge, field "query", naming
//    its cost and the budget; a user at max_alerts_per_user is kTooLarge, field "alerts".
//    Another user's alert, inbox row or delivery is kNotFound, as if it did not exist.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "alerts/alert.h"
#include "alerts/webhook_dispatcher.h"
#include "core/clock.h"
#include "core/status.h"
#include "core/story.h"
#include "query/parser.h"

namespace dateline {
class MetadataDb;
namespace match {
class Matcher;
}
namespace sql {
class Stmt;
}
}  // namespace dateline

namespace dateline::alerts {

struct AlertOptions {
  std::size_t max_alerts_per_user = 1000;
  std::uint64_t max_query_cost = 20000;  // Matcher::Cost budget per alert
  query::Limits query_limits;            // length, depth, terms
  std::size_t max_name_chars = 200;
  std::size_t max_webhook_url_bytes = 2048;
  int max_rate_notifications = 10000;  // rate_limit.max
  std::int64_t max_rate_window_seconds = 7 * 24 * 3600;
  std::size_t digest_max_stories = 50;  // stories listed in one digest (all are counted)
  std::int64_t inbox_keep_us = 90LL * 24 * 3600 * 1'000'000;  // PruneInbox deletes older entries
};

// Whether `user_id` may see stories of `source` (the server passes the auth entitlements).
using CanSee = std::function<bool(std::int64_t user_id, std::string_view source)>;
// Receives every notification of an alert with live delivery (matches and digests).
using NotificationListener = std::function<void(const AlertNotification&)>;

struct LoadReport {
  std::size_t loaded = 0;            // enabled alerts now in the Matcher
  std::vector<std::int64_t> failed;  // enabled alerts whose stored query no longer compiles
  std::int64_t elapsed_us = 0;
};

struct StoryReport {
  std::size_t fired = 0;       // alerts the Matcher returned
  std::size_t hidden = 0;      // of those, owner may not see the source
  std::size_t notified = 0;    // notifications stored (matches and digests)
  std::size_t suppressed = 0;  // matches held back by a rate limit (counted for a digest)
  std::size_t webhooks = 0;    // deliveries enqueued
};

struct InboxQuery {
  std::int64_t before_id = 0;  // cursor: only ids below it (0 = from the newest)
  int limit = 50;              // 1..200
  bool unread_only = false;
  std::optional<std::int64_t> alert_id;
};

struct InboxPage {
  std::vector<AlertNotification> entries;  // newest first
  std::int64_t next_before_id = 0;         // 0 when there is nothing older
};

struct UnreadCounts {
  std::int64_t total = 0;
  std::vector<std::pair<std::int64_t, std::int64_t>> by_alert;  // (alert id, unread), by id
};

class AlertService {
 public:
  AlertService(MetadataDb& db, match::Matcher& matcher, const Clock& clock, CanSee can_see,
               WebhookDispatcher* webhooks = nullptr, AlertOptions options = {});
  ~AlertService();
  AlertService(const AlertService&) = delete;
  AlertService& operator=(const AlertService&) = delete;

  // Replaces the listener (nullptr: none). Set it before the first story.
  void SetNotificationListener(NotificationListener listener);

  // Compiles every enabled alert into the Matcher and restores rate-limit windows.
  Result<LoadReport> Load();

  // ---- Alerts (the caller's own) ----
  Result<Alert> Create(std::int64_t user_id, const AlertInput& input);
  Result<Alert> Get(std::int64_t user_id, std::int64_t alert_id);
  Result<std::vector<Alert>> List(std::int64_t user_id);  // by id
  // Replaces every field (a webhook without a secret keeps the current one). A changed rate
  // limit applies to the window in progress; matches held back stay for its digest, also across
  // disable and enable.
  Result<Alert> Update(std::int64_t user_id, std::int64_t alert_id, const AlertInput& input);
  Status Delete(std::int64_t user_id, std::int64_t alert_id);  // its inbox and deliveries too

  // Checks `input` as Create would, without saving it (for a "test this query" button).
  Status Validate(const AlertInput& input) const;

  // ---- Stories ----
  // Matches `story` and stores, notifies and enqueues what it fired. `now_us` is the time of
  // the notification and the rate limit's clock (and since: in queries).
  Result<StoryReport> OnStory(const Story& story, std::int64_t now_us);
  // Sends the digest of every alert whose rate-limit window has ended with matches held back.
  // Returns how many digests were sent.
  Result<std::size_t> FlushDigests(std::int64_t now_us);

  // ---- Inbox ----
  Result<InboxPage> ListInbox(std::int64_t user_id, const InboxQuery& query);
  Result<UnreadCounts> CountUnread(std::int64_t user_id);
  // Deletes inbox entries older than AlertOptions::inbox_keep_us (read or not); returns how
  // many. Call it now and then (hourly).
  Result<std::int64_t> PruneInbox(std::int64_t now_us);
  Status MarkRead(std::int64_t user_id, std::int64_t inbox_id);  // kNotFound if not the user's
  // Return how many rows changed from unread to read.
  Result<std::int64_t> MarkAlertRead(std::int64_t user_id, std::int64_t alert_id);
  Result<std::int64_t> MarkAllRead(std::int64_t user_id);

  // ---- Webhook dead letters (kUnavailable when there is no dispatcher) ----
  Result<std::vector<Delivery>> ListDeadLetters(std::int64_t user_id, std::int64_t before_id = 0,
                                                int limit = 50);
  Status RetryDeadLetter(std::int64_t user_id, std::int64_t delivery_id);

 private:
  // What matching and notifying need of an enabled alert, kept small: 1.5M of them stay in
  // memory. The name is here because every notification carries it and a story fires tens to
  // hundreds of alerts (a row lookup each; the name costs 32 bytes per alert, plus its bytes
  // beyond 15); webhook URLs and secrets are read from the database for the few webhook alerts
  // that fire.
  struct Runtime {
    std::int64_t user_id = 0;
    std::string name;
    bool live = true;
    bool webhook = false;
    int rate_max = 0;  // 0 = no limit
    std::int64_t window_us = 0;
    std::int64_t window_start_us = 0;  // 0 = no window open
    int window_sent = 0;
    std::int64_t suppressed = 0;  // matches held back in the open window
  };
  struct Pending;  // a notification built under the lock, delivered after it

  struct Checked {
    query::NodePtr node;
    std::uint64_t cost = 0;
  };
  Result<Checked> CheckInput(const AlertInput& input) const;
  Result<std::optional<Pending>> DigestLocked(std::int64_t alert_id, Runtime& rt,
                                              std::int64_t now_us);
  // Writes the match rows of pending[first..] to the inbox and sets their ids (the table's next
  // ids on). Under mu_, in the caller's transaction.
  Status InsertMatchesLocked(const Story& story, std::int64_t now_us,
                             std::vector<Pending>& pending, std::size_t first);
  // Hands notifications to the listener and the dispatcher; returns the webhooks enqueued.
  std::size_t Deliver(std::vector<Pending>& pending, const NotificationListener& listener);

  MetadataDb& db_;
  match::Matcher& matcher_;
  const Clock& clock_;
  const CanSee can_see_;
  WebhookDispatcher* const webhooks_;
  const AlertOptions options_;

  std::mutex mu_;
  NotificationListener listener_;
  std::unordered_map<std::int64_t, Runtime> runtime_;  // enabled alerts by id
  std::unordered_set<std::int64_t> with_suppressed_;   // alerts with matches held back
  std::unique_ptr<sql::Stmt> insert_;  // the inbox's match row, prepared on first use (under mu_)
};

}  // namespace dateline::alerts
