// JSON of the alerts API (docs/alerts.md): the answers, WebSocket frames and webhook payloads as
// text. The request body parser (ParseAlertBody) is in alert_body.h, included here for callers.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "alerts/alert.h"
#include "alerts/alert_body.h"
#include "alerts/alert_service.h"
#include "alerts/webhook_dispatcher.h"
#include "core/status.h"
#include "core/story.h"

namespace dateline::alerts {

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
