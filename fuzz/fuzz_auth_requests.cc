// libFuzzer target: the JSON bodies of the login, password-change and token-creation requests.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "auth/requests.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto login = dateline::ParseLoginBody("application/json", body);
  if (login.ok() && login->password.size() > 1024) __builtin_trap();
  (void)dateline::ParsePasswordChangeBody("application/json; charset=utf-8", body);
  auto token = dateline::ParseTokenBody("application/json", body);
  if (token.ok() && (token->scopes == 0 || token->name.empty())) __builtin_trap();
  return 0;
}
