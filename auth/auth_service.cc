#include "auth/auth_service.h"

#include <sqlite3.h>

#include <algorithm>

#include "auth/credentials.h"
#include "auth/encoding.h"
#include "auth/qr_svg.h"
#include "auth/secrets.h"
#include "auth/sql.h"
#include "core/utf8.h"
#include "store/metadata_db.h"

namespace dateline {

using auth_internal::Changes;
using auth_internal::JsonString;
using auth_internal::Stmt;
using auth_internal::Transaction;

namespace {

constexpr std::string_view kBadCredentials = "invalid username or password";
// Printable, without look-alikes (0/O, 1/l/I) and without quotes or backslash.
constexpr std::string_view kOneTimePasswordAlphabet =
    "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!#%+=?@";
constexpr std::int64_t kMicrosPerSecond = 1'000'000;

Status BadCredentials() { return Status::InvalidArgument(std::string(kBadCredentials), "credentials"); }

bool ValidName(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                    c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string Lower(std::string_view s) {
  std::string out(s.substr(0, 128));
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string DetailJson(const AuditDetail& detail) {
  std::string out = "{";
  for (std::size_t i = 0; i < detail.size(); ++i) {
    if (i) out += ',';
    out += JsonString(detail[i].first);
    out += ':';
    out += JsonString(IsValidUtf8(detail[i].second) ? detail[i].second
                                                    : ToUtf8Lenient(detail[i].second));
  }
  return out + "}";
}

std::string Clip(std::string_view s, std::size_t n) {
  std::string out(s.substr(0, n));
  return IsValidUtf8(out) ? out : ToUtf8Lenient(out);
}

}  // namespace

std::string_view SessionEndReasonName(SessionEndReason r) {
  switch (r) {
    case SessionEndReason::kLogout: return "logout";
    case SessionEndReason::kRevoked: return "revoked";
    case SessionEndReason::kExpired: return "expired";
    case SessionEndReason::kUserDisabled: return "user_disabled";
    case SessionEndReason::kEvicted: return "evicted";
    case SessionEndReason::kPasswordChanged: return "password_changed";
    case SessionEndReason::kPasswordReset: return "password_reset";
  }
  return "unknown";
}

struct AuthService::UserRow {
  std::int64_t id = 0;
  std::string username;
  std::string password_hash;
  Role role = Role::kReader;
  bool disabled = false;
  bool must_change_password = false;
  bool totp_enabled = false;
  std::string totp_secret;          // base32
  std::string totp_pending_secret;  // base32
  std::int64_t totp_last_step = -1;
  std::int64_t created_at = 0;
};

namespace {
constexpr const char* kUserColumns =
    "id, username, password_hash, role, disabled, must_change_password, totp_enabled, "
    "COALESCE(totp_secret, ''), COALESCE(totp_pending_secret, ''), totp_last_step, created_at";
}  // namespace

AuthService::AuthService(MetadataDb& db, const Clock& clock, AuthOptions options)
    : db_(db), clock_(clock), options_(options), throttle_(clock, options.throttle) {
  auto dummy = HashPassword(RandomBytes(16), options_.password_cost);
  dummy_hash_ = dummy.ok() ? *dummy : std::string();
}

AuthService::~AuthService() = default;

void AuthService::SetSessionEndListener(SessionEndListener listener) {
  std::lock_guard lock(mu_);
  listener_ = std::move(listener);
}

void AuthService::Fire(const std::vector<Ended>& ended) {
  if (ended.empty()) return;
  SessionEndListener listener;
  {
    std::lock_guard lock(mu_);
    listener = listener_;
  }
  if (!listener) return;
  for (const Ended& e : ended) listener(e.session_id, e.user_id, e.reason);
}

void AuthService::BumpEntitlements() { entitlements_version_.fetch_add(1); }

// ---------------------------------------------------------------------------------------------
// Helpers (mu_ held)

Status AuthService::AuditLocked(const Actor& actor, std::string_view action,
                                std::string_view target, const AuditDetail& detail) {
  Stmt st(db_.handle(),
          "INSERT INTO audit_log(at, actor_user_id, actor_name, action, target, address, detail)"
          " VALUES (?, ?, ?, ?, ?, ?, ?)");
  st.Bind(1, Now());
  if (actor.user_id) {
    st.Bind(2, *actor.user_id);
  } else {
    st.BindNull(2);
  }
  st.Bind(3, Clip(actor.name, 128)).Bind(4, action).Bind(5, Clip(target, 256));
  st.Bind(6, Clip(actor.address, 128)).Bind(7, DetailJson(detail));
  return st.Run();
}

Result<std::optional<AuthService::UserRow>> AuthService::FindUserLocked(std::string_view username) {
  Stmt st(db_.handle(), std::string("SELECT ") + kUserColumns + " FROM users WHERE username = ?");
  st.Bind(1, username);
  if (!st.Step()) {
    if (!st.ok()) return st.status();
    return std::optional<UserRow>();
  }
  UserRow r;
  r.id = st.Int(0);
  r.username = st.Text(1);
  r.password_hash = st.Text(2);
  r.role = ParseRole(st.Text(3)).value_or(Role::kReader);
  r.disabled = st.Int(4) != 0;
  r.must_change_password = st.Int(5) != 0;
  r.totp_enabled = st.Int(6) != 0;
  r.totp_secret = st.Text(7);
  r.totp_pending_secret = st.Text(8);
  r.totp_last_step = st.Int(9);
  r.created_at = st.Int(10);
  return std::optional<UserRow>(std::move(r));
}

Result<std::optional<AuthService::UserRow>> AuthService::FindUserByIdLocked(std::int64_t id) {
  Stmt st(db_.handle(), "SELECT username FROM users WHERE id = ?");
  st.Bind(1, id);
  if (!st.Step()) {
    if (!st.ok()) return st.status();
    return std::optional<UserRow>();
  }
  return FindUserLocked(st.Text(0));
}

Result<std::vector<std::string>> AuthService::GroupsOfLocked(std::int64_t user_id) {
  std::vector<std::string> out{std::string(kEveryoneGroup)};
  Stmt st(db_.handle(),
          "SELECT g.name FROM user_groups ug JOIN groups g ON g.id = ug.group_id "
          "WHERE ug.user_id = ? AND g.name <> 'everyone' ORDER BY g.name");
  st.Bind(1, user_id);
  while (st.Step()) out.push_back(st.Text(0));
  if (!st.ok()) return st.status();
  return out;
}

Result<bool> AuthService::MustEnroll2faLocked(std::int64_t user_id, bool totp_enabled) {
  if (totp_enabled) return false;
  Stmt st(db_.handle(),
          "SELECT 1 FROM groups g WHERE g.requires_2fa = 1 AND (g.name = 'everyone' OR g.id IN "
          "(SELECT group_id FROM user_groups WHERE user_id = ?)) LIMIT 1");
  st.Bind(1, user_id);
  const bool row = st.Step();
  if (!st.ok()) return st.status();
  return row;
}

Result<std::optional<std::int64_t>> AuthService::GroupIdLocked(std::string_view group) {
  Stmt st(db_.handle(), "SELECT id FROM groups WHERE name = ?");
  st.Bind(1, group);
  if (!st.Step()) {
    if (!st.ok()) return st.status();
    return std::optional<std::int64_t>();
  }
  return std::optional<std::int64_t>(st.Int(0));
}

Result<UserInfo> AuthService::UserInfoLocked(const UserRow& row) {
  UserInfo u;
  u.id = row.id;
  u.username = row.username;
  u.role = row.role;
  u.disabled = row.disabled;
  u.must_change_password = row.must_change_password;
  u.totp_enabled = row.totp_enabled;
  u.created_at_us = row.created_at;
  auto groups = GroupsOfLocked(row.id);
  if (!groups.ok()) return groups.status();
  u.groups = std::move(*groups);
  return u;
}

Result<Principal> AuthService::PrincipalForUserLocked(const UserRow& row) {
  Principal p;
  p.user_id = row.id;
  p.username = row.username;
  p.role = row.role;
  auto groups = GroupsOfLocked(row.id);
  if (!groups.ok()) return groups.status();
  p.groups = std::move(*groups);
  p.must_change_password = row.must_change_password;
  auto enroll = MustEnroll2faLocked(row.id, row.totp_enabled);
  if (!enroll.ok()) return enroll.status();
  p.must_enroll_2fa = *enroll;
  p.scopes = ScopesAllowedFor(row.role);
  return p;
}

Status AuthService::DeleteSessionLocked(const std::string& session_id, std::int64_t user_id,
                                        SessionEndReason reason, std::vector<Ended>* ended) {
  Stmt st(db_.handle(), "DELETE FROM sessions WHERE id = ?");
  st.Bind(1, session_id);
  if (Status s = st.Run(); !s.ok()) return s;
  session_last_seen_.erase(session_id);
  if (Changes(db_.handle()) > 0) ended->push_back({session_id, user_id, reason});
  return Status::Ok();
}

Status AuthService::EndSessionsLocked(const std::string& where_sql, std::int64_t user_id,
                                      std::string_view except_id, SessionEndReason reason,
                                      std::vector<Ended>* ended) {
  std::vector<std::string> ids;
  {
    Stmt st(db_.handle(), "SELECT id FROM sessions WHERE user_id = ? " + where_sql);
    st.Bind(1, user_id);
    while (st.Step()) {
      std::string id = st.Text(0);
      if (id != except_id) ids.push_back(std::move(id));
    }
    if (!st.ok()) return st.status();
  }
  for (const std::string& id : ids) {
    if (Status s = DeleteSessionLocked(id, user_id, reason, ended); !s.ok()) return s;
  }
  return Status::Ok();
}

Status AuthService::ClearTotpLocked(std::int64_t user_id) {
  Stmt st(db_.handle(),
          "UPDATE users SET totp_enabled = 0, totp_secret = NULL, totp_pending_secret = NULL, "
          "totp_last_step = -1 WHERE id = ?");
  st.Bind(1, user_id);
  if (Status s = st.Run(); !s.ok()) return s;
  Stmt del(db_.handle(), "DELETE FROM recovery_codes WHERE user_id = ?");
  del.Bind(1, user_id);
  return del.Run();
}

// True when `input` is a valid TOTP code (recorded against replay) or an unused recovery code
// (marked used and audited).
Result<bool> AuthService::VerifySecondFactorLocked(const UserRow& user, std::string_view input,
                                                   const std::string& address) {
  if (auto code = ParseTotpCode(input, options_.totp.digits)) {
    auto key = Base32Decode(user.totp_secret);
    if (!key.ok()) return Status::Corruption("stored TOTP secret of " + user.username + " is bad");
    const std::int64_t unix_s = Now() / kMicrosPerSecond;
    auto step = VerifyTotp(*key, *code, unix_s, user.totp_last_step, options_.totp,
                           options_.totp_window);
    if (!step) return false;
    // Only move forward: the WHERE makes two racing uses of one code accept one.
    Stmt st(db_.handle(), "UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?");
    st.Bind(1, *step).Bind(2, user.id).Bind(3, *step);
    if (Status s = st.Run(); !s.ok()) return s;
    return Changes(db_.handle()) == 1;
  }
  if (auto code = NormalizeRecoveryCode(input)) {
    Stmt st(db_.handle(),
            "UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? "
            "AND used_at IS NULL");
    st.Bind(1, Now()).Bind(2, user.id).Bind(3, Sha256Hex(*code));
    if (Status s = st.Run(); !s.ok()) return s;
    if (Changes(db_.handle()) != 1) return false;
    Stmt left(db_.handle(), "SELECT count(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL");
    left.Bind(1, user.id);
    const std::int64_t remaining = left.Step() ? left.Int(0) : 0;
    (void)AuditLocked({user.id, user.username, address}, "2fa.recovery_used",
                      "user:" + user.username, {{"remaining", std::to_string(remaining)}});
    return true;
  }
  return false;
}

Result<std::vector<std::string>> AuthService::NewRecoveryCodesLocked(std::int64_t user_id) {
  Stmt del(db_.handle(), "DELETE FROM recovery_codes WHERE user_id = ?");
  del.Bind(1, user_id);
  if (Status s = del.Run(); !s.ok()) return s;
  std::vector<std::string> codes;
  while (static_cast<int>(codes.size()) < kRecoveryCodeCount) {
    std::string code = NewRecoveryCode();
    if (std::find(codes.begin(), codes.end(), code) != codes.end()) continue;
    Stmt st(db_.handle(), "INSERT INTO recovery_codes(user_id, code_hash) VALUES (?, ?)");
    st.Bind(1, user_id).Bind(2, Sha256Hex(code));
    if (Status s = st.Run(); !s.ok()) return s;
    codes.push_back(std::move(code));
  }
  return codes;
}

// ---------------------------------------------------------------------------------------------
// Users

Result<std::optional<std::string>> AuthService::EnsureFirstAdmin() {
  std::lock_guard lock(mu_);
  Stmt count(db_.handle(), "SELECT count(*) FROM users");
  if (!count.Step()) return count.status();
  if (count.Int(0) > 0) return std::optional<std::string>();
  count.Reset();  // ends the read snapshot before the write below (see sql::Stmt::Reset)
  std::string password = RandomString(20, kOneTimePasswordAlphabet);
  auto hash = HashPassword(password, options_.password_cost);
  if (!hash.ok()) return hash.status();
  Stmt st(db_.handle(),
          "INSERT INTO users(username, password_hash, role, must_change_password, created_at, "
          "password_changed_at) VALUES ('admin', ?, 'admin', 1, ?, ?)");
  st.Bind(1, *hash).Bind(2, Now()).Bind(3, Now());
  if (Status s = st.Run(); !s.ok()) return s;
  (void)AuditLocked(Actor::System(), "user.added", "user:admin",
                    {{"role", "admin"}, {"first_admin", "true"}});
  return std::optional<std::string>(std::move(password));
}

Result<UserInfo> AuthService::AddUser(const Actor& actor, const NewUser& user) {
  if (!ValidName(user.username)) {
    return Status::InvalidArgument("username must be 1-64 characters of a-z, 0-9, '.', '_', '-'",
                                   "username");
  }
  if (Status s = CheckPasswordPolicy(user.password, user.username, options_.password_policy);
      !s.ok()) {
    return s;
  }
  auto hash = HashPassword(user.password, options_.password_cost);  // outside the lock
  if (!hash.ok()) return hash.status();
  std::lock_guard lock(mu_);
  Transaction tx(db_.handle());
  if (Status s = tx.status(); !s.ok()) return s;
  std::vector<std::int64_t> group_ids;
  for (const std::string& g : user.groups) {
    if (g == kEveryoneGroup) continue;
    auto id = GroupIdLocked(g);
    if (!id.ok()) return id.status();
    if (!*id) return Status::InvalidArgument("no such group: " + g, "groups");
    group_ids.push_back(**id);
  }
  {
    auto existing = FindUserLocked(user.username);
    if (!existing.ok()) return existing.status();
    if (*existing) return Status(StatusCode::kAlreadyExists, "user " + user.username + " exists", "username");
  }
  Stmt st(db_.handle(),
          "INSERT INTO users(username, password_hash, role, must_change_password, created_at, "
          "password_changed_at) VALUES (?, ?, ?, ?, ?, ?)");
  st.Bind(1, user.username).Bind(2, *hash).Bind(3, RoleName(user.role));
  st.Bind(4, user.must_change_password ? 1 : 0).Bind(5, Now()).Bind(6, Now());
  if (Status s = st.Run(); !s.ok()) return s;
  const std::int64_t id = sqlite3_last_insert_rowid(db_.handle());
  for (std::int64_t gid : group_ids) {
    Stmt ug(db_.handle(), "INSERT OR IGNORE INTO user_groups(user_id, group_id) VALUES (?, ?)");
    ug.Bind(1, id).Bind(2, gid);
    if (Status s = ug.Run(); !s.ok()) return s;
  }
  std::string groups;
  for (const auto& g : user.groups) groups += (groups.empty() ? "" : " ") + g;
  if (Status s = AuditLocked(actor, "user.added", "user:" + user.username,
                             {{"role", std::string(RoleName(user.role))}, {"groups", groups}});
      !s.ok()) {
    return s;
  }
  if (Status s = tx.Commit(); !s.ok()) return s;
  if (!group_ids.empty()) BumpEntitlements();
  auto row = FindUserLocked(user.username);
  if (!row.ok()) return row.status();
  return UserInfoLocked(**row);
}

Result<std::vector<UserInfo>> AuthService::ListUsers() {
  std::lock_guard lock(mu_);
  std::vector<std::string> names;
  {
    Stmt st(db_.handle(), "SELECT username FROM users ORDER BY username");
    while (st.Step()) names.push_back(st.Text(0));
    if (!st.ok()) return st.status();
  }
  std::vector<UserInfo> out;
  for (const auto& n : names) {
    auto row = FindUserLocked(n);
    if (!row.ok()) return row.status();
    if (!*row) continue;
    auto info = UserInfoLocked(**row);
    if (!info.ok()) return info.status();
    out.push_back(std::move(*info));
  }
  return out;
}

Result<UserInfo> AuthService::GetUser(std::string_view username) {
  std::lock_guard lock(mu_);
  auto row = FindUserLocked(username);
  if (!row.ok()) return row.status();
  if (!*row) return Status::NotFound("no such user: " + std::string(username));
  return UserInfoLocked(**row);
}

Status AuthService::SetUserDisabled(const Actor& actor, std::string_view username, bool disabled) {
  std::vector<Ended> ended;
  {
    std::lock_guard lock(mu_);
    auto row = FindUserLocked(username);
    if (!row.ok()) return row.status();
    if (!*row) return Status::NotFound("no such user: " + std::string(username));
    Stmt st(db_.handle(), "UPDATE users SET disabled = ? WHERE id = ?");
    st.Bind(1, disabled ? 1 : 0).Bind(2, (*row)->id);
    if (Status s = st.Run(); !s.ok()) return s;
    if (disabled) {
      if (Status s = EndSessionsLocked("", (*row)->id, "", SessionEndReason::kUserDisabled, &ended);
          !s.ok()) {
        return s;
      }
    }
    (void)AuditLocked(actor, disabled ? "user.disabled" : "user.enabled",
                      "user:" + std::string(username), {});
  }
  Fire(ended);
  return Status::Ok();
}

Status AuthService::SetUserRole(const Actor& actor, std::string_view username, Role role) {
  std::lock_guard lock(mu_);
  Stmt st(db_.handle(), "UPDATE users SET role = ? WHERE username = ?");
  st.Bind(1, RoleName(role)).Bind(2, username);
  if (Status s = st.Run(); !s.ok()) return s;
  if (Changes(db_.handle()) == 0) return Status::NotFound("no such user: " + std::string(username));
  return AuditLocked(actor, "user.role", "user:" + std::string(username),
                     {{"role", std::string(RoleName(role))}});
}

Result<std::string> AuthService::ResetPassword(const Actor& actor, std::string_view username,
                                               std::string_view new_password) {
  std::string password(new_password);
  if (password.empty()) {
    password = RandomString(20, kOneTimePasswordAlphabet);
  } else if (Status s = CheckPasswordPolicy(password, username, options_.password_policy); !s.ok()) {
    return s;
  }
  auto hash = HashPassword(password, options_.password_cost);
  if (!hash.ok()) return hash.status();
  std::vector<Ended> ended;
  {
    std::lock_guard lock(mu_);
    auto row = FindUserLocked(username);
    if (!row.ok()) return row.status();
    if (!*row) return Status::NotFound("no such user: " + std::string(username));
    Stmt st(db_.handle(),
            "UPDATE users SET password_hash = ?, must_change_password = 1, password_changed_at = ?"
            " WHERE id = ?");
    st.Bind(1, *hash).Bind(2, Now()).Bind(3, (*row)->id);
    if (Status s = st.Run(); !s.ok()) return s;
    if (Status s = EndSessionsLocked("", (*row)->id, "", SessionEndReason::kPasswordReset, &ended);
        !s.ok()) {
      return s;
    }
    (void)AuditLocked(actor, "password.reset", "user:" + std::string(username), {});
  }
  Fire(ended);
  return password;
}

Status AuthService::ResetTotp(const Actor& actor, std::string_view username) {
  std::lock_guard lock(mu_);
  auto row = FindUserLocked(username);
  if (!row.ok()) return row.status();
  if (!*row) return Status::NotFound("no such user: " + std::string(username));
  if (Status s = ClearTotpLocked((*row)->id); !s.ok()) return s;
  return AuditLocked(actor, "2fa.reset", "user:" + std::string(username), {});
}

Status AuthService::ChangePassword(const Principal& self, std::string_view old_password,
                                   std::string_view new_password) {
  if (self.via_token) return Status::Unsupported("passwords can only be changed from a session");
  if (const std::int64_t wait = throttle_.RetryAfterSeconds(self.username, self.address); wait > 0) {
    return Status::Unavailable("too many attempts, retry after " + std::to_string(wait) + " s");
  }
  std::string stored;
  {
    std::lock_guard lock(mu_);
    auto row = FindUserByIdLocked(self.user_id);
    if (!row.ok()) return row.status();
    if (!*row || (*row)->disabled) return Status::NotFound("no such user");
    stored = (*row)->password_hash;
  }
  if (!VerifyPassword(stored, old_password)) {
    const bool locked = throttle_.RecordFailure(self.username, self.address);
    std::lock_guard lock(mu_);
    (void)AuditLocked(Actor::Of(self), "login.failed", "user:" + self.username,
                      {{"reason", "wrong current password on change"}});
    if (locked) (void)AuditLocked(Actor::Of(self), "login.locked", "user:" + self.username, {});
    return Status::InvalidArgument("the current password is wrong", "old_password");
  }
  if (Status s = CheckPasswordPolicy(new_password, self.username, options_.password_policy); !s.ok()) {
    return s;
  }
  if (old_password == new_password) {
    return Status::InvalidArgument("the new password must differ from the current one", "password");
  }
  auto hash = HashPassword(new_password, options_.password_cost);
  if (!hash.ok()) return hash.status();
  std::vector<Ended> ended;
  {
    std::lock_guard lock(mu_);
    Stmt st(db_.handle(),
            "UPDATE users SET password_hash = ?, must_change_password = 0, password_changed_at = ?"
            " WHERE id = ?");
    st.Bind(1, *hash).Bind(2, Now()).Bind(3, self.user_id);
    if (Status s = st.Run(); !s.ok()) return s;
    if (Status s = EndSessionsLocked("", self.user_id, self.session_id,
                                     SessionEndReason::kPasswordChanged, &ended);
        !s.ok()) {
      return s;
    }
    (void)AuditLocked(Actor::Of(self), "password.changed", "user:" + self.username, {});
  }
  throttle_.RecordSuccess(self.username);
  Fire(ended);
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Login and sessions

LoginOutcome AuthService::Login(const LoginRequest& request) {
  LoginOutcome out;
  const std::string account = Lower(request.username);
  const std::string address = Clip(request.address, 128);
  const Actor anonymous{std::nullopt, account, address};

  if (const std::int64_t wait = throttle_.RetryAfterSeconds(account, address); wait > 0) {
    out.result = LoginResult::kThrottled;
    out.retry_after_seconds = wait;
    out.error = Status::Unavailable("too many attempts, retry after " + std::to_string(wait) + " s");
    return out;
  }

  std::optional<UserRow> user;
  {
    std::lock_guard lock(mu_);
    auto row = FindUserLocked(account);
    if (!row.ok()) {
      out.error = row.status();
      return out;
    }
    user = std::move(*row);
  }
  // Verify even for unknown users (against a dummy hash) so the time taken is the same.
  const bool password_ok = request.password.size() <= options_.password_policy.max_bytes &&
                           VerifyPassword(user ? user->password_hash : dummy_hash_,
                                          request.password) &&
                           user.has_value();

  auto fail = [&](std::string reason) {
    const bool locked = throttle_.RecordFailure(account, address);
    std::lock_guard lock(mu_);
    Actor who = anonymous;
    if (user) who.user_id = user->id;
    (void)AuditLocked(who, "login.failed", "user:" + account, {{"reason", reason}});
    if (locked) {
      (void)AuditLocked(who, "login.locked", "user:" + account,
                        {{"minutes", std::to_string(options_.throttle.lockout_us / 60'000'000)}});
    }
    out.result = LoginResult::kInvalidCredentials;
    out.error = BadCredentials();
    return out;
  };

  if (!password_ok) return fail(user ? "wrong password" : "unknown user");
  if (user->disabled) return fail("user disabled");

  std::vector<Ended> ended;
  {
    std::unique_lock lock(mu_);
    // Re-read: the row may have changed while we hashed.
    auto fresh = FindUserByIdLocked(user->id);
    if (!fresh.ok() || !*fresh) {
      out.error = fresh.ok() ? BadCredentials() : fresh.status();
      out.result = fresh.ok() ? LoginResult::kInvalidCredentials : LoginResult::kError;
      return out;
    }
    user = std::move(**fresh);
    if (user->totp_enabled) {
      const bool blank = request.second_factor.find_first_not_of(" \t") == std::string::npos;
      if (blank) {
        out.result = LoginResult::kSecondFactorRequired;
        return out;
      }
      auto good = VerifySecondFactorLocked(*user, request.second_factor, address);
      if (!good.ok()) {
        out.error = good.status();
        return out;
      }
      if (!*good) {
        lock.unlock();  // fail() takes the lock itself
        return fail("wrong second factor");
      }
    }

    // Mint a fresh session.
    const std::string token = NewSessionToken();
    const std::string csrf = NewSessionToken();
    const std::string token_hash = Sha256Hex(token);
    const std::string session_id = token_hash.substr(0, 16);
    const std::int64_t now = Now();
    Stmt st(db_.handle(),
            "INSERT INTO sessions(id, token_hash, user_id, csrf_hash, created_at, last_seen_at, "
            "address, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    st.Bind(1, session_id).Bind(2, token_hash).Bind(3, user->id).Bind(4, Sha256Hex(csrf));
    st.Bind(5, now).Bind(6, now).Bind(7, address).Bind(8, Clip(request.user_agent, 256));
    if (Status s = st.Run(); !s.ok()) {
      out.error = s;
      return out;
    }
    session_last_seen_[session_id] = now;
    if (options_.max_sessions_per_user > 0) {
      Status s = EndSessionsLocked(
          "ORDER BY created_at DESC, rowid DESC LIMIT -1 OFFSET " +
              std::to_string(options_.max_sessions_per_user),
          user->id, session_id, SessionEndReason::kEvicted, &ended);
      if (!s.ok()) {
        out.error = s;
        return out;
      }
      for (const Ended& e : ended) {
        (void)AuditLocked({user->id, user->username, address}, "session.revoked",
                          "session:" + e.session_id, {{"reason", "concurrent session limit"}});
      }
    }
    auto principal = PrincipalForUserLocked(*user);
    if (!principal.ok()) {
      out.error = principal.status();
      return out;
    }
    principal->session_id = session_id;
    principal->csrf_token_hash = Sha256Hex(csrf);
    principal->address = address;
    (void)AuditLocked({user->id, user->username, address}, "login.ok", "session:" + session_id,
                      {{"user_agent", Clip(request.user_agent, 256)},
                       {"second_factor", user->totp_enabled ? "yes" : "no"}});
    out.result = LoginResult::kOk;
    out.session_token = token;
    out.csrf_token = csrf;
    out.principal = std::move(*principal);
  }
  throttle_.RecordSuccess(account);
  // Upgrade an old-cost hash now that we know the password.
  if (NeedsRehash(user->password_hash, options_.password_cost)) {
    if (auto h = HashPassword(request.password, options_.password_cost); h.ok()) {
      std::lock_guard lock(mu_);
      Stmt st(db_.handle(), "UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?");
      st.Bind(1, *h).Bind(2, user->id).Bind(3, user->password_hash);
      (void)st.Run();
    }
  }
  Fire(ended);
  return out;
}

Result<Principal> AuthService::Authenticate(std::string_view session_token,
                                            std::string_view address,
                                            std::string_view user_agent) {
  if (!LooksLikeSessionToken(session_token)) return Status::NotFound("no such session");
  const std::string token_hash = Sha256Hex(session_token);
  std::vector<Ended> ended;
  Result<Principal> result = Status::NotFound("no such session");
  {
    std::lock_guard lock(mu_);
    Stmt st(db_.handle(),
            "SELECT s.id, s.user_id, s.csrf_hash, s.created_at, s.last_seen_at, u.username, "
            "u.disabled FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?");
    st.Bind(1, token_hash);
    if (!st.Step()) {
      if (!st.ok()) return st.status();
      return Status::NotFound("no such session");
    }
    const std::string id = st.Text(0);
    const std::int64_t user_id = st.Int(1);
    const std::string csrf_hash = st.Text(2);
    const std::int64_t created = st.Int(3);
    const std::int64_t db_last_seen = st.Int(4);
    const std::string username = st.Text(5);
    const bool disabled = st.Int(6) != 0;
    st.Reset();  // ends the read snapshot before the writes below (see sql::Stmt::Reset)
    std::int64_t last_seen = db_last_seen;
    if (auto it = session_last_seen_.find(id); it != session_last_seen_.end()) {
      last_seen = std::max(last_seen, it->second);
    }
    const std::int64_t now = Now();
    if (disabled) {
      if (Status s = DeleteSessionLocked(id, user_id, SessionEndReason::kUserDisabled, &ended); !s.ok()) {
        return s;
      }
    } else if (now - created >= options_.session_absolute_timeout_us ||
               now - last_seen >= options_.session_idle_timeout_us) {
      if (Status s = DeleteSessionLocked(id, user_id, SessionEndReason::kExpired, &ended); !s.ok()) {
        return s;
      }
      (void)AuditLocked({user_id, username, std::string(address)}, "session.expired",
                        "session:" + id,
                        {{"kind", now - created >= options_.session_absolute_timeout_us ? "absolute"
                                                                                         : "idle"}});
    } else {
      session_last_seen_[id] = now;
      if (now - db_last_seen >= options_.last_seen_write_interval_us) {
        Stmt up(db_.handle(),
                "UPDATE sessions SET last_seen_at = ?, address = CASE WHEN ? = '' THEN address "
                "ELSE ? END, user_agent = CASE WHEN ? = '' THEN user_agent ELSE ? END WHERE id = ?");
        const std::string a = Clip(address, 128), ua = Clip(user_agent, 256);
        up.Bind(1, now).Bind(2, a).Bind(3, a).Bind(4, ua).Bind(5, ua).Bind(6, id);
        if (Status s = up.Run(); !s.ok()) return s;
      }
      auto row = FindUserByIdLocked(user_id);
      if (!row.ok()) return row.status();
      if (!*row) return Status::NotFound("no such session");
      auto p = PrincipalForUserLocked(**row);
      if (!p.ok()) return p.status();
      p->session_id = id;
      p->csrf_token_hash = csrf_hash;
      p->address = std::string(address);
      result = std::move(*p);
    }
  }
  Fire(ended);
  return result;
}

Status AuthService::Logout(std::string_view session_token) {
  if (!LooksLikeSessionToken(session_token)) return Status::Ok();
  std::vector<Ended> ended;
  {
    std::lock_guard lock(mu_);
    Stmt st(db_.handle(),
            "SELECT s.id, s.user_id, u.username, s.address FROM sessions s JOIN users u ON "
            "u.id = s.user_id WHERE s.token_hash = ?");
    st.Bind(1, Sha256Hex(session_token));
    if (!st.Step()) return st.status();
    const std::string id = st.Text(0);
    const std::int64_t user_id = st.Int(1);
    const Actor who{user_id, st.Text(2), st.Text(3)};
    if (Status s = DeleteSessionLocked(id, user_id, SessionEndReason::kLogout, &ended); !s.ok()) {
      return s;
    }
    (void)AuditLocked(who, "logout", "session:" + id, {});
  }
  Fire(ended);
  return Status::Ok();
}

Result<std::vector<SessionInfo>> AuthService::ListSessions(std::int64_t user_id) {
  std::lock_guard lock(mu_);
  std::vector<SessionInfo> out;
  Stmt st(db_.handle(),
          "SELECT id, created_at, last_seen_at, address, user_agent FROM sessions "
          "WHERE user_id = ? ORDER BY created_at DESC, rowid DESC");
  st.Bind(1, user_id);
  const std::int64_t now = Now();
  while (st.Step()) {
    SessionInfo s;
    s.session_id = st.Text(0);
    s.user_id = user_id;
    s.created_at_us = st.Int(1);
    s.last_seen_at_us = st.Int(2);
    if (auto it = session_last_seen_.find(s.session_id); it != session_last_seen_.end()) {
      s.last_seen_at_us = std::max(s.last_seen_at_us, it->second);
    }
    s.address = st.Text(3);
    s.user_agent = st.Text(4);
    if (now - s.created_at_us >= options_.session_absolute_timeout_us ||
        now - s.last_seen_at_us >= options_.session_idle_timeout_us) {
      continue;  // expired; SweepExpiredSessions removes it
    }
    out.push_back(std::move(s));
  }
  if (!st.ok()) return st.status();
  return out;
}

Status AuthService::RevokeSession(const Principal& actor, std::string_view session_id) {
  std::vector<Ended> ended;
  {
    std::lock_guard lock(mu_);
    Stmt st(db_.handle(), "SELECT user_id FROM sessions WHERE id = ?");
    st.Bind(1, session_id);
    if (!st.Step()) {
      if (!st.ok()) return st.status();
      return Status::NotFound("no such session");
    }
    const std::int64_t owner = st.Int(0);
    if (owner != actor.user_id && !HasScope(actor, Scope::kAdmin)) {
      return Status::NotFound("no such session");
    }
    if (Status s = DeleteSessionLocked(std::string(session_id), owner, SessionEndReason::kRevoked,
                                       &ended);
        !s.ok()) {
      return s;
    }
    (void)AuditLocked(Actor::Of(actor), "session.revoked", "session:" + std::string(session_id),
                      {{"owner_user_id", std::to_string(owner)}});
  }
  Fire(ended);
  return Status::Ok();
}

Result<bool> AuthService::SessionExists(std::string_view session_id) {
  std::lock_guard lock(mu_);
  Stmt st(db_.handle(), "SELECT 1 FROM sessions WHERE id = ?");
  st.Bind(1, session_id);
  const bool found = st.Step();
  if (!st.ok()) return st.status();
  return found;
}

Result<int> AuthService::SweepExpiredSessions() {
  std::vector<Ended> ended;
  {
    std::lock_guard lock(mu_);
    const std::int64_t now = Now();
    std::vector<std::pair<std::string, std::int64_t>> expired;
    Stmt st(db_.handle(), "SELECT id, user_id, created_at, last_seen_at FROM sessions");
    while (st.Step()) {
      std::string id = st.Text(0);
      std::int64_t last_seen = st.Int(3);
      if (auto it = session_last_seen_.find(id); it != session_last_seen_.end()) {
        last_seen = std::max(last_seen, it->second);
      }
      if (now - st.Int(2) >= options_.session_absolute_timeout_us ||
          now - last_seen >= options_.session_idle_timeout_us) {
        expired.emplace_back(std::move(id), st.Int(1));
      }
    }
    if (!st.ok()) return st.status();
    for (const auto& [id, user_id] : expired) {
      if (Status s = DeleteSessionLocked(id, user_id, SessionEndReason::kExpired, &ended); !s.ok()) {
        return s;
      }
      (void)AuditLocked({user_id, "", ""}, "session.expired", "session:" + id, {});
    }
  }
  Fire(ended);
  return static_cast<int>(ended.size());
}

bool AuthService::CheckCsrf(const Principal& session, std::string_view header_value) {
  if (session.via_token || session.csrf_token_hash.empty()) return false;
  return ConstantTimeEquals(Sha256Hex(header_value), session.csrf_token_hash);
}

// ---------------------------------------------------------------------------------------------
// TOTP

Result<TotpEnrollment> AuthService::BeginTotpEnrollment(const Principal& self) {
  if (self.via_token) return Status::Unsupported("2FA can only be managed from a session");
  std::lock_guard lock(mu_);
  auto row = FindUserByIdLocked(self.user_id);
  if (!row.ok()) return row.status();
  if (!*row) return Status::NotFound("no such user");
  if ((*row)->totp_enabled) return Status(StatusCode::kAlreadyExists, "2FA is already enabled");
  TotpEnrollment e;
  e.secret_base32 = Base32Encode(GenerateTotpSecret());
  e.otpauth_uri = OtpauthUri((*row)->username, e.secret_base32, options_.totp);
  auto svg = QrSvg(e.otpauth_uri);
  if (!svg.ok()) return svg.status();
  e.qr_svg = std::move(*svg);
  Stmt st(db_.handle(), "UPDATE users SET totp_pending_secret = ? WHERE id = ?");
  st.Bind(1, e.secret_base32).Bind(2, self.user_id);
  if (Status s = st.Run(); !s.ok()) return s;
  return e;
}

Result<std::vector<std::string>> AuthService::ConfirmTotpEnrollment(const Principal& self,
                                                                    std::string_view code) {
  if (self.via_token) return Status::Unsupported("2FA can only be managed from a session");
  std::lock_guard lock(mu_);
  auto row = FindUserByIdLocked(self.user_id);
  if (!row.ok()) return row.status();
  if (!*row) return Status::NotFound("no such user");
  const UserRow& u = **row;
  if (u.totp_enabled) return Status(StatusCode::kAlreadyExists, "2FA is already enabled");
  if (u.totp_pending_secret.empty()) {
    return Status::InvalidArgument("no 2FA enrolment in progress", "code");
  }
  auto parsed = ParseTotpCode(code, options_.totp.digits);
  auto key = Base32Decode(u.totp_pending_secret);
  if (!key.ok()) return Status::Corruption("pending TOTP secret is bad");
  std::optional<std::int64_t> step;
  if (parsed) {
    step = VerifyTotp(*key, *parsed, Now() / kMicrosPerSecond, -1, options_.totp,
                      options_.totp_window);
  }
  if (!step) return Status::InvalidArgument("the code is not valid; check the app's clock", "code");
  Transaction tx(db_.handle());
  if (Status s = tx.status(); !s.ok()) return s;
  Stmt st(db_.handle(),
          "UPDATE users SET totp_enabled = 1, totp_secret = totp_pending_secret, "
          "totp_pending_secret = NULL, totp_last_step = ? WHERE id = ?");
  st.Bind(1, *step).Bind(2, u.id);
  if (Status s = st.Run(); !s.ok()) return s;
  auto codes = NewRecoveryCodesLocked(u.id);
  if (!codes.ok()) return codes.status();
  if (Status s = AuditLocked(Actor::Of(self), "2fa.enrolled", "user:" + u.username, {}); !s.ok()) {
    return s;
  }
  if (Status s = tx.Commit(); !s.ok()) return s;
  return codes;
}

Status AuthService::DisableTotp(const Principal& self, std::string_view code) {
  if (self.via_token) return Status::Unsupported("2FA can only be managed from a session");
  std::lock_guard lock(mu_);
  auto row = FindUserByIdLocked(self.user_id);
  if (!row.ok()) return row.status();
  if (!*row) return Status::NotFound("no such user");
  if (!(*row)->totp_enabled) return Status::InvalidArgument("2FA is not enabled", "code");
  auto good = VerifySecondFactorLocked(**row, code, self.address);
  if (!good.ok()) return good.status();
  if (!*good) return Status::InvalidArgument("the code is not valid", "code");
  if (Status s = ClearTotpLocked(self.user_id); !s.ok()) return s;
  return AuditLocked(Actor::Of(self), "2fa.disabled", "user:" + self.username, {});
}

Result<int> AuthService::RemainingRecoveryCodes(std::int64_t user_id) {
  std::lock_guard lock(mu_);
  Stmt st(db_.handle(), "SELECT count(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL");
  st.Bind(1, user_id);
  if (!st.Step()) return st.status();
  return static_cast<int>(st.Int(0));
}

// ---------------------------------------------------------------------------------------------
// API tokens

Result<CreatedApiToken> AuthService::CreateToken(const Principal& self, std::string_view name,
                                             ScopeSet scopes) {
  if (self.via_token) return Status::Unsupported("API tokens can only be created from a session");
  if (self.restricted()) {
    return Status::InvalidArgument("finish the password change or 2FA enrolment first", "scopes");
  }
  return IssueToken(Actor::Of(self), self, name, scopes);
}

Result<CreatedApiToken> AuthService::CreateTokenForUser(const Actor& actor,
                                                    std::string_view username,
                                                    std::string_view name, ScopeSet scopes) {
  Principal owner;
  {
    std::lock_guard lock(mu_);
    auto row = FindUserLocked(username);
    if (!row.ok()) return row.status();
    if (!*row) return Status::NotFound("no user named " + std::string(username));
    if ((*row)->disabled) {
      return Status::InvalidArgument("user " + std::string(username) + " is disabled", "username");
    }
    auto p = PrincipalForUserLocked(**row);
    if (!p.ok()) return p.status();
    owner = std::move(*p);
  }
  return IssueToken(actor, owner, name, scopes);
}

Result<CreatedApiToken> AuthService::IssueToken(const Actor& actor, const Principal& self,
                                            std::string_view name, ScopeSet scopes) {
  if (name.empty() || name.size() > 100 || !IsValidUtf8(name)) {
    return Status::InvalidArgument("token name must be 1-100 bytes of UTF-8", "name");
  }
  if (scopes == 0 || (scopes & ~kAllScopes) != 0) {
    return Status::InvalidArgument("at least one known scope is needed", "scopes");
  }
  if ((scopes & ~ScopesAllowedFor(self.role)) != 0) {
    return Status::InvalidArgument("scopes beyond the role " + std::string(RoleName(self.role)) +
                                       ": " + ScopesToString(scopes & ~ScopesAllowedFor(self.role)),
                                   "scopes");
  }
  CreatedApiToken out;
  out.token = NewApiToken();
  const std::string hash = Sha256Hex(out.token);
  out.id = hash.substr(0, 16);
  std::lock_guard lock(mu_);
  Stmt st(db_.handle(),
          "INSERT INTO api_tokens(id, token_hash, user_id, name, prefix, scopes, created_at) "
          "VALUES (?, ?, ?, ?, ?, ?, ?)");
  st.Bind(1, out.id).Bind(2, hash).Bind(3, self.user_id).Bind(4, name);
  st.Bind(5, out.token.substr(0, 7)).Bind(6, ScopesToString(scopes)).Bind(7, Now());
  if (Status s = st.Run(); !s.ok()) return s;
  (void)AuditLocked(actor, "token.created", "token:" + out.id,
                    {{"name", std::string(name)}, {"scopes", ScopesToString(scopes)}});
  return out;
}

Result<std::vector<TokenInfo>> AuthService::ListTokens(std::int64_t user_id) {
  std::lock_guard lock(mu_);
  std::vector<TokenInfo> out;
  Stmt st(db_.handle(),
          "SELECT id, name, prefix, scopes, created_at, last_used_at FROM api_tokens "
          "WHERE user_id = ? ORDER BY created_at DESC, rowid DESC");
  st.Bind(1, user_id);
  while (st.Step()) {
    TokenInfo t;
    t.id = st.Text(0);
    t.user_id = user_id;
    t.name = st.Text(1);
    t.prefix = st.Text(2);
    t.scopes = ParseScopes(st.Text(3)).value_or(0);
    t.created_at_us = st.Int(4);
    if (!st.IsNull(5)) t.last_used_at_us = st.Int(5);
    out.push_back(std::move(t));
  }
  if (!st.ok()) return st.status();
  return out;
}

Status AuthService::RevokeToken(const Principal& actor, std::string_view token_id) {
  std::lock_guard lock(mu_);
  Stmt st(db_.handle(), "SELECT user_id, name FROM api_tokens WHERE id = ?");
  st.Bind(1, token_id);
  if (!st.Step()) {
    if (!st.ok()) return st.status();
    return Status::NotFound("no such token");
  }
  const std::int64_t owner = st.Int(0);
  const std::string name = st.Text(1);
  st.Reset();  // ends the read snapshot before the write below (see sql::Stmt::Reset)
  if (owner != actor.user_id && !HasScope(actor, Scope::kAdmin)) {
    return Status::NotFound("no such token");
  }
  Stmt del(db_.handle(), "DELETE FROM api_tokens WHERE id = ?");
  del.Bind(1, token_id);
  if (Status s = del.Run(); !s.ok()) return s;
  token_last_write_.erase(std::string(token_id));
  return AuditLocked(Actor::Of(actor), "token.revoked", "token:" + std::string(token_id),
                     {{"name", name}, {"owner_user_id", std::to_string(owner)}});
}

Result<Principal> AuthService::AuthenticateBearer(std::string_view token, std::string_view address) {
  if (!ParseApiToken(token)) return Status::NotFound("no such token");
  const std::string hash = Sha256Hex(token);
  std::lock_guard lock(mu_);
  Stmt st(db_.handle(),
          "SELECT t.id, t.user_id, t.scopes, t.last_used_at, t.name, u.disabled FROM api_tokens t "
          "JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?");
  st.Bind(1, hash);
  if (!st.Step()) {
    if (!st.ok()) return st.status();
    return Status::NotFound("no such token");
  }
  if (st.Int(5) != 0) return Status::NotFound("no such token");  // user disabled
  const std::string id = st.Text(0);
  const std::int64_t user_id = st.Int(1);
  const ScopeSet scopes = ParseScopes(st.Text(2)).value_or(0);
  // -1: never used. (A plain integer: GCC 12 -O3 warns falsely on an optional here.)
  const std::int64_t last_used = st.IsNull(3) ? -1 : st.Int(3);
  const bool used_before = last_used >= 0;
  const std::string name = st.Text(4);
  st.Reset();  // ends the read snapshot before the write below (see sql::Stmt::Reset)
  auto row = FindUserByIdLocked(user_id);
  if (!row.ok()) return row.status();
  if (!*row) return Status::NotFound("no such token");
  Principal p;
  p.user_id = user_id;
  p.username = (*row)->username;
  p.role = (*row)->role;
  auto groups = GroupsOfLocked(user_id);
  if (!groups.ok()) return groups.status();
  p.groups = std::move(*groups);
  p.via_token = true;
  p.token_id = id;
  p.scopes = scopes & ScopesAllowedFor(p.role);
  p.address = std::string(address);

  const std::int64_t now = Now();
  std::int64_t last_write = last_used;
  if (auto it = token_last_write_.find(id); it != token_last_write_.end()) {
    last_write = std::max(last_write, it->second);
  }
  if (!used_before || now - last_write >= options_.last_seen_write_interval_us) {
    Stmt up(db_.handle(), "UPDATE api_tokens SET last_used_at = ? WHERE id = ?");
    up.Bind(1, now).Bind(2, id);
    if (Status s = up.Run(); !s.ok()) return s;
    token_last_write_[id] = now;
    // Audit the first use and then at most once per interval (a day by default).
    if (!used_before || now - last_used >= options_.token_use_audit_interval_us ||
        now / options_.token_use_audit_interval_us != last_used / options_.token_use_audit_interval_us) {
      (void)AuditLocked(Actor::Of(p), "token.used", "token:" + id, {{"name", name}});
    }
  }
  return p;
}

// ---------------------------------------------------------------------------------------------
// Groups and entitlements

Status AuthService::CreateGroup(const Actor& actor, std::string_view group) {
  if (!ValidName(group)) {
    return Status::InvalidArgument("group must be 1-64 characters of a-z, 0-9, '.', '_', '-'", "group");
  }
  std::lock_guard lock(mu_);
  auto id = GroupIdLocked(group);
  if (!id.ok()) return id.status();
  if (*id) return Status(StatusCode::kAlreadyExists, "group " + std::string(group) + " exists", "group");
  Stmt st(db_.handle(), "INSERT INTO groups(name, created_at) VALUES (?, ?)");
  st.Bind(1, group).Bind(2, Now());
  if (Status s = st.Run(); !s.ok()) return s;
  return AuditLocked(actor, "group.created", "group:" + std::string(group), {});
}

Status AuthService::DeleteGroup(const Actor& actor, std::string_view group) {
  if (group == kEveryoneGroup) return Status::InvalidArgument("the everyone group is built in", "group");
  std::lock_guard lock(mu_);
  Stmt st(db_.handle(), "DELETE FROM groups WHERE name = ?");
  st.Bind(1, group);
  if (Status s = st.Run(); !s.ok()) return s;
  if (Changes(db_.handle()) == 0) return Status::NotFound("no such group: " + std::string(group));
  BumpEntitlements();
  return AuditLocked(actor, "group.deleted", "group:" + std::string(group), {});
}

Result<std::vector<GroupInfo>> AuthService::ListGroups() {
  std::lock_guard lock(mu_);
  std::vector<GroupInfo> out;
  {
    Stmt st(db_.handle(), "SELECT name, requires_2fa FROM groups ORDER BY name <> 'everyone', name");
    while (st.Step()) out.push_back({st.Text(0), st.Int(1) != 0, {}});
    if (!st.ok()) return st.status();
  }
  for (GroupInfo& g : out) {
    Stmt st(db_.handle(),
            "SELECT s.name FROM source_grants sg JOIN sources s ON s.id = sg.source_id JOIN groups "
            "g ON g.id = sg.group_id WHERE g.name = ? ORDER BY s.name");
    st.Bind(1, g.name);
    while (st.Step()) g.sources.push_back(st.Text(0));
    if (!st.ok()) return st.status();
  }
  return out;
}

Status AuthService::SetGroupRequires2fa(const Actor& actor, std::string_view group, bool required) {
  std::lock_guard lock(mu_);
  Stmt st(db_.handle(), "UPDATE groups SET requires_2fa = ? WHERE name = ?");
  st.Bind(1, required ? 1 : 0).Bind(2, group);
  if (Status s = st.Run(); !s.ok()) return s;
  if (Changes(db_.handle()) == 0) return Status::NotFound("no such group: " + std::string(group));
  return AuditLocked(actor, "group.2fa", "group:" + std::string(group),
                     {{"required", required ? "true" : "false"}});
}

Status AuthService::AddUserToGroup(const Actor& actor, std::string_view username,
                                   std::string_view group) {
  if (group == kEveryoneGroup) return Status::InvalidArgument("every user is in everyone", "group");
  std::lock_guard lock(mu_);
  auto user = FindUserLocked(username);
  if (!user.ok()) return user.status();
  if (!*user) return Status::NotFound("no such user: " + std::string(username));
  auto gid = GroupIdLocked(group);
  if (!gid.ok()) return gid.status();
  if (!*gid) return Status::NotFound("no such group: " + std::string(group));
  Stmt st(db_.handle(), "INSERT OR IGNORE INTO user_groups(user_id, group_id) VALUES (?, ?)");
  st.Bind(1, (*user)->id).Bind(2, **gid);
  if (Status s = st.Run(); !s.ok()) return s;
  BumpEntitlements();
  return AuditLocked(actor, "user.groups", "user:" + std::string(username),
                     {{"added", std::string(group)}});
}

Status AuthService::RemoveUserFromGroup(const Actor& actor, std::string_view username,
                                        std::string_view group) {
  if (group == kEveryoneGroup) return Status::InvalidArgument("every user is in everyone", "group");
  std::lock_guard lock(mu_);
  Stmt st(db_.handle(),
          "DELETE FROM user_groups WHERE user_id = (SELECT id FROM users WHERE username = ?) AND "
          "group_id = (SELECT id FROM groups WHERE name = ?)");
  st.Bind(1, username).Bind(2, group);
  if (Status s = st.Run(); !s.ok()) return s;
  if (Changes(db_.handle()) == 0) return Status::NotFound("user is not in that group");
  BumpEntitlements();
  return AuditLocked(actor, "user.groups", "user:" + std::string(username),
                     {{"removed", std::string(group)}});
}

Result<std::int64_t> AuthService::EnsureSourceLocked(std::string_view source, bool auto_grant,
                                                     bool* created) {
  *created = false;
  {
    Stmt st(db_.handle(), "SELECT id FROM sources WHERE name = ?");
    st.Bind(1, source);
    if (st.Step()) return st.Int(0);
    if (!st.ok()) return st.status();
  }
  Stmt ins(db_.handle(), "INSERT INTO sources(name, kind, created_at) VALUES (?, 'auto', ?)");
  ins.Bind(1, source).Bind(2, Now());
  if (Status s = ins.Run(); !s.ok()) return s;
  const std::int64_t id = sqlite3_last_insert_rowid(db_.handle());
  *created = true;
  if (auto_grant && !options_.restrict_new_sources) {
    Stmt g(db_.handle(),
           "INSERT OR IGNORE INTO source_grants(group_id, source_id) "
           "SELECT id, ? FROM groups WHERE name = 'everyone'");
    g.Bind(1, id);
    if (Status s = g.Run(); !s.ok()) return s;
  }
  (void)AuditLocked(Actor::System(), "source.added", "source:" + std::string(source),
                    {{"granted_to_everyone",
                      auto_grant && !options_.restrict_new_sources ? "true" : "false"}});
  return id;
}

Status AuthService::EnsureSource(std::string_view source) {
  if (source.empty() || source.size() > 256 || !IsValidUtf8(source)) {
    return Status::InvalidArgument("source name must be 1-256 bytes of UTF-8", "source");
  }
  std::lock_guard lock(mu_);
  if (known_sources_.count(std::string(source))) return Status::Ok();
  bool created = false;
  auto id = EnsureSourceLocked(source, /*auto_grant=*/true, &created);
  if (!id.ok()) return id.status();
  known_sources_.insert(std::string(source));
  if (created) BumpEntitlements();
  return Status::Ok();
}

Result<std::vector<std::string>> AuthService::ListSources() {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  Stmt st(db_.handle(), "SELECT name FROM sources ORDER BY name");
  while (st.Step()) out.push_back(st.Text(0));
  if (!st.ok()) return st.status();
  return out;
}

Status AuthService::Grant(const Actor& actor, std::string_view group, std::string_view source) {
  if (source.empty() || source.size() > 256 || !IsValidUtf8(source)) {
    return Status::InvalidArgument("source name must be 1-256 bytes of UTF-8", "source");
  }
  std::lock_guard lock(mu_);
  auto gid = GroupIdLocked(group);
  if (!gid.ok()) return gid.status();
  if (!*gid) return Status::NotFound("no such group: " + std::string(group));
  bool created = false;
  auto sid = EnsureSourceLocked(source, /*auto_grant=*/false, &created);
  if (!sid.ok()) return sid.status();
  known_sources_.insert(std::string(source));
  Stmt st(db_.handle(), "INSERT OR IGNORE INTO source_grants(group_id, source_id) VALUES (?, ?)");
  st.Bind(1, **gid).Bind(2, *sid);
  if (Status s = st.Run(); !s.ok()) return s;
  BumpEntitlements();
  return AuditLocked(actor, "grant.added", "group:" + std::string(group),
                     {{"source", std::string(source)}});
}

Status AuthService::Revoke(const Actor& actor, std::string_view group, std::string_view source) {
  std::lock_guard lock(mu_);
  Stmt st(db_.handle(),
          "DELETE FROM source_grants WHERE group_id = (SELECT id FROM groups WHERE name = ?) AND "
          "source_id = (SELECT id FROM sources WHERE name = ?)");
  st.Bind(1, group).Bind(2, source);
  if (Status s = st.Run(); !s.ok()) return s;
  if (Changes(db_.handle()) == 0) return Status::NotFound("no such grant");
  BumpEntitlements();
  return AuditLocked(actor, "grant.revoked", "group:" + std::string(group),
                     {{"source", std::string(source)}});
}

Result<EntitlementViewPtr> AuthService::ForPrincipal(const Principal& p) {
  std::lock_guard lock(mu_);
  const std::uint64_t version = entitlements_version_.load();
  if (view_cache_version_ != version) {
    view_cache_.clear();
    view_cache_version_ = version;
  }
  if (auto it = view_cache_.find(p.user_id); it != view_cache_.end()) return it->second;
  SourceSet sources;
  Stmt st(db_.handle(),
          "SELECT DISTINCT s.name FROM source_grants sg JOIN sources s ON s.id = sg.source_id "
          "WHERE sg.group_id IN (SELECT group_id FROM user_groups WHERE user_id = ?1) "
          "OR (sg.group_id = (SELECT id FROM groups WHERE name = 'everyone') "
          "    AND EXISTS (SELECT 1 FROM users WHERE id = ?1))");
  st.Bind(1, p.user_id);
  while (st.Step()) sources.insert(st.Text(0));
  if (!st.ok()) return st.status();
  auto view = std::make_shared<const EntitlementView>(std::move(sources), version);
  view_cache_[p.user_id] = view;
  return EntitlementViewPtr(view);
}

// ---------------------------------------------------------------------------------------------
// Audit

Status AuthService::Audit(const Actor& actor, std::string_view action, std::string_view target,
                          const AuditDetail& detail) {
  if (action.empty()) return Status::InvalidArgument("action is empty", "action");
  std::lock_guard lock(mu_);
  return AuditLocked(actor, action, target, detail);
}

Result<std::vector<AuditEntry>> AuthService::QueryAudit(const AuditFilter& filter) {
  const int limit = std::clamp(filter.limit, 1, 1000);
  std::string sql =
      "SELECT id, at, actor_user_id, actor_name, action, target, address, detail FROM audit_log "
      "WHERE (?1 = '' OR action = ?1) AND (?2 = '' OR actor_name = ?2) "
      "AND (?3 IS NULL OR at >= ?3) AND (?4 IS NULL OR at < ?4) AND (?5 IS NULL OR id < ?5) "
      "ORDER BY id DESC LIMIT ?6";
  std::lock_guard lock(mu_);
  Stmt st(db_.handle(), sql);
  st.Bind(1, filter.action).Bind(2, filter.actor_name);
  if (filter.since_us) st.Bind(3, *filter.since_us); else st.BindNull(3);
  if (filter.until_us) st.Bind(4, *filter.until_us); else st.BindNull(4);
  if (filter.before_id) st.Bind(5, *filter.before_id); else st.BindNull(5);
  st.Bind(6, limit);
  std::vector<AuditEntry> out;
  while (st.Step()) {
    AuditEntry e;
    e.id = st.Int(0);
    e.at_us = st.Int(1);
    if (!st.IsNull(2)) e.actor_user_id = st.Int(2);
    e.actor_name = st.Text(3);
    e.action = st.Text(4);
    e.target = st.Text(5);
    e.address = st.Text(6);
    e.detail = st.Text(7);
    out.push_back(std::move(e));
  }
  if (!st.ok()) return st.status();
  return out;
}

}  // namespace dateline
