// The one place where Status codes become HTTP statuses and JSON error bodies:
// {"error": {"code": "invalid_argument", "message": "...", "field": "headline"}}
#pragma once

#include <string>

#include "core/status.h"

namespace dateline {

int HttpStatusFor(StatusCode code);
std::string ErrorJson(const Status& status);
// For errors that have no Status (unknown route, wrong method): code is e.g. "not_found".
std::string ErrorJson(std::string_view code, std::string_view message, std::string_view field = {});

// WebSocket close codes (4000-4999 are for applications).
inline constexpr int kCloseSlowConsumer = 4001;   // the client's queue overflowed
inline constexpr int kCloseSessionEnded = 4003;   // logout, revocation or expiry of the login

}  // namespace dateline
