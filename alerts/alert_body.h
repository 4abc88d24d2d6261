// The request body of POST/PUT /api/v1/alerts (docs/alerts.md) parsed into an AlertInput. Kept
// apart from the rest of the alerts part (database, webhook delivery over libcurl) so that it
// links on its own: fuzz/fuzz_alert_json.cc fuzzes it.
#pragma once

#include <cstddef>
#include <string_view>

#include "alerts/alert.h"
#include "core/status.h"

namespace dateline::alerts {

inline constexpr std::size_t kMaxAlertBodyBytes = 256 * 1024;  // a 20,000-character query fits

// {"name", "query", "enabled"?, "delivery"?: {"live"?, "webhook"?: {"url", "secret"?}},
//  "rate_limit"?: {"max", "window_seconds"} | null}. `content_type` must be application/json.
// kUnsupported for another type, kTooLarge, kInvalidUtf8, kInvalidArgument naming the field
// ("name", "delivery.live", "delivery.webhook.url", "rate_limit.max", …). Values are checked
// for type and shape here; limits (name length, query, URL scheme) by AlertService.
Result<AlertInput> ParseAlertBody(std::string_view content_type, std::string_view body);

}  // namespace dateline::alerts
