// Internal to server/: an ApiResponse with a JSON body (nlohmann, kept out of api.h).
#pragma once

#include <nlohmann/json.hpp>

#include "server/api.h"

namespace dateline {

inline ApiResponse JsonResponse(int status, const nlohmann::json& j) {
  ApiResponse r;
  r.status = status;
  r.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

}  // namespace dateline
