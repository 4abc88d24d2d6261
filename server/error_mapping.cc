#include "server/error_mapping.h"

#include <nlohmann/json.hpp>

namespace dateline {

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return 200;
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kAlreadyExists: return 409;
    case StatusCode::kTooLarge: return 413;
    case StatusCode::kUnsupported: return 415;
    case StatusCode::kInvalidUtf8: return 422;
    case StatusCode::kUnavailable: return 503;
    case StatusCode::kPermissionDenied: return 403;
    case StatusCode::kCorruption:
    case StatusCode::kIOError:
    case StatusCode::kInternal: return 500;
  }
  return 500;
}

std::string ErrorJson(std::string_view code, std::string_view message, std::string_view field) {
  nlohmann::json err = {{"code", code}, {"message", message}};
  if (!field.empty()) err["field"] = field;
  return nlohmann::json{{"error", err}}.dump(-1, ' ', false,
                                            nlohmann::json::error_handler_t::replace);
}

std::string ErrorJson(const Status& status) {
  return ErrorJson(StatusCodeName(status.code()), status.message(), status.field());
}

}  // namespace dateline
