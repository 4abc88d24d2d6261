// The audit log: an append-only record of security-relevant events, in the metadata database
// table audit_log (SQLite triggers abort any UPDATE or DELETE on it).
//
// AuthService writes the events listed below; the server may add its own through
// AuthService::Audit. Actions are dotted names:
//   login.ok login.failed login.locked logout session.revoked session.expired
//   password.changed password.reset user.added user.disabled user.enabled user.deleted
//   user.role user.groups 2fa.enrolled 2fa.disabled 2fa.reset 2fa.recovery_used
//   token.created token.revoked token.used (at most once per token per day)
//   group.created group.deleted group.2fa grant.added grant.revoked source.added
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace dateline {

struct AuditEntry {
  std::int64_t id = 0;
  std::int64_t at_us = 0;
  std::optional<std::int64_t> actor_user_id;  // nullopt: the system or an unknown user
  std::string actor_name;                     // "" for the system
  std::string action;
  std::string target;   // what was acted on: "user:alice", "session:ab12…", "group:desk"
  std::string address;  // client address when known
  std::string detail;   // a JSON object (text)
};

struct AuditFilter {
  std::string action;      // exact; empty = any
  std::string actor_name;  // exact; empty = any
  std::optional<std::int64_t> since_us;   // at >= since
  std::optional<std::int64_t> until_us;   // at < until
  std::optional<std::int64_t> before_id;  // id < before_id (paging: pass the last id seen)
  int limit = 100;                        // clamped to 1..1000
};

// Key/value pairs rendered as a flat JSON object of strings.
using AuditDetail = std::vector<std::pair<std::string, std::string>>;

}  // namespace dateline
