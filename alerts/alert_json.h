// JSON of the alerts API (docs/alerts.md): the request body of POST/PUT /api/v1/alerts parsed
// into an AlertInput, and the answers, WebSocket frames and webhook payloads as text. Nothing
// here touches the database, so the body parser can be fuzzed on its own.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "alerts/alert.h"
#include "alerts/alert_service.h"
#include "alerts/webhook_dispatcher.h"
#include "core/status.h"
#include "core/story.h"

namespace dateline::alerts {

inline constexpr std::size_t kMaxAlertBodyBytes = 256 * 1024;  // a 20,000-character query fits

// {"name", "query", "enabled"?, "delivery"?: {"live"?, "webhook"?: {"url", "secret"?}},
//  "rate_limit"?: {"max", "window_seconds"} | null}. `content_type` must be application/json.
// kUnsupported for another type, kTooLarge, kInvalidUtf8, kInvalidArgument naming the field
// ("name", "delivery.live", "delivery.webhook.url", "rate_limit.max", …). Values are checked
// for type and shape here; limits (name length, query, URL scheme) by AlertService.
Result<AlertInput> ParseAlertBody(std::string_view content_type, std::string_view body);

// {"id", "name", "query", "enabled", "delivery": {"live", "webhook": {"url", "secret"?} | null},
//  "rate_limit": {…} | null, "cost", "created_at", "updated_at"}; "secret" only when generated.
std::string AlertJson(const Alert& alert);
std::string AlertListJson(const std::vector<Alert>& alerts);  // {"alerts": […]}

// One inbox entry: {"id", "kind": "match"|"digest", "alert": {"id", "name"}, "story": {"id",
// "seq", "headline"} (match), "matched_terms" (match), "digest": {…} (digest), "fired_at",
// "read_at"}.
std::string NotificationJson(const AlertNotification& n);
// The WebSocket frame for a live notification: the entry above with "type": "alert" first.
std::string AlertFrameJson(const AlertNotification& n);
// {"entries": […], "next_before": id | null, "unread": {"total", "by_alert": {"<id>": n}}}
std::string InboxPageJson(const InboxPage& page, const UnreadCounts& unread);
std::string UnreadCountsJson(const UnreadCounts& unread);

// The webhook body: the entry with "type": "alert" or "alert_digest", plus the story's source,
// url and published time for a match. `story` may be null (a digest).
std::string WebhookPayloadJson(const AlertNotification& n, const Story* story);

// {"id", "alert_id", "url", "state", "attempts", "next_attempt_at", "last_error", "created_at",
//  "updated_at", "payload": {…}}
std::string DeliveryJson(const Delivery& d);
std::string DeliveryListJson(const std::vector<Delivery>& deliveries);  // {"deliveries": […]}

}  // namespace dateline::alerts
