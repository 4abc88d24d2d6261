// Who is making a request: roles, API-token scopes and the Principal that AuthService hands out
// after authenticating a session cookie or a bearer token. Plain values; copy freely.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dateline {

enum class Role { kReader, kEditor, kAdmin };

std::string_view RoleName(Role r);                     // "reader", "editor", "admin"
std::optional<Role> ParseRole(std::string_view name);  // exact, lower case

enum class Scope : std::uint8_t {
  kStoriesRead = 1,   // "stories:read"
  kStoriesWrite = 2,  // "stories:write"
  kAlerts = 4,        // "alerts"
  kAdmin = 8,         // "admin"
};

// A set of scopes as a bit mask of Scope values.
using ScopeSet = std::uint8_t;
inline constexpr ScopeSet kAllScopes = 1 | 2 | 4 | 8;

std::string_view ScopeName(Scope s);
std::optional<Scope> ParseScope(std::string_view name);
// "stories:read alerts" style list (space- or comma-separated) → set; nullopt on an unknown name.
std::optional<ScopeSet> ParseScopes(std::string_view list);
std::string ScopesToString(ScopeSet set);  // space-separated, in enum order

// The scopes a role may ever hold: readers get stories:read and alerts; editors also
// stories:write; admins everything.
ScopeSet ScopesAllowedFor(Role role);

struct Principal {
  std::int64_t user_id = 0;
  std::string username;
  Role role = Role::kReader;
  std::vector<std::string> groups;  // names, always including "everyone"

  // Sessions only (empty for tokens). session_id is not secret: it names the session in lists,
  // logs and SessionEndListener calls.
  std::string session_id;
  std::string csrf_token_hash;  // SHA-256 hex of the session's CSRF token

  // A restricted session may only do the one thing it is flagged for (change the password,
  // enrol 2FA); HasScope answers false for everything while either flag is set.
  bool must_change_password = false;
  bool must_enroll_2fa = false;

  bool via_token = false;
  std::string token_id;        // tokens only: the token's public id
  ScopeSet scopes = kAllScopes;  // tokens: as granted; sessions: every scope

  std::string address;  // the client address given to Authenticate* (for audit records)

  bool restricted() const { return must_change_password || must_enroll_2fa; }
};

// True when the principal may act with `scope`: its role allows it, (for tokens) the token was
// granted it, and the session is not restricted.
bool HasScope(const Principal& p, Scope scope);

}  // namespace dateline
