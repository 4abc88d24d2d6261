// Tests of AuthService over a temporary MetadataDb and a ManualClock.
#include "auth/auth_service.h"

#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "auth/encoding.h"
#include "auth/totp.h"
#include "store/metadata_db.h"

namespace dateline {
namespace {

constexpr std::int64_t kSec = 1'000'000;
constexpr std::int64_t kMin = 60 * kSec;
constexpr const char* kPw = "a perfectly fine passphrase";

class AuthServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/dateline-auth-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto db = MetadataDb::Open(dir_ + "/metadata.db");
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
    Make(AuthOptions());
  }
  void TearDown() override {
    auth_.reset();
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Make(AuthOptions options) {
    options.password_cost = PasswordHashCost::Minimum();
    auth_.reset();
    auth_ = std::make_unique<AuthService>(*db_, clock_, options);
    auth_->SetSessionEndListener([this](const std::string& id, std::int64_t user, SessionEndReason r) {
      ended_.emplace_back(id, user, r);
    });
  }
  UserInfo Add(const std::string& name, Role role = Role::kReader,
               std::vector<std::string> groups = {}) {
    auto u = auth_->AddUser(Actor::System(), {name, kPw, role, std::move(groups), false});
    EXPECT_TRUE(u.ok()) << u.status().ToString();
    return u.ok() ? *u : UserInfo();
  }
  LoginOutcome Login(const std::string& user, const std::string& pw = kPw,
                     const std::string& code = "", const std::string& addr = "10.0.0.1") {
    return auth_->Login({user, pw, code, addr, "test-agent"});
  }
  std::string Scalar(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_->handle(), sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sql;
    std::string out;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    return out;
  }
  int CountAudit(const std::string& action) {
    AuditFilter f;
    f.action = action;
    f.limit = 1000;
    auto rows = auth_->QueryAudit(f);
    EXPECT_TRUE(rows.ok());
    return rows.ok() ? static_cast<int>(rows->size()) : -1;
  }
  // Enrols TOTP for `user` (logged in) and returns {raw secret, recovery codes}.
  std::pair<std::string, std::vector<std::string>> Enroll(const Principal& p) {
    auto e = auth_->BeginTotpEnrollment(p);
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    auto key = Base32Decode(e->secret_base32);
    EXPECT_TRUE(key.ok());
    auto codes = auth_->ConfirmTotpEnrollment(p, TotpAt(*key, clock_.NowMicros() / kSec));
    EXPECT_TRUE(codes.ok()) << codes.status().ToString();
    return {*key, codes.ok() ? *codes : std::vector<std::string>()};
  }

  std::string dir_;
  std::unique_ptr<MetadataDb> db_;
  ManualClock clock_{1'700'000'000LL * kSec};
  std::unique_ptr<AuthService> auth_;
  std::vector<std::tuple<std::string, std::int64_t, SessionEndReason>> ended_;
};

TEST_F(AuthServiceTest, SchemaHasAuthTables) {
  EXPECT_GE(db_->SchemaVersion(), 2);
  for (const char* t : {"sessions", "recovery_codes", "api_tokens", "audit_log"}) {
    EXPECT_EQ(Scalar(std::string("SELECT count(*) FROM sqlite_master WHERE name='") + t + "'"), "1");
  }
  EXPECT_EQ(Scalar("SELECT count(*) FROM groups WHERE name='everyone'"), "1");
}

TEST_F(AuthServiceTest, FirstAdminOnlyOnce) {
  auto pw = auth_->EnsureFirstAdmin();
  ASSERT_TRUE(pw.ok());
  ASSERT_TRUE(pw->has_value());
  EXPECT_EQ((*pw)->size(), 20u);
  for (char c : **pw) EXPECT_EQ(std::string("0O1lI\"' \\").find(c), std::string::npos) << c;
  auto again = auth_->EnsureFirstAdmin();
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->has_value());
  auto out = Login("admin", **pw);
  ASSERT_TRUE(out.ok()) << out.error.ToString();
  EXPECT_TRUE(out.principal.must_change_password);
  EXPECT_EQ(out.principal.role, Role::kAdmin);
  EXPECT_FALSE(HasScope(out.principal, Scope::kAdmin));  // restricted until changed
  // The restricted session can change the password, after which it is a normal session.
  ASSERT_TRUE(auth_->ChangePassword(out.principal, **pw, "a brand new admin passphrase").ok());
  auto p = auth_->Authenticate(out.session_token);
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->must_change_password);
  EXPECT_TRUE(HasScope(*p, Scope::kAdmin));
}

TEST_F(AuthServiceTest, AddUserValidates) {
  EXPECT_EQ(auth_->AddUser(Actor::System(), {"Bad Name", kPw}).status().field(), "username");
  EXPECT_EQ(auth_->AddUser(Actor::System(), {"", kPw}).status().field(), "username");
  EXPECT_EQ(auth_->AddUser(Actor::System(), {std::string(65, 'a'), kPw}).status().field(), "username");
  EXPECT_EQ(auth_->AddUser(Actor::System(), {"bob", "password1234"}).status().field(), "password");
  EXPECT_EQ(auth_->AddUser(Actor::System(), {"bob", "short"}).status().field(), "password");
  EXPECT_EQ(auth_->AddUser(Actor::System(), {"bob", kPw, Role::kReader, {"nogroup"}}).status().field(),
            "groups");
  Add("bob");
  EXPECT_EQ(auth_->AddUser(Actor::System(), {"bob", kPw}).status().code(), StatusCode::kAlreadyExists);
  auto u = auth_->GetUser("bob");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->groups, std::vector<std::string>{"everyone"});
  auto all = auth_->ListUsers();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 1u);
  // The password is stored only as an argon2id hash.
  EXPECT_EQ(Scalar("SELECT password_hash FROM users WHERE username='bob'").rfind("$argon2id$", 0), 0u);
}

TEST_F(AuthServiceTest, LoginIssuesSessionStoredOnlyAsHash) {
  Add("alice");
  auto out = Login("alice");
  ASSERT_TRUE(out.ok()) << out.error.ToString();
  EXPECT_EQ(out.session_token.size(), 43u);
  EXPECT_EQ(out.csrf_token.size(), 43u);
  EXPECT_EQ(out.principal.username, "alice");
  EXPECT_EQ(out.principal.session_id.size(), 16u);
  EXPECT_EQ(Scalar("SELECT count(*) FROM sessions WHERE token_hash = '" + out.session_token + "'"), "0");
  EXPECT_EQ(Scalar("SELECT count(*) FROM sessions"), "1");
  auto p = auth_->Authenticate(out.session_token, "10.0.0.1", "ua");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->session_id, out.principal.session_id);
  EXPECT_FALSE(p->via_token);
  EXPECT_TRUE(HasScope(*p, Scope::kStoriesRead));
  EXPECT_FALSE(HasScope(*p, Scope::kStoriesWrite));
  EXPECT_TRUE(AuthService::CheckCsrf(*p, out.csrf_token));
  EXPECT_FALSE(AuthService::CheckCsrf(*p, out.session_token));
  EXPECT_FALSE(AuthService::CheckCsrf(*p, ""));
  // Username lookup is case-insensitive; a second login is a distinct session.
  auto again = Login("ALICE");
  ASSERT_TRUE(again.ok());
  EXPECT_NE(again.session_token, out.session_token);
  EXPECT_EQ(CountAudit("login.ok"), 2);
  // Garbage tokens are just unknown.
  EXPECT_EQ(auth_->Authenticate("nope").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(auth_->Authenticate(std::string(43, 'A')).status().code(), StatusCode::kNotFound);
}

TEST_F(AuthServiceTest, FailuresAreGenericForUnknownUserWrongPasswordAndDisabled) {
  Add("alice");
  Add("carol");
  ASSERT_TRUE(auth_->SetUserDisabled(Actor::System(), "carol", true).ok());
  for (auto out : {Login("alice", "wrong password here"), Login("nobody"), Login("carol"),
                   Login("alice", "")}) {
    EXPECT_EQ(out.result, LoginResult::kInvalidCredentials);
    EXPECT_EQ(out.error.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(out.error.field(), "credentials");
    EXPECT_EQ(out.error.message(), "invalid username or password");
    EXPECT_TRUE(out.session_token.empty());
  }
  EXPECT_EQ(CountAudit("login.failed"), 4);
  AuditFilter f;
  f.action = "login.failed";
  f.actor_name = "nobody";
  auto rows = auth_->QueryAudit(f);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].address, "10.0.0.1");
  EXPECT_NE((*rows)[0].detail.find("unknown user"), std::string::npos);
}

TEST_F(AuthServiceTest, BackoffThenLockoutAndExpiry) {
  Add("alice");
  // Four failures: no backoff yet.
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(Login("alice", "wrong password " + std::to_string(i)).result,
              LoginResult::kInvalidCredentials);
  }
  EXPECT_EQ(Login("alice", "wrong password 4").result, LoginResult::kInvalidCredentials);
  // After the fifth: 1 s backoff, even for the right password.
  auto t = Login("alice");
  EXPECT_EQ(t.result, LoginResult::kThrottled);
  EXPECT_EQ(t.error.code(), StatusCode::kUnavailable);
  EXPECT_EQ(t.retry_after_seconds, 1);
  EXPECT_NE(t.error.message().find("too many attempts, retry after 1 s"), std::string::npos);
  // Failures 6..9 double the wait: 2, 4, 8, 16 s.
  std::int64_t expect = 1;
  for (int i = 6; i <= 9; ++i) {
    clock_.Advance(expect * kSec);
    EXPECT_EQ(Login("alice", "wrong again").result, LoginResult::kInvalidCredentials) << i;
    expect *= 2;
    EXPECT_EQ(Login("alice").retry_after_seconds, expect) << i;
  }
  clock_.Advance(expect * kSec);
  // The tenth consecutive failure locks the account for 15 minutes (audited).
  EXPECT_EQ(Login("alice", "wrong again").result, LoginResult::kInvalidCredentials);
  EXPECT_EQ(CountAudit("login.locked"), 1);
  auto locked = Login("alice", kPw, "", "10.9.9.9");  // from another address too
  EXPECT_EQ(locked.result, LoginResult::kThrottled);
  EXPECT_EQ(locked.retry_after_seconds, 15 * 60);
  clock_.Advance(14 * kMin);
  EXPECT_EQ(Login("alice", kPw, "", "10.9.9.9").result, LoginResult::kThrottled);
  clock_.Advance(1 * kMin);
  auto ok = Login("alice", kPw, "", "10.9.9.9");
  EXPECT_TRUE(ok.ok()) << ok.error.ToString();
  // Success resets the account counter: four new failures do not throttle.
  for (int i = 0; i < 4; ++i) Login("alice", "nope nope nope", "", "10.9.9.8");
  EXPECT_TRUE(Login("alice", kPw, "", "10.9.9.7").ok());
}

TEST_F(AuthServiceTest, AddressBackoffCoversUnknownUsers) {
  for (int i = 0; i < 5; ++i) Login("user" + std::to_string(i), "whatever whatever", "", "6.6.6.6");
  auto t = Login("someone-else", "whatever whatever", "", "6.6.6.6");
  EXPECT_EQ(t.result, LoginResult::kThrottled);
  EXPECT_EQ(t.retry_after_seconds, 1);
}

TEST_F(AuthServiceTest, SessionIdleTimeout) {
  Add("alice");
  auto out = Login("alice");
  ASSERT_TRUE(out.ok());
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(29 * kMin);
    ASSERT_TRUE(auth_->Authenticate(out.session_token).ok()) << i;  // activity keeps it alive
  }
  clock_.Advance(30 * kMin);
  EXPECT_EQ(auth_->Authenticate(out.session_token).status().code(), StatusCode::kNotFound);
  ASSERT_EQ(ended_.size(), 1u);
  EXPECT_EQ(std::get<0>(ended_[0]), out.principal.session_id);
  EXPECT_EQ(std::get<2>(ended_[0]), SessionEndReason::kExpired);
  EXPECT_EQ(Scalar("SELECT count(*) FROM sessions"), "0");
  // Still gone after the clock is (impossibly) turned back.
  clock_.Advance(-60 * kMin);
  EXPECT_FALSE(auth_->Authenticate(out.session_token).ok());
}

TEST_F(AuthServiceTest, SessionAbsoluteTimeout) {
  Add("alice");
  auto out = Login("alice");
  ASSERT_TRUE(out.ok());
  for (int i = 0; i < 35; ++i) {  // 35 * 20 min = 11 h 40 min
    clock_.Advance(20 * kMin);
    ASSERT_TRUE(auth_->Authenticate(out.session_token).ok()) << i;
  }
  clock_.Advance(20 * kMin);  // 12 h
  EXPECT_FALSE(auth_->Authenticate(out.session_token).ok());
  ASSERT_EQ(ended_.size(), 1u);
  EXPECT_EQ(std::get<2>(ended_[0]), SessionEndReason::kExpired);
  EXPECT_GE(CountAudit("session.expired"), 1);
}

TEST_F(AuthServiceTest, LastSeenWriteIsThrottledAndSweepEndsIdleSessions) {
  Add("alice");
  auto out = Login("alice");
  ASSERT_TRUE(out.ok());
  const std::string created = Scalar("SELECT last_seen_at FROM sessions");
  clock_.Advance(30 * kSec);
  ASSERT_TRUE(auth_->Authenticate(out.session_token, "10.0.0.2", "ua2").ok());
  EXPECT_EQ(Scalar("SELECT last_seen_at FROM sessions"), created);  // < 1 min: not written
  clock_.Advance(31 * kSec);
  ASSERT_TRUE(auth_->Authenticate(out.session_token, "10.0.0.2", "ua2").ok());
  EXPECT_NE(Scalar("SELECT last_seen_at FROM sessions"), created);
  EXPECT_EQ(Scalar("SELECT address FROM sessions"), "10.0.0.2");
  EXPECT_EQ(Scalar("SELECT user_agent FROM sessions"), "ua2");
  auto list = auth_->ListSessions(out.principal.user_id);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].last_seen_at_us, clock_.NowMicros());
  clock_.Advance(31 * kMin);
  auto swept = auth_->SweepExpiredSessions();
  ASSERT_TRUE(swept.ok());
  EXPECT_EQ(*swept, 1);
  EXPECT_EQ(ended_.size(), 1u);
}

TEST_F(AuthServiceTest, ConcurrentSessionLimitEvictsOlder) {
  AuthOptions o;
  o.max_sessions_per_user = 1;
  Make(o);
  Add("alice");
  auto first = Login("alice");
  ASSERT_TRUE(first.ok());
  clock_.Advance(kSec);
  auto second = Login("alice");
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(auth_->Authenticate(first.session_token).ok());
  EXPECT_TRUE(auth_->Authenticate(second.session_token).ok());
  ASSERT_EQ(ended_.size(), 1u);
  EXPECT_EQ(std::get<0>(ended_[0]), first.principal.session_id);
  EXPECT_EQ(std::get<2>(ended_[0]), SessionEndReason::kEvicted);

  o.max_sessions_per_user = 2;
  Make(o);
  ended_.clear();
  auto a = Login("alice");
  clock_.Advance(kSec);
  auto b = Login("alice");
  clock_.Advance(kSec);
  auto c = Login("alice");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  // second (oldest) and a are evicted in turn, keeping the two newest.
  EXPECT_FALSE(auth_->Authenticate(a.session_token).ok());
  EXPECT_TRUE(auth_->Authenticate(b.session_token).ok());
  EXPECT_TRUE(auth_->Authenticate(c.session_token).ok());
  EXPECT_EQ(ended_.size(), 2u);
}

TEST_F(AuthServiceTest, RevokeOwnOrAsAdminAndLogout) {
  Add("alice");
  Add("bob");
  Add("root", Role::kAdmin);
  auto a1 = Login("alice");
  auto a2 = Login("alice");
  auto b = Login("bob");
  auto r = Login("root");
  ASSERT_TRUE(a1.ok() && a2.ok() && b.ok() && r.ok());
  // Bob cannot see or end Alice's session.
  EXPECT_EQ(auth_->RevokeSession(b.principal, a1.principal.session_id).code(), StatusCode::kNotFound);
  EXPECT_TRUE(auth_->Authenticate(a1.session_token).ok());
  // Alice ends her other session; the admin ends Bob's.
  EXPECT_TRUE(auth_->RevokeSession(a1.principal, a2.principal.session_id).ok());
  EXPECT_FALSE(auth_->Authenticate(a2.session_token).ok());
  EXPECT_TRUE(auth_->RevokeSession(r.principal, b.principal.session_id).ok());
  EXPECT_FALSE(auth_->Authenticate(b.session_token).ok());
  EXPECT_EQ(auth_->RevokeSession(r.principal, "0000000000000000").code(), StatusCode::kNotFound);
  // Logout.
  EXPECT_TRUE(auth_->Logout(a1.session_token).ok());
  EXPECT_FALSE(auth_->Authenticate(a1.session_token).ok());
  EXPECT_TRUE(auth_->Logout(a1.session_token).ok());  // idempotent
  ASSERT_EQ(ended_.size(), 3u);
  EXPECT_EQ(std::get<2>(ended_[0]), SessionEndReason::kRevoked);
  EXPECT_EQ(std::get<2>(ended_[2]), SessionEndReason::kLogout);
  EXPECT_EQ(CountAudit("session.revoked"), 2);
  EXPECT_EQ(CountAudit("logout"), 1);
}

TEST_F(AuthServiceTest, PasswordResetAndChange) {
  Add("alice");
  auto s1 = Login("alice");
  auto s2 = Login("alice");
  ASSERT_TRUE(s1.ok() && s2.ok());
  // Changing needs the old password, meets the policy, ends other sessions only.
  EXPECT_EQ(auth_->ChangePassword(s1.principal, "not the password", "another fine passphrase").field(),
            "old_password");
  EXPECT_EQ(auth_->ChangePassword(s1.principal, kPw, "qwerty123456").field(), "password");
  ASSERT_TRUE(auth_->ChangePassword(s1.principal, kPw, "another fine passphrase").ok());
  EXPECT_TRUE(auth_->Authenticate(s1.session_token).ok());
  EXPECT_FALSE(auth_->Authenticate(s2.session_token).ok());
  EXPECT_FALSE(Login("alice").ok());
  EXPECT_TRUE(Login("alice", "another fine passphrase").ok());
  // An admin reset ends every session and forces a change at next login.
  ended_.clear();
  auto pw = auth_->ResetPassword(Actor::System(), "alice");
  ASSERT_TRUE(pw.ok());
  EXPECT_EQ(pw->size(), 20u);
  EXPECT_FALSE(auth_->Authenticate(s1.session_token).ok());
  EXPECT_EQ(ended_.size(), 2u);
  EXPECT_EQ(std::get<2>(ended_[0]), SessionEndReason::kPasswordReset);
  auto after = Login("alice", *pw);
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after.principal.must_change_password);
  EXPECT_TRUE(after.principal.restricted());
  EXPECT_FALSE(HasScope(after.principal, Scope::kStoriesRead));
  EXPECT_FALSE(auth_->CreateToken(after.principal, "t", static_cast<ScopeSet>(Scope::kStoriesRead)).ok());
  EXPECT_EQ(CountAudit("password.reset"), 1);
  EXPECT_EQ(CountAudit("password.changed"), 1);
  EXPECT_EQ(auth_->ResetPassword(Actor::System(), "alice", "password").status().field(), "password");
  EXPECT_EQ(auth_->ResetPassword(Actor::System(), "ghost").status().code(), StatusCode::kNotFound);
}

TEST_F(AuthServiceTest, TotpLoginReplayAndRecoveryCodes) {
  Add("alice");
  auto s = Login("alice");
  ASSERT_TRUE(s.ok());
  auto enrollment = auth_->BeginTotpEnrollment(s.principal);
  ASSERT_TRUE(enrollment.ok());
  EXPECT_EQ(enrollment->secret_base32.size(), 32u);
  EXPECT_EQ(enrollment->otpauth_uri.rfind("otpauth://totp/Dateline:alice?secret=" +
                                              enrollment->secret_base32 + "&issuer=Dateline",
                                          0),
            0u);
  EXPECT_NE(enrollment->qr_svg.find("<svg"), std::string::npos);
  // Pending: login does not ask for a code yet; a wrong confirmation code is refused.
  EXPECT_TRUE(Login("alice").ok());
  EXPECT_EQ(auth_->ConfirmTotpEnrollment(s.principal, "000000").status().field(), "code");
  auto key = Base32Decode(enrollment->secret_base32);
  ASSERT_TRUE(key.ok());
  auto codes = auth_->ConfirmTotpEnrollment(s.principal, TotpAt(*key, clock_.NowMicros() / kSec));
  ASSERT_TRUE(codes.ok()) << codes.status().ToString();
  ASSERT_EQ(codes->size(), 10u);
  EXPECT_EQ(Scalar("SELECT count(*) FROM recovery_codes"), "10");
  EXPECT_EQ(Scalar("SELECT count(*) FROM recovery_codes WHERE code_hash = '" + (*codes)[0] + "'"), "0");
  EXPECT_EQ(CountAudit("2fa.enrolled"), 1);

  // Password alone: the second factor is asked for, no session.
  auto need = Login("alice");
  EXPECT_EQ(need.result, LoginResult::kSecondFactorRequired);
  EXPECT_TRUE(need.session_token.empty());
  // The code used for confirmation cannot be used again (same step).
  const std::string now_code = TotpAt(*key, clock_.NowMicros() / kSec);
  EXPECT_EQ(Login("alice", kPw, now_code).result, LoginResult::kInvalidCredentials);
  // Next step's code works once, then is a replay.
  clock_.Advance(30 * kSec);
  const std::string next = TotpAt(*key, clock_.NowMicros() / kSec);
  auto ok = Login("alice", kPw, next);
  EXPECT_TRUE(ok.ok()) << ok.error.ToString();
  auto replay = Login("alice", kPw, next);
  EXPECT_EQ(replay.result, LoginResult::kInvalidCredentials);
  EXPECT_EQ(replay.error.message(), "invalid username or password");
  // Wrong code, wrong password with right code: the generic error.
  clock_.Advance(30 * kSec);
  EXPECT_EQ(Login("alice", kPw, "123456").result, LoginResult::kInvalidCredentials);
  EXPECT_EQ(Login("alice", "wrong password!!", TotpAt(*key, clock_.NowMicros() / kSec)).result,
            LoginResult::kInvalidCredentials);
  // A code from the previous step is still accepted (window), if later than the last used.
  clock_.Advance(30 * kSec);
  EXPECT_TRUE(Login("alice", kPw, TotpAt(*key, clock_.NowMicros() / kSec - 30)).ok());

  // Recovery codes: each works once, in any case/spacing; audited.
  std::string spaced = (*codes)[3];
  for (char& c : spaced) c = c == '-' ? ' ' : static_cast<char>(std::toupper(c));
  EXPECT_TRUE(Login("alice", kPw, spaced).ok());
  EXPECT_EQ(Login("alice", kPw, (*codes)[3]).result, LoginResult::kInvalidCredentials);
  EXPECT_EQ(CountAudit("2fa.recovery_used"), 1);
  auto left = auth_->RemainingRecoveryCodes(s.principal.user_id);
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(*left, 9);

  // Disabling needs a code; then the password alone is enough again.
  EXPECT_EQ(auth_->DisableTotp(s.principal, "000000").field(), "code");
  EXPECT_TRUE(auth_->DisableTotp(s.principal, (*codes)[4]).ok());
  // Five failures from this address above: its 1 s backoff is running.
  EXPECT_EQ(Login("alice").result, LoginResult::kThrottled);
  clock_.Advance(kSec);
  EXPECT_TRUE(Login("alice").ok());
  EXPECT_EQ(Scalar("SELECT count(*) FROM recovery_codes"), "0");
  EXPECT_EQ(CountAudit("2fa.disabled"), 1);
}

TEST_F(AuthServiceTest, AdminResetOfTotp) {
  Add("alice");
  auto s = Login("alice");
  ASSERT_TRUE(s.ok());
  Enroll(s.principal);
  EXPECT_EQ(Login("alice").result, LoginResult::kSecondFactorRequired);
  EXPECT_EQ(auth_->BeginTotpEnrollment(s.principal).status().code(), StatusCode::kAlreadyExists);
  ASSERT_TRUE(auth_->ResetTotp(Actor::System(), "alice").ok());
  EXPECT_TRUE(Login("alice").ok());
  EXPECT_EQ(CountAudit("2fa.reset"), 1);
}

TEST_F(AuthServiceTest, GroupRequiring2faForcesEnrolment) {
  ASSERT_TRUE(auth_->CreateGroup(Actor::System(), "desk").ok());
  ASSERT_TRUE(auth_->SetGroupRequires2fa(Actor::System(), "desk", true).ok());
  Add("alice", Role::kEditor, {"desk"});
  Add("bob");
  auto a = Login("alice");
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a.principal.must_enroll_2fa);
  EXPECT_FALSE(HasScope(a.principal, Scope::kStoriesRead));
  EXPECT_FALSE(Login("bob").principal.must_enroll_2fa);
  Enroll(a.principal);
  auto p = auth_->Authenticate(a.session_token);
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->must_enroll_2fa);
  EXPECT_TRUE(HasScope(*p, Scope::kStoriesWrite));
}

TEST_F(AuthServiceTest, ApiTokensScopesListRevoke) {
  Add("ed", Role::kEditor);
  Add("rd", Role::kReader);
  auto ed = Login("ed");
  auto rd = Login("rd");
  ASSERT_TRUE(ed.ok() && rd.ok());
  const ScopeSet read = static_cast<ScopeSet>(Scope::kStoriesRead);
  const ScopeSet write = static_cast<ScopeSet>(Scope::kStoriesWrite);
  const ScopeSet admin = static_cast<ScopeSet>(Scope::kAdmin);
  EXPECT_EQ(auth_->CreateToken(rd.principal, "x", write).status().field(), "scopes");
  EXPECT_EQ(auth_->CreateToken(ed.principal, "x", admin).status().field(), "scopes");
  EXPECT_EQ(auth_->CreateToken(ed.principal, "x", 0).status().field(), "scopes");
  EXPECT_EQ(auth_->CreateToken(ed.principal, "", read).status().field(), "name");
  auto t = auth_->CreateToken(ed.principal, "ingest bot", read | write);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->token.rfind("dl_", 0), 0u);
  EXPECT_EQ(Scalar("SELECT count(*) FROM api_tokens WHERE token_hash = '" + t->token + "'"), "0");
  auto r = auth_->CreateToken(ed.principal, "reader", read);
  ASSERT_TRUE(r.ok());

  auto p = auth_->AuthenticateBearer(t->token);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_TRUE(p->via_token);
  EXPECT_EQ(p->token_id, t->id);
  EXPECT_TRUE(HasScope(*p, Scope::kStoriesWrite));
  EXPECT_FALSE(HasScope(*p, Scope::kAlerts));
  EXPECT_FALSE(AuthService::CheckCsrf(*p, ""));
  auto pr = auth_->AuthenticateBearer(r->token);
  ASSERT_TRUE(pr.ok());
  EXPECT_FALSE(HasScope(*pr, Scope::kStoriesWrite));
  // Tokens cannot mint tokens.
  EXPECT_EQ(auth_->CreateToken(*p, "y", read).status().code(), StatusCode::kUnsupported);
  EXPECT_EQ(auth_->AuthenticateBearer("dl_" + std::string(43, 'x')).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(auth_->AuthenticateBearer("garbage").status().code(), StatusCode::kNotFound);

  auto list = auth_->ListTokens(ed.principal.user_id);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[1].name, "ingest bot");
  EXPECT_EQ((*list)[1].scopes, read | write);
  EXPECT_EQ((*list)[1].prefix, t->token.substr(0, 7));
  ASSERT_TRUE((*list)[1].last_used_at_us.has_value());
  // Use is audited once per day, not per request.
  ASSERT_TRUE(auth_->AuthenticateBearer(t->token).ok());
  clock_.Advance(2 * kMin);
  ASSERT_TRUE(auth_->AuthenticateBearer(t->token).ok());
  AuditFilter f;
  f.action = "token.used";
  auto used = auth_->QueryAudit(f);
  ASSERT_TRUE(used.ok());
  EXPECT_EQ(used->size(), 2u);  // first use of each of the two tokens

  // Someone else cannot revoke it; the owner can.
  EXPECT_EQ(auth_->RevokeToken(rd.principal, t->id).code(), StatusCode::kNotFound);
  EXPECT_TRUE(auth_->RevokeToken(ed.principal, t->id).ok());
  EXPECT_EQ(auth_->AuthenticateBearer(t->token).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(CountAudit("token.created"), 2);
  EXPECT_EQ(CountAudit("token.revoked"), 1);
}

// The server keeps several connections to the metadata database (alerts, webhooks, read
// counts). A write made on one of them between a request's read and its write must not fail
// the request: a statement that read a row and stays open keeps its read snapshot, and
// SQLite refuses to turn a stale snapshot into a write (SQLITE_BUSY_SNAPSHOT, without waiting).
// Here another connection commits just before each write the service starts.
TEST_F(AuthServiceTest, WritesAfterReadsSurviveAnotherConnectionsCommit) {
  Add("ed", Role::kEditor);
  auto ed = Login("ed");
  ASSERT_TRUE(ed.ok());
  auto t = auth_->CreateToken(ed.principal, "bot", static_cast<ScopeSet>(Scope::kStoriesRead));
  auto t2 = auth_->CreateToken(ed.principal, "bot2", static_cast<ScopeSet>(Scope::kStoriesRead));
  ASSERT_TRUE(t.ok() && t2.ok());

  auto other = MetadataDb::Open(dir_ + "/metadata.db");
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  struct Hook {
    MetadataDb* other;
    std::vector<Status> writes;
  } hook{other->get(), {}};
  auto on_statement = [](unsigned, void* ctx, void* stmt, void*) -> int {
    auto* h = static_cast<Hook*>(ctx);
    const char* sql = sqlite3_sql(static_cast<sqlite3_stmt*>(stmt));
    const std::string_view text = sql != nullptr ? sql : "";
    if (text.rfind("UPDATE", 0) == 0 || text.rfind("DELETE", 0) == 0) {
      // A real change: an UPDATE that leaves every row as it was commits nothing.
      h->writes.push_back(h->other->Exec("INSERT INTO groups(name, created_at) VALUES ('desk-" +
                                         std::to_string(h->writes.size()) + "', 0)"));
    }
    return 0;
  };
  sqlite3_trace_v2(db_->handle(), SQLITE_TRACE_STMT, on_statement, &hook);

  auto used = auth_->AuthenticateBearer(t->token);  // first use: last_used_at is written
  EXPECT_TRUE(used.ok()) << used.status().ToString();
  clock_.Advance(2 * kMin);  // past the throttle: last_seen_at is written
  auto seen = auth_->Authenticate(ed.session_token, "10.0.0.2", "ua");
  EXPECT_TRUE(seen.ok()) << seen.status().ToString();
  EXPECT_TRUE(auth_->RevokeToken(ed.principal, t2->id).ok());
  sqlite3_trace_v2(db_->handle(), 0, nullptr, nullptr);

  ASSERT_GE(hook.writes.size(), 3u);  // the hook really wrote before each of the three writes
  for (const Status& w : hook.writes) EXPECT_TRUE(w.ok()) << w.ToString();
  EXPECT_NE(Scalar("SELECT last_used_at FROM api_tokens WHERE id = '" + t->id + "'"), "");
  EXPECT_EQ(Scalar("SELECT address FROM sessions"), "10.0.0.2");
  EXPECT_EQ(Scalar("SELECT count(*) FROM api_tokens"), "1");
}

TEST_F(AuthServiceTest, DisabledUserSessionsAndTokensAreDead) {
  Add("alice", Role::kEditor);
  auto s = Login("alice");
  ASSERT_TRUE(s.ok());
  auto t = auth_->CreateToken(s.principal, "bot", static_cast<ScopeSet>(Scope::kStoriesRead));
  ASSERT_TRUE(t.ok());
  ASSERT_TRUE(auth_->SetUserDisabled(Actor::System(), "alice", true).ok());
  ASSERT_EQ(ended_.size(), 1u);
  EXPECT_EQ(std::get<2>(ended_[0]), SessionEndReason::kUserDisabled);
  EXPECT_FALSE(auth_->Authenticate(s.session_token).ok());
  EXPECT_FALSE(auth_->AuthenticateBearer(t->token).ok());
  EXPECT_FALSE(Login("alice").ok());
  ASSERT_TRUE(auth_->SetUserDisabled(Actor::System(), "alice", false).ok());
  EXPECT_TRUE(auth_->AuthenticateBearer(t->token).ok());  // token survives a re-enable
  EXPECT_FALSE(auth_->Authenticate(s.session_token).ok());  // sessions do not
  EXPECT_EQ(CountAudit("user.disabled"), 1);
}

TEST_F(AuthServiceTest, EntitlementsEveryoneDefaultGrantRevokeAdminNotExempt) {
  ASSERT_TRUE(auth_->CreateGroup(Actor::System(), "desk").ok());
  Add("alice", Role::kReader, {"desk"});
  Add("bob");
  Add("root", Role::kAdmin);
  auto a = Login("alice"), b = Login("bob"), r = Login("root");
  ASSERT_TRUE(auth_->EnsureSource("wire").ok());
  ASSERT_TRUE(auth_->EnsureSource("wire").ok());  // idempotent
  auto va = auth_->ForPrincipal(a.principal);
  ASSERT_TRUE(va.ok());
  EXPECT_TRUE((*va)->CanSee("wire"));
  EXPECT_FALSE((*va)->CanSee("fomc"));
  const std::uint64_t v0 = auth_->EntitlementsVersion();
  EXPECT_EQ((*va)->version(), v0);

  // Restrict "wire" to the desk: revoke from everyone, grant to desk.
  ASSERT_TRUE(auth_->Revoke(Actor::System(), "everyone", "wire").ok());
  ASSERT_TRUE(auth_->Grant(Actor::System(), "desk", "wire").ok());
  EXPECT_GT(auth_->EntitlementsVersion(), v0);
  EXPECT_TRUE((*va)->CanSee("wire"));  // an old view never changes
  EXPECT_TRUE((*auth_->ForPrincipal(a.principal))->CanSee("wire"));
  EXPECT_FALSE((*auth_->ForPrincipal(b.principal))->CanSee("wire"));
  EXPECT_FALSE((*auth_->ForPrincipal(r.principal))->CanSee("wire"));  // admins are not exempt
  EXPECT_EQ(auth_->Revoke(Actor::System(), "everyone", "wire").code(), StatusCode::kNotFound);

  // Membership changes apply too.
  ASSERT_TRUE(auth_->AddUserToGroup(Actor::System(), "bob", "desk").ok());
  EXPECT_TRUE((*auth_->ForPrincipal(b.principal))->CanSee("wire"));
  ASSERT_TRUE(auth_->RemoveUserFromGroup(Actor::System(), "bob", "desk").ok());
  EXPECT_FALSE((*auth_->ForPrincipal(b.principal))->CanSee("wire"));
  EXPECT_EQ(auth_->AddUserToGroup(Actor::System(), "bob", "everyone").field(), "group");
  EXPECT_EQ(auth_->DeleteGroup(Actor::System(), "everyone").field(), "group");

  // Views are shared while nothing changes.
  auto v1 = auth_->ForPrincipal(a.principal);
  auto v2 = auth_->ForPrincipal(a.principal);
  EXPECT_EQ(v1->get(), v2->get());

  auto groups = auth_->ListGroups();
  ASSERT_TRUE(groups.ok());
  ASSERT_EQ(groups->size(), 2u);
  EXPECT_EQ((*groups)[0].name, "everyone");
  EXPECT_EQ((*groups)[1].sources, std::vector<std::string>{"wire"});
  ASSERT_TRUE(auth_->DeleteGroup(Actor::System(), "desk").ok());
  EXPECT_FALSE((*auth_->ForPrincipal(a.principal))->CanSee("wire"));
  EXPECT_EQ(CountAudit("grant.added"), 1);
  EXPECT_EQ(CountAudit("grant.revoked"), 1);
  EXPECT_EQ(CountAudit("group.created"), 1);
  EXPECT_EQ(CountAudit("group.deleted"), 1);
}

TEST_F(AuthServiceTest, RestrictNewSources) {
  AuthOptions o;
  o.restrict_new_sources = true;
  Make(o);
  Add("alice");
  auto a = Login("alice");
  ASSERT_TRUE(auth_->EnsureSource("secret-feed").ok());
  EXPECT_FALSE((*auth_->ForPrincipal(a.principal))->CanSee("secret-feed"));
  ASSERT_TRUE(auth_->Grant(Actor::System(), "everyone", "secret-feed").ok());
  EXPECT_TRUE((*auth_->ForPrincipal(a.principal))->CanSee("secret-feed"));
  auto sources = auth_->ListSources();
  ASSERT_TRUE(sources.ok());
  EXPECT_EQ(*sources, std::vector<std::string>{"secret-feed"});
}

TEST_F(AuthServiceTest, AuditLogIsAppendOnlyAndPaged) {
  for (int i = 0; i < 25; ++i) {
    ASSERT_TRUE(auth_->Audit({1, "ops", "10.1.1.1"}, "test.event", "thing:" + std::to_string(i),
                             {{"i", std::to_string(i)}, {"quote", "a\"b\\c\n"}})
                    .ok());
    clock_.Advance(kSec);
  }
  EXPECT_FALSE(db_->Exec("UPDATE audit_log SET action = 'x'").ok());
  EXPECT_FALSE(db_->Exec("DELETE FROM audit_log").ok());
  EXPECT_EQ(Scalar("SELECT count(*) FROM audit_log WHERE action = 'test.event'"), "25");

  AuditFilter f;
  f.action = "test.event";
  f.limit = 10;
  auto page1 = auth_->QueryAudit(f);
  ASSERT_TRUE(page1.ok());
  ASSERT_EQ(page1->size(), 10u);
  EXPECT_EQ((*page1)[0].target, "thing:24");  // newest first
  EXPECT_EQ((*page1)[0].actor_name, "ops");
  EXPECT_EQ((*page1)[0].actor_user_id, 1);
  EXPECT_EQ((*page1)[0].detail, "{\"i\":\"24\",\"quote\":\"a\\\"b\\\\c\\n\"}");
  f.before_id = page1->back().id;
  auto page2 = auth_->QueryAudit(f);
  ASSERT_TRUE(page2.ok());
  ASSERT_EQ(page2->size(), 10u);
  EXPECT_EQ((*page2)[0].target, "thing:14");
  AuditFilter t;
  t.since_us = (*page1)[4].at_us;
  t.until_us = (*page1)[0].at_us;
  auto ranged = auth_->QueryAudit(t);
  ASSERT_TRUE(ranged.ok());
  EXPECT_EQ(ranged->size(), 4u);
  AuditFilter big;
  big.limit = 5000;
  big.actor_name = "nobody";
  EXPECT_TRUE(auth_->QueryAudit(big).ok());
}

TEST_F(AuthServiceTest, LoginUpgradesOldHashes) {
  Add("alice");
  AuthOptions o;
  Make(o);  // Make() forces the minimum cost; simulate a raised cost by hand instead:
  const std::string before = Scalar("SELECT password_hash FROM users WHERE username='alice'");
  auto strong = HashPassword(kPw, PasswordHashCost{2, 64 * 1024});
  ASSERT_TRUE(strong.ok());
  ASSERT_TRUE(db_->Exec("UPDATE users SET password_hash = '" + *strong + "'").ok());
  ASSERT_TRUE(Login("alice").ok());
  const std::string after = Scalar("SELECT password_hash FROM users WHERE username='alice'");
  EXPECT_NE(after, *strong);
  EXPECT_EQ(after.substr(0, 27), before.substr(0, 27));  // back at the configured parameters
}

}  // namespace
}  // namespace dateline
