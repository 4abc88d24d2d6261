#include "core/status.h"

namespace dateline {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "ok";
    case StatusCode::kInvalidArgument: return "invalid_argument";
    case StatusCode::kNotFound: return "not_found";
    case StatusCode::kAlreadyExists: return "already_exists";
    case StatusCode::kTooLarge: return "too_large";
    case StatusCode::kUnsupported: return "unsupported";
    case StatusCode::kInvalidUtf8: return "invalid_utf8";
    case StatusCode::kCorruption: return "corruption";
    case StatusCode::kIOError: return "io_error";
    case StatusCode::kUnavailable: return "unavailable";
    case StatusCode::kPermissionDenied: return "forbidden";
    case StatusCode::kInternal: return "internal";
  }
  return "unknown";
}

const std::string& Status::Empty() {
  static const std::string kEmpty;
  return kEmpty;
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  std::string s(StatusCodeName(code()));
  s += ": ";
  s += message();
  if (!field().empty()) {
    s += " (field ";
    s += field();
    s += ")";
  }
  return s;
}

}  // namespace dateline
