// The JSON bodies of the auth API (POST /api/v1/auth/login, …/password, …/tokens), parsed into
// typed requests. Errors name the field; nothing here touches the database, so the parsers can
// be fuzzed on their own (fuzz/fuzz_auth_requests.cc).
#pragma once

#include <string>
#include <string_view>

#include "auth/principal.h"
#include "core/status.h"

namespace dateline {

inline constexpr std::size_t kMaxAuthBodyBytes = 64 * 1024;

struct LoginBody {
  std::string username;
  std::string password;
  std::string code;  // TOTP or recovery code; may be empty
};

struct PasswordChangeBody {
  std::string old_password;
  std::string new_password;
};

struct TokenBody {
  std::string name;
  ScopeSet scopes = 0;
};

// `content_type` is the request's Content-Type header: application/json, or empty with an empty
// body. kUnsupported for another type, kInvalidUtf8, kTooLarge, kInvalidArgument naming the field.
Result<LoginBody> ParseLoginBody(std::string_view content_type, std::string_view body);
Result<PasswordChangeBody> ParsePasswordChangeBody(std::string_view content_type,
                                                   std::string_view body);
Result<TokenBody> ParseTokenBody(std::string_view content_type, std::string_view body);

}  // namespace dateline
