// The values of the alerts part: an alert as saved, what a user sends to save one, and a
// notification (one inbox row: a match, or a digest of matches the rate limit held back).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dateline::alerts {

// At most `max` notifications per `window_seconds`; the rest are summarised by one digest.
struct RateLimit {
  int max = 0;                      // 1..AlertOptions::max_rate_notifications
  std::int64_t window_seconds = 0;  // 1..AlertOptions::max_rate_window_seconds
  friend bool operator==(const RateLimit&, const RateLimit&) = default;
};

struct WebhookTarget {
  std::string url;  // http:// or https://
  // Create: empty = generate one (returned once in Alert::new_webhook_secret).
  // Update: empty = keep the current secret (or generate one if the alert had no webhook).
  std::string secret;
};

// What a user sends to create an alert, or to replace one (PUT replaces every field).
struct AlertInput {
  std::string name;   // 1..200 code points
  std::string query;  // the query language (docs/query-language.md), stored as typed
  bool live = true;   // push to the owner's WebSocket connections
  std::optional<WebhookTarget> webhook;
  bool enabled = true;
  std::optional<RateLimit> rate_limit;  // none: every match is a notification
};

struct Alert {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  std::string name;
  std::string query;
  bool live = true;
  std::optional<std::string> webhook_url;
  bool enabled = true;
  std::optional<RateLimit> rate_limit;
  std::uint64_t cost = 0;  // Matcher::Cost of the query, reported to the user
  std::int64_t created_at_us = 0;
  std::int64_t updated_at_us = 0;
  // Set only in the answer to Create/Update when the service generated the webhook secret: the
  // one time it is shown. Stored in clear (it must sign), never returned by Get/List.
  std::optional<std::string> new_webhook_secret;
};

enum class NotificationKind { kMatch, kDigest };

// One story a digest summarises.
struct DigestStory {
  std::string story_id;
  std::uint64_t seq = 0;
  std::string headline;
  std::int64_t fired_at_us = 0;
};

struct Digest {
  std::int64_t count = 0;  // matches held back in the window
  std::int64_t window_start_us = 0;
  std::int64_t window_end_us = 0;    // start + window: when the next notification may go
  std::vector<DigestStory> stories;  // the first AlertOptions::digest_max_stories of them
};

// A notification, as stored in the inbox and handed to the live listener.
struct AlertNotification {
  std::int64_t id = 0;  // inbox id (cursor for paging; newest is highest)
  std::int64_t alert_id = 0;
  std::string alert_name;
  std::int64_t user_id = 0;
  NotificationKind kind = NotificationKind::kMatch;
  // kMatch: the story. kDigest: empty, 0, empty (the stories are in `digest`).
  std::string story_id;
  std::uint64_t seq = 0;
  std::string headline;
  std::vector<std::string> matched_terms;  // folded words that satisfied the query (highlighting)
  Digest digest;                           // kDigest only
  std::int64_t fired_at_us = 0;
  std::optional<std::int64_t> read_at_us;
};

}  // namespace dateline::alerts
