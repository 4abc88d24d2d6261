#include "auth/requests.h"

#include <nlohmann/json.hpp>

#include "core/utf8.h"

namespace dateline {
namespace {

using json = nlohmann::json;

Result<json> Object(std::string_view content_type, std::string_view body) {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  if (media != "application/json") return Status::Unsupported("Content-Type must be application/json");
  if (body.size() > kMaxAuthBodyBytes) {
    return Status::TooLarge("request body is larger than " + std::to_string(kMaxAuthBodyBytes) +
                            " bytes");
  }
  if (auto bad = FindInvalidUtf8(body)) {
    return Status::InvalidUtf8("request body is not valid UTF-8 (byte " + std::to_string(*bad) + ")");
  }
  // Depth is bounded by the size limit and nlohmann parses iteratively.
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) return Status::InvalidArgument("request body is not valid JSON");
  if (!j.is_object()) return Status::InvalidArgument("request body must be a JSON object");
  return j;
}

Result<std::string> String(const json& body, const char* name, bool required, std::size_t max) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    if (required) return Status::InvalidArgument(std::string(name) + " is required", name);
    return std::string();
  }
  if (!it->is_string()) return Status::InvalidArgument(std::string(name) + " must be a string", name);
  std::string v = it->get<std::string>();
  if (v.size() > max) {
    return Status::TooLarge(std::string(name) + " is longer than " + std::to_string(max) + " bytes",
                            name);
  }
  return v;
}

}  // namespace

Result<LoginBody> ParseLoginBody(std::string_view content_type, std::string_view body) {
  auto j = Object(content_type, body);
  if (!j.ok()) return j.status();
  LoginBody out;
  auto username = String(*j, "username", true, 256);
  if (!username.ok()) return username.status();
  auto password = String(*j, "password", true, 1024);
  if (!password.ok()) return password.status();
  auto code = String(*j, "code", false, 64);
  if (!code.ok()) return code.status();
  out.username = std::move(*username);
  out.password = std::move(*password);
  out.code = std::move(*code);
  return out;
}

Result<PasswordChangeBody> ParsePasswordChangeBody(std::string_view content_type,
                                                   std::string_view body) {
  auto j = Object(content_type, body);
  if (!j.ok()) return j.status();
  auto old_pw = String(*j, "old_password", true, 1024);
  if (!old_pw.ok()) return old_pw.status();
  auto new_pw = String(*j, "new_password", true, 1024);
  if (!new_pw.ok()) return new_pw.status();
  return PasswordChangeBody{std::move(*old_pw), std::move(*new_pw)};
}

Result<TokenBody> ParseTokenBody(std::string_view content_type, std::string_view body) {
  auto j = Object(content_type, body);
  if (!j.ok()) return j.status();
  auto name = String(*j, "name", true, 100);
  if (!name.ok()) return name.status();
  auto it = j->find("scopes");
  if (it == j->end() || !it->is_array() || it->empty()) {
    return Status::InvalidArgument(
        "scopes must be a non-empty array of stories:read, stories:write, alerts, admin", "scopes");
  }
  TokenBody out;
  out.name = std::move(*name);
  for (std::size_t i = 0; i < it->size(); ++i) {
    const json& v = (*it)[i];
    auto scope = v.is_string() ? ParseScope(v.get<std::string>()) : std::nullopt;
    if (!scope) {
      return Status::InvalidArgument("unknown scope (stories:read, stories:write, alerts, admin)",
                                     "scopes[" + std::to_string(i) + "]");
    }
    out.scopes |= static_cast<ScopeSet>(*scope);
  }
  return out;
}

}  // namespace dateline
