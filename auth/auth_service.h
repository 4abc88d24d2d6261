// AuthService: accounts, password + TOTP login, sessions, API tokens, source entitlements and
// the audit log, over the metadata database (store/metadata_db.h) and an injectable Clock.
//
// Contract for callers (the HTTP server and the CLI):
//
//  * Threads. Every method is thread-safe. One internal mutex guards the database work and the
//    in-memory state; argon2id hashing and verification (tens of ms at the default cost) run
//    outside it, so logins do not stall Authenticate for other requests.
//  * Ownership. The service borrows `db` and `clock`; both must outlive it. It assumes it is the
//    only writer of the tables it owns (users' auth columns, groups, user_groups, sources,
//    source_grants, sessions, recovery_codes, api_tokens, audit_log).
//  * Callbacks. The SessionEndListener is called after the internal mutex is released, on the
//    calling thread of whichever method ended the session. It may call back into the service.
//  * Errors. Database failures are kIOError. Input errors are kInvalidArgument with the field
//    named ("username", "password", "code", "scopes", "name", "group", "source", ...).
//    A failed login is ALWAYS kInvalidArgument, field "credentials", message
//    "invalid username or password" (StatusCode has no kUnauthenticated; map
//    LoginResult::kInvalidCredentials to 401). Authenticate/AuthenticateBearer fail with
//    kNotFound ("no such session" / "no such token") for unknown, expired, revoked or disabled
//    ones: map that to 401 there. Throttled logins are kUnavailable with retry_after_seconds set
//    (map to 429 + Retry-After). Acting on something that is not yours (another user's session or
//    token without the admin scope) is kNotFound, so its existence is not revealed.
//  * Authorisation. Methods that take an `Actor` are administrative: the service records the
//    actor in the audit log but does NOT check that the actor is an admin — the caller must
//    check HasScope(principal, Scope::kAdmin) first. Methods that take a `Principal` act on the
//    principal's own account and enforce ownership themselves.
//  * There are no pre-login sessions: Login always mints a fresh random session token, so no
//    token an attacker planted before login (session fixation) can ever become valid.
//  * Restricted sessions. A session with must_change_password or must_enroll_2fa gets
//    HasScope() == false for everything; the server must allow it only ChangePassword (or the
//    TOTP enrolment calls), Logout, and reading its own principal.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "auth/audit_log.h"
#include "auth/entitlements.h"
#include "auth/login_throttle.h"
#include "auth/password_hash.h"
#include "auth/principal.h"
#include "auth/totp.h"
#include "core/clock.h"
#include "core/status.h"

namespace dateline {

class MetadataDb;

struct AuthOptions {
  PasswordHashCost password_cost;        // OWASP minimum by default; tests use Minimum()
  PasswordPolicy password_policy;        // min 12 code points, max 1024 bytes
  LoginThrottleOptions throttle;         // backoff after 5 failures, 15 min lockout after 10
  std::int64_t session_idle_timeout_us = 30 * 60 * 1'000'000LL;
  std::int64_t session_absolute_timeout_us = 12 * 3600 * 1'000'000LL;
  std::int64_t last_seen_write_interval_us = 60 * 1'000'000LL;  // DB write throttle
  int max_sessions_per_user = 0;         // 0 = unlimited; 1 = newest login ends older sessions
  bool restrict_new_sources = false;     // true: new sources are not granted to `everyone`
  TotpParams totp;                       // SHA1, 6 digits, 30 s
  int totp_window = 1;                   // accepted steps either side of now
  std::int64_t token_use_audit_interval_us = 24 * 3600 * 1'000'000LL;
};

// Who performs an administrative action (for the audit log).
struct Actor {
  std::optional<std::int64_t> user_id;
  std::string name;     // "" = the system (CLI, first start)
  std::string address;
  static Actor System() { return {}; }
  static Actor Of(const Principal& p) { return {p.user_id, p.username, p.address}; }
};

struct UserInfo {
  std::int64_t id = 0;
  std::string username;
  Role role = Role::kReader;
  std::vector<std::string> groups;  // "everyone" first, then the others by name
  bool disabled = false;
  bool must_change_password = false;
  bool totp_enabled = false;
  std::int64_t created_at_us = 0;
};

struct NewUser {
  std::string username;  // 1–64 of [a-z0-9._-]
  std::string password;  // checked against the policy
  Role role = Role::kReader;
  std::vector<std::string> groups;  // existing groups ("everyone" is implicit)
  bool must_change_password = true;
};

struct LoginRequest {
  std::string username;
  std::string password;
  std::string second_factor;  // TOTP code or recovery code; may be empty
  std::string address;
  std::string user_agent;
};

enum class LoginResult {
  kOk,                    // session_token, csrf_token and principal are set
  kSecondFactorRequired,  // password right, 2FA enabled, no code given: ask for it, retry
  kInvalidCredentials,    // error = InvalidArgument("invalid username or password", "credentials")
  kThrottled,             // error = Unavailable("too many attempts, retry after N s")
  kError,                 // error = an internal/IO failure
};

struct LoginOutcome {
  LoginResult result = LoginResult::kError;
  Status error;
  std::int64_t retry_after_seconds = 0;  // kThrottled only
  // kOk only. The plaintext tokens are returned exactly once; only their hashes are stored.
  std::string session_token;
  std::string csrf_token;
  Principal principal;  // check principal.must_change_password / must_enroll_2fa
  bool ok() const { return result == LoginResult::kOk; }
};

struct SessionInfo {
  std::string session_id;
  std::int64_t user_id = 0;
  std::int64_t created_at_us = 0;
  std::int64_t last_seen_at_us = 0;
  std::string address;
  std::string user_agent;
};

enum class SessionEndReason {
  kLogout, kRevoked, kExpired, kUserDisabled, kEvicted, kPasswordChanged, kPasswordReset,
};
std::string_view SessionEndReasonName(SessionEndReason r);

// Called whenever a session ends, so the server can close that session's WebSockets.
// session_id is Principal::session_id.
using SessionEndListener =
    std::function<void(const std::string& session_id, std::int64_t user_id, SessionEndReason)>;

struct TotpEnrollment {
  std::string secret_base32;  // for manual entry
  std::string otpauth_uri;
  std::string qr_svg;         // standalone SVG of the URI
};

struct CreatedApiToken {
  std::string id;     // public id (ListTokens, RevokeToken)
  std::string token;  // "dl_…" plaintext, shown once
};

struct TokenInfo {
  std::string id;
  std::int64_t user_id = 0;
  std::string name;
  std::string prefix;  // first characters of the token, to recognise it
  ScopeSet scopes = 0;
  std::int64_t created_at_us = 0;
  std::optional<std::int64_t> last_used_at_us;  // updated at most once a minute
};

struct GroupInfo {
  std::string name;
  bool requires_2fa = false;
  std::vector<std::string> sources;  // granted sources, by name
};

inline constexpr std::string_view kEveryoneGroup = "everyone";
inline constexpr int kRecoveryCodeCount = 10;

class AuthService {
 public:
  // `db` must have migration 2 applied (MetadataDb::Open does that).
  AuthService(MetadataDb& db, const Clock& clock, AuthOptions options = {});
  ~AuthService();
  AuthService(const AuthService&) = delete;
  AuthService& operator=(const AuthService&) = delete;

  // Replaces the listener (nullptr: none). Set it before serving requests.
  void SetSessionEndListener(SessionEndListener listener);

  // ---- Users (administrative) ----

  // When no user exists, creates `admin` (role admin, must_change_password) with a random
  // 20-character one-time password and returns that password, which is stored only hashed: the
  // caller prints it once. Otherwise nullopt.
  Result<std::optional<std::string>> EnsureFirstAdmin();

  Result<UserInfo> AddUser(const Actor& actor, const NewUser& user);
  Result<std::vector<UserInfo>> ListUsers();
  Result<UserInfo> GetUser(std::string_view username);  // kNotFound
  // Disabling ends every session of the user (kUserDisabled) and stops their tokens.
  Status SetUserDisabled(const Actor& actor, std::string_view username, bool disabled);
  Status SetUserRole(const Actor& actor, std::string_view username, Role role);
  // Sets a new password (a random 20-character one when `new_password` is empty, else checked
  // against the policy), sets must_change_password, ends all of the user's sessions
  // (kPasswordReset) and returns the password.
  Result<std::string> ResetPassword(const Actor& actor, std::string_view username,
                                    std::string_view new_password = {});
  // Turns the user's 2FA off and deletes their recovery codes (lost phone).
  Status ResetTotp(const Actor& actor, std::string_view username);

  // ---- Self service ----

  // Needs the current password. Clears must_change_password; ends the user's other sessions
  // (kPasswordChanged); the calling session stays. Wrong old password: kInvalidArgument, field
  // "old_password" (counted as a login failure for throttling); new one: the policy errors.
  Status ChangePassword(const Principal& self, std::string_view old_password,
                        std::string_view new_password);

  // ---- Login and sessions ----

  LoginOutcome Login(const LoginRequest& request);

  // The principal of a session token (from the cookie), or kNotFound. Enforces the idle and
  // absolute timeouts (an expired session is deleted and the listener told), records
  // last_seen/address/user_agent (written to the database at most once a minute).
  Result<Principal> Authenticate(std::string_view session_token, std::string_view address = {},
                                 std::string_view user_agent = {});

  // Ends the session of this token (no error if it was already gone).
  Status Logout(std::string_view session_token);

  // Live sessions of a user, newest first.
  Result<std::vector<SessionInfo>> ListSessions(std::int64_t user_id);

  // Ends a session: your own, or anyone's with the admin scope; kNotFound otherwise.
  Status RevokeSession(const Principal& actor, std::string_view session_id);

  // True while the session exists — not ended by this process or another (e.g. `dateline user
  // disable` on the command line) — without counting as activity. Live streams poll it.
  Result<bool> SessionExists(std::string_view session_id);

  // Deletes expired sessions, telling the listener; returns how many. Call it every minute or so
  // so idle sessions' WebSockets are closed even when no request touches them.
  Result<int> SweepExpiredSessions();

  // Constant-time check of the CSRF header against the session's token. False for tokens.
  static bool CheckCsrf(const Principal& session, std::string_view header_value);

  // ---- TOTP ----

  // Starts (or restarts) enrolment: a new pending secret, not used for login until confirmed.
  // kAlreadyExists when 2FA is already on.
  Result<TotpEnrollment> BeginTotpEnrollment(const Principal& self);
  // Confirms with a current code from the app; turns 2FA on and returns 10 single-use recovery
  // codes (xxxx-xxxx-xxxx, shown once, stored hashed). Wrong code: kInvalidArgument "code".
  Result<std::vector<std::string>> ConfirmTotpEnrollment(const Principal& self,
                                                         std::string_view code);
  // Turns 2FA off; needs a current TOTP code or an unused recovery code.
  Status DisableTotp(const Principal& self, std::string_view code);
  Result<int> RemainingRecoveryCodes(std::int64_t user_id);

  // ---- API tokens ----

  // Only from a (non-restricted) session. `scopes` must be non-empty and allowed for the role.
  Result<CreatedApiToken> CreateToken(const Principal& self, std::string_view name, ScopeSet scopes);
  // Administrative (the CLI's `dateline token create USER`): a token for another user, with the
  // same scope rules as CreateToken for that user's role.
  Result<CreatedApiToken> CreateTokenForUser(const Actor& actor, std::string_view username,
                                             std::string_view name, ScopeSet scopes);
  Result<std::vector<TokenInfo>> ListTokens(std::int64_t user_id);
  // Your own token, or anyone's with the admin scope; kNotFound otherwise.
  Status RevokeToken(const Principal& actor, std::string_view token_id);
  // The principal of an "Authorization: Bearer dl_…" token, or kNotFound.
  Result<Principal> AuthenticateBearer(std::string_view token, std::string_view address = {});

  // ---- Groups and entitlements (administrative) ----

  Status CreateGroup(const Actor& actor, std::string_view group);
  Status DeleteGroup(const Actor& actor, std::string_view group);  // not "everyone"
  Result<std::vector<GroupInfo>> ListGroups();
  // Members of a group that requires 2FA and have not enabled it get must_enroll_2fa sessions.
  Status SetGroupRequires2fa(const Actor& actor, std::string_view group, bool required);
  // Membership of "everyone" is implicit and cannot be changed.
  Status AddUserToGroup(const Actor& actor, std::string_view username, std::string_view group);
  Status RemoveUserFromGroup(const Actor& actor, std::string_view username,
                             std::string_view group);

  // Records a source on first sight (cheap afterwards: an in-memory set). A new source is
  // granted to "everyone" unless AuthOptions::restrict_new_sources.
  Status EnsureSource(std::string_view source);
  Result<std::vector<std::string>> ListSources();
  // Grant on a source not seen yet creates it WITHOUT the automatic "everyone" grant.
  Status Grant(const Actor& actor, std::string_view group, std::string_view source);
  Status Revoke(const Actor& actor, std::string_view group, std::string_view source);

  // What `p`'s user may see now (groups read from the database, not from `p`). Admins are not
  // exempt. Cached per user until the next change; a deleted user gets an empty view.
  Result<EntitlementViewPtr> ForPrincipal(const Principal& p);
  // Increases on every change that can alter any view (grants, memberships, groups, sources).
  std::uint64_t EntitlementsVersion() const { return entitlements_version_.load(); }

  // ---- Audit log ----

  Status Audit(const Actor& actor, std::string_view action, std::string_view target,
               const AuditDetail& detail = {});
  // Newest first, filtered; limit clamped to 1..1000.
  Result<std::vector<AuditEntry>> QueryAudit(const AuditFilter& filter);

  const AuthOptions& options() const { return options_; }

 private:
  struct Ended {
    std::string session_id;
    std::int64_t user_id;
    SessionEndReason reason;
  };
  struct UserRow;

  void Fire(const std::vector<Ended>& ended);
  Result<CreatedApiToken> IssueToken(const Actor& actor, const Principal& owner,
                                     std::string_view name, ScopeSet scopes);
  std::int64_t Now() const { return clock_.NowMicros(); }
  void BumpEntitlements();

  // All *Locked helpers expect mu_ held.
  Status AuditLocked(const Actor& actor, std::string_view action, std::string_view target,
                     const AuditDetail& detail);
  Result<std::optional<UserRow>> FindUserLocked(std::string_view username);
  Result<std::optional<UserRow>> FindUserByIdLocked(std::int64_t id);
  Result<std::vector<std::string>> GroupsOfLocked(std::int64_t user_id);
  Result<bool> MustEnroll2faLocked(std::int64_t user_id, bool totp_enabled);
  Result<std::optional<std::int64_t>> GroupIdLocked(std::string_view group);
  Result<std::int64_t> EnsureSourceLocked(std::string_view source, bool auto_grant, bool* created);
  Status EndSessionsLocked(const std::string& where_sql, std::int64_t user_id,
                           std::string_view except_id, SessionEndReason reason,
                           std::vector<Ended>* ended);
  Status DeleteSessionLocked(const std::string& session_id, std::int64_t user_id,
                             SessionEndReason reason, std::vector<Ended>* ended);
  Result<bool> VerifySecondFactorLocked(const UserRow& user, std::string_view input,
                                        const std::string& address);
  Result<std::vector<std::string>> NewRecoveryCodesLocked(std::int64_t user_id);
  Result<UserInfo> UserInfoLocked(const UserRow& row);
  Result<Principal> PrincipalForUserLocked(const UserRow& row);
  Status ClearTotpLocked(std::int64_t user_id);

  MetadataDb& db_;
  const Clock& clock_;
  const AuthOptions options_;
  LoginThrottle throttle_;
  std::string dummy_hash_;  // verified for unknown users so timing does not tell

  std::mutex mu_;
  SessionEndListener listener_;  // guarded by mu_ (copied out before calling)
  std::unordered_map<std::string, std::int64_t> session_last_seen_;  // id → µs (in memory)
  std::unordered_map<std::string, std::int64_t> token_last_write_;   // id → µs
  std::unordered_set<std::string> known_sources_;
  std::unordered_map<std::int64_t, EntitlementViewPtr> view_cache_;
  std::uint64_t view_cache_version_ = 0;
  std::atomic<std::uint64_t> entitlements_version_{1};
};

}  // namespace dateline
