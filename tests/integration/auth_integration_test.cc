// Accounts, sessions, 2FA, tokens, entitlements and audit against the real binary.
#include <chrono>
#include <ctime>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "auth/encoding.h"
#include "auth/totp.h"
#include "tests/support/dateline_process.h"
#include "tests/support/net_client.h"

namespace dateline::testing {
namespace {

using json = nlohmann::json;

// A browser-like client: the session cookie and the CSRF header, never the default token.
struct Browser {
  std::uint16_t port = 0;
  std::string cookie;  // "dateline_session=…; dateline_csrf=…"
  std::string csrf;

  HttpResult Call(const std::string& method, const std::string& target, const json& body = nullptr,
                  bool send_csrf = true) const {
    HttpOptions o;
    o.default_token = false;
    if (!cookie.empty()) o.headers["Cookie"] = cookie;
    if (send_csrf && !csrf.empty()) o.headers["X-CSRF-Token"] = csrf;
    return HttpRequest(port, method, target, body.is_null() ? "" : body.dump(),
                       body.is_null() ? "" : "application/json", o);
  }

  // Logs in; returns the response. Keeps the cookies on success.
  HttpResult Login(const std::string& user, const std::string& password,
                   const std::string& code = {}) {
    auto r = Call("POST", "/api/v1/auth/login",
                  {{"username", user}, {"password", password}, {"code", code}});
    if (r.status == 200) {
      cookie.clear();
      for (const auto& c : r.set_cookies) {
        if (!cookie.empty()) cookie += "; ";
        cookie += c.substr(0, c.find(';'));
      }
      csrf = json::parse(r.body)["csrf_token"];
    }
    return r;
  }
};

std::string ErrorCode(const HttpResult& r) {
  auto j = json::parse(r.body, nullptr, false);
  return j.is_discarded() ? "" : j["error"].value("code", "");
}

std::string Story(const std::string& source, const std::string& id, const std::string& headline) {
  return json{{"source", source}, {"source_id", id}, {"headline", headline}}.dump();
}

class AuthIntegration : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = DatelineProcess::Serve(dir_.path() + "/data");
    ASSERT_TRUE(server_);
    port_ = server_->port();
  }
  // Adds a user through the admin API with a password they need not change.
  void AddUser(const std::string& name, const std::string& role, const std::string& password,
               const std::vector<std::string>& groups = {}) {
    auto r = HttpRequest(port_, "POST", "/api/v1/admin/users",
                         json{{"username", name}, {"password", password}, {"role", role},
                              {"groups", groups}}.dump(),
                         "application/json");
    ASSERT_EQ(r.status, 201) << r.body;
    // Admin-created accounts must change the password at first login: do it here.
    Browser b{port_};
    ASSERT_EQ(b.Login(name, password).status, 200);
    auto c = b.Call("POST", "/api/v1/auth/password",
                    {{"old_password", password}, {"new_password", password + "!"}});
    ASSERT_EQ(c.status, 204) << c.body;
    ASSERT_EQ(b.Call("POST", "/api/v1/auth/logout").status, 204);
  }

  TempDir dir_;
  std::unique_ptr<DatelineProcess> server_;
  std::uint16_t port_ = 0;
};

TEST_F(AuthIntegration, NothingWithoutCredentials) {
  Browser anon{port_};
  EXPECT_EQ(anon.Call("GET", "/api/v1/stories").status, 401);
  EXPECT_EQ(anon.Call("GET", "/api/v1/stories/0123456789abcdef01234567").status, 401);
  EXPECT_EQ(anon.Call("POST", "/api/v1/stories", {{"source", "x"}, {"headline", "h"}}).status, 401);
  EXPECT_EQ(anon.Call("GET", "/metrics").status, 401);
  EXPECT_EQ(anon.Call("GET", "/api/v1/admin/users").status, 401);
  WsClient ws;
  HttpOptions none;
  none.default_token = false;
  EXPECT_FALSE(ws.Connect(port_, "/api/v1/stream", 0, none));
  // Public: the page and health.
  EXPECT_EQ(anon.Call("GET", "/").status, 200);
  EXPECT_EQ(anon.Call("GET", "/healthz").status, 200);
}

TEST_F(AuthIntegration, FirstRunAdminMustChangeTheOneTimePassword) {
  TempDir fresh;
  auto server = DatelineProcess::Serve(fresh.path() + "/data", {}, /*with_admin_token=*/false);
  ASSERT_TRUE(server);
  const std::string banner = server->Banner();
  auto pos = banner.find("password: ");
  ASSERT_NE(pos, std::string::npos) << banner;
  const std::string one_time = banner.substr(pos + 10, banner.find('\n', pos) - pos - 10);
  EXPECT_EQ(one_time.size(), 20u);

  Browser b{server->port()};
  auto r = b.Login("admin", one_time);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(json::parse(r.body)["user"]["must_change_password"]);
  // Cookie flags: HttpOnly session, SameSite=Strict both, no Secure over plain HTTP.
  ASSERT_EQ(r.set_cookies.size(), 2u);
  for (const auto& c : r.set_cookies) {
    EXPECT_NE(c.find("SameSite=Strict"), std::string::npos) << c;
    EXPECT_EQ(c.find("Secure"), std::string::npos) << c;
    if (c.starts_with("dateline_session=")) {
      EXPECT_NE(c.find("HttpOnly"), std::string::npos) << c;
    } else {
      EXPECT_EQ(c.find("HttpOnly"), std::string::npos) << c;  // the page reads the CSRF cookie
    }
  }
  // Restricted until the password is changed.
  EXPECT_EQ(ErrorCode(b.Call("GET", "/api/v1/stories")), "password_change_required");
  EXPECT_EQ(b.Call("GET", "/api/v1/auth/me").status, 200);
  auto weak = b.Call("POST", "/api/v1/auth/password", {{"old_password", one_time}, {"new_password", "password123"}});
  EXPECT_EQ(weak.status, 400);
  EXPECT_EQ(json::parse(weak.body)["error"]["field"], "password");
  ASSERT_EQ(b.Call("POST", "/api/v1/auth/password",
                   {{"old_password", one_time}, {"new_password", "a much better passphrase"}})
                .status,
            204);
  EXPECT_EQ(b.Call("GET", "/api/v1/stories").status, 200);
  // The one-time password is gone.
  Browser again{server->port()};
  EXPECT_EQ(again.Login("admin", one_time).status, 401);
  EXPECT_EQ(again.Login("admin", "a much better passphrase").status, 200);
}

TEST_F(AuthIntegration, WrongPasswordUnknownUserAndThrottling) {
  AddUser("carol", "reader", "carol's long password");
  Browser b{port_};
  auto wrong = b.Login("carol", "not her password at all");
  auto unknown = b.Login("nobody-here", "not her password at all");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(wrong.body, unknown.body);  // the same answer for an unknown user
  // Keep failing: the account is throttled with Retry-After.
  HttpResult r;
  for (int i = 0; i < 8 && r.status != 429; ++i) r = b.Login("carol", "wrong again, wrong again");
  EXPECT_EQ(r.status, 429) << r.body;
  EXPECT_FALSE(r.headers["retry-after"].empty());
  // Audited.
  auto audit = json::parse(HttpGet(port_, "/api/v1/admin/audit?action=login.failed").body);
  EXPECT_GE(audit["entries"].size(), 3u) << audit.dump();
}

TEST_F(AuthIntegration, SessionFixationCsrfAndLogoutClosingStreams) {
  AddUser("dave", "editor", "dave's long password");
  // A session id chosen before login is never valid.
  Browser attacker{port_};
  attacker.cookie = "dateline_session=planted-by-attacker-0000000000000000000000000";
  EXPECT_EQ(attacker.Call("GET", "/api/v1/auth/me").status, 401);
  Browser b{port_};
  b.cookie = attacker.cookie;
  ASSERT_EQ(b.Login("dave", "dave's long password!").status, 200);
  EXPECT_EQ(b.cookie.find("planted"), std::string::npos);
  EXPECT_EQ(attacker.Call("GET", "/api/v1/auth/me").status, 401);

  // CSRF: a state-changing request without the header is refused, with it accepted.
  auto no_csrf = b.Call("POST", "/api/v1/stories", {{"source", "wire"}, {"headline", "h1"}}, false);
  EXPECT_EQ(no_csrf.status, 403);
  EXPECT_EQ(ErrorCode(no_csrf), "csrf");
  Browser forged = b;
  forged.csrf = "not-the-token";
  EXPECT_EQ(forged.Call("POST", "/api/v1/stories", {{"source", "wire"}, {"headline", "h2"}}).status, 403);
  EXPECT_EQ(b.Call("POST", "/api/v1/stories", {{"source", "wire"}, {"headline", "h3"}}).status, 201);

  // Session list, then logout closes the WebSocket opened with this session.
  auto sessions = json::parse(b.Call("GET", "/api/v1/auth/sessions").body)["sessions"];
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_TRUE(sessions[0]["current"]);
  WsClient ws;
  HttpOptions with_cookie;
  with_cookie.default_token = false;
  with_cookie.headers["Cookie"] = b.cookie;
  ASSERT_TRUE(ws.Connect(port_, "/api/v1/stream?after=0", 0, with_cookie)) << ws.error();
  ASSERT_TRUE(ws.Read());  // h3
  ASSERT_EQ(b.Call("POST", "/api/v1/auth/logout").status, 204);
  EXPECT_FALSE(ws.Read(std::chrono::seconds(10)));
  EXPECT_EQ(ws.close_code(), 4003) << ws.error();
  EXPECT_NE(ws.close_reason().find("logout"), std::string::npos);
  EXPECT_EQ(b.Call("GET", "/api/v1/auth/me").status, 401);

  // Revoking a session from another one ends it too.
  Browser one{port_}, two{port_};
  ASSERT_EQ(one.Login("dave", "dave's long password!").status, 200);
  ASSERT_EQ(two.Login("dave", "dave's long password!").status, 200);
  auto list = json::parse(one.Call("GET", "/api/v1/auth/sessions").body)["sessions"];
  std::string other;
  for (const auto& s : list) if (!s["current"]) other = s["id"];
  ASSERT_FALSE(other.empty());
  EXPECT_EQ(one.Call("DELETE", "/api/v1/auth/sessions/" + other).status, 204);
  EXPECT_EQ(two.Call("GET", "/api/v1/auth/me").status, 401);
  EXPECT_EQ(one.Call("GET", "/api/v1/auth/me").status, 200);
}

TEST_F(AuthIntegration, TotpEnrolmentLoginAndRecoveryCodes) {
  AddUser("erin", "reader", "erin's long password");
  const std::string pw = "erin's long password!";
  Browser b{port_};
  ASSERT_EQ(b.Login("erin", pw).status, 200);
  auto enrol = b.Call("POST", "/api/v1/auth/totp/enroll");
  ASSERT_EQ(enrol.status, 200) << enrol.body;
  auto e = json::parse(enrol.body);
  EXPECT_NE(e["qr_svg"].get<std::string>().find("<svg"), std::string::npos);
  EXPECT_NE(e["otpauth_uri"].get<std::string>().find("otpauth://totp/"), std::string::npos);
  auto key = Base32Decode(e["secret"].get<std::string>());
  ASSERT_TRUE(key.ok());
  const std::int64_t now = std::time(nullptr);

  EXPECT_EQ(b.Call("POST", "/api/v1/auth/totp/confirm", {{"code", "000000"}}).status, 400);
  auto confirm = b.Call("POST", "/api/v1/auth/totp/confirm", {{"code", TotpAt(*key, now)}});
  ASSERT_EQ(confirm.status, 200) << confirm.body;
  auto codes = json::parse(confirm.body)["recovery_codes"];
  ASSERT_EQ(codes.size(), 10u);

  // Password alone is no longer enough; a wrong code fails; the next step's code works once.
  Browser c{port_};
  auto r = c.Login("erin", pw);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(ErrorCode(r), "second_factor_required");
  EXPECT_EQ(ErrorCode(c.Login("erin", pw, "123456")), "invalid_credentials");
  const std::string next = TotpAt(*key, now + 30);
  ASSERT_EQ(c.Login("erin", pw, next).status, 200);
  Browser replay{port_};
  EXPECT_EQ(replay.Login("erin", pw, next).status, 401) << "a TOTP code was accepted twice";

  // A recovery code works exactly once.
  Browser d{port_};
  ASSERT_EQ(d.Login("erin", pw, codes[0]).status, 200);
  Browser d2{port_};
  EXPECT_EQ(d2.Login("erin", pw, codes[0]).status, 401);
  auto audit = json::parse(HttpGet(port_, "/api/v1/admin/audit?actor=erin&limit=100").body);
  bool used = false;
  for (const auto& a : audit["entries"]) used |= a["action"].get<std::string>().find("recovery") != std::string::npos;
  EXPECT_TRUE(used) << audit.dump();

  // Admin reset turns 2FA off.
  ASSERT_EQ(HttpRequest(port_, "POST", "/api/v1/admin/users/erin/reset-2fa").status, 204);
  EXPECT_EQ(Browser{port_}.Login("erin", pw).status, 200);
}

TEST_F(AuthIntegration, TokenScopesAndRevocation) {
  AddUser("frank", "editor", "frank's long password");
  Browser b{port_};
  ASSERT_EQ(b.Login("frank", "frank's long password!").status, 200);
  // An editor cannot mint admin tokens.
  EXPECT_EQ(b.Call("POST", "/api/v1/auth/tokens", {{"name", "x"}, {"scopes", {"admin"}}}).status, 400);
  auto read = json::parse(b.Call("POST", "/api/v1/auth/tokens", {{"name", "reader"}, {"scopes", {"stories:read"}}}).body);
  auto write = json::parse(b.Call("POST", "/api/v1/auth/tokens", {{"name", "feed"}, {"scopes", {"stories:write"}}}).body);
  ASSERT_TRUE(read.contains("token") && write.contains("token"));
  auto with = [&](const json& t, const std::string& method, const std::string& target, const std::string& body = {}) {
    HttpOptions o;
    o.default_token = false;
    o.headers["Authorization"] = "Bearer " + t["token"].get<std::string>();
    return HttpRequest(port_, method, target, body, body.empty() ? "" : "application/json", o);
  };
  EXPECT_EQ(with(write, "POST", "/api/v1/stories", Story("wire", "t1", "Token story")).status, 201);
  EXPECT_EQ(with(read, "POST", "/api/v1/stories", Story("wire", "t2", "Not allowed")).status, 403);
  EXPECT_EQ(with(read, "GET", "/api/v1/stories").status, 200);
  EXPECT_EQ(with(write, "GET", "/api/v1/stories").status, 403);
  EXPECT_EQ(with(read, "GET", "/api/v1/admin/users").status, 403);
  // Listed with a prefix, never the secret; revoked tokens stop working.
  auto list = json::parse(b.Call("GET", "/api/v1/auth/tokens").body)["tokens"];
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list.dump().find(read["token"].get<std::string>()), std::string::npos);
  EXPECT_EQ(b.Call("DELETE", "/api/v1/auth/tokens/" + read["id"].get<std::string>()).status, 204);
  EXPECT_EQ(with(read, "GET", "/api/v1/stories").status, 401);
  // A disabled user's token stops working.
  ASSERT_EQ(HttpRequest(port_, "POST", "/api/v1/admin/users/frank/disable").status, 204);
  EXPECT_EQ(with(write, "POST", "/api/v1/stories", Story("wire", "t3", "Disabled")).status, 401);
  EXPECT_EQ(b.Call("GET", "/api/v1/auth/me").status, 401);
}

// For every path out, a user without the entitlement gets neither the story nor a hint of it.
TEST_F(AuthIntegration, EntitlementMatrix) {
  auto admin = [&](const std::string& method, const std::string& target, const json& body) {
    return HttpRequest(port_, method, target, body.dump(), "application/json");
  };
  ASSERT_EQ(admin("POST", "/api/v1/admin/groups", {{"name", "rates-desk"}}).status, 201);
  AddUser("insider", "reader", "insider's long password", {"rates-desk"});
  AddUser("outsider", "reader", "outsider's long password");
  // Stories from a restricted source and from an open one.
  ASSERT_EQ(PostJson(port_, Story("premium", "p1", "Premium: Fed minutes leak")).status, 201);
  ASSERT_EQ(admin("DELETE", "/api/v1/admin/grants", {{"group", "everyone"}, {"source", "premium"}}).status, 204);
  ASSERT_EQ(admin("POST", "/api/v1/admin/grants", {{"group", "rates-desk"}, {"source", "premium"}}).status, 204);
  ASSERT_EQ(PostJson(port_, Story("wire", "w1", "Open wire story")).status, 201);
  auto premium = json::parse(PostJson(port_, Story("premium", "p2", "Premium: second")).body);
  const std::string premium_id = premium["id"];

  Browser in{port_}, out{port_};
  ASSERT_EQ(in.Login("insider", "insider's long password!").status, 200);
  ASSERT_EQ(out.Login("outsider", "outsider's long password!").status, 200);

  // Direct fetch: 404, exactly like a story that does not exist.
  auto hidden = out.Call("GET", "/api/v1/stories/" + premium_id);
  auto missing = out.Call("GET", "/api/v1/stories/ffffffffffffffffffffffff");
  EXPECT_EQ(hidden.status, 404);
  EXPECT_EQ(ErrorCode(hidden), ErrorCode(missing));
  EXPECT_EQ(out.Call("GET", "/api/v1/stories/" + premium_id + "?version=1").status, 404);
  EXPECT_EQ(out.Call("GET", "/api/v1/stories/" + premium_id + "/versions").status, 404);
  EXPECT_EQ(in.Call("GET", "/api/v1/stories/" + premium_id).status, 200);

  // Lists, both orders: nothing of the premium source, no count of it.
  for (const std::string q : {"/api/v1/stories?after=0", "/api/v1/stories?order=desc&limit=50"}) {
    auto body = out.Call("GET", q).body;
    EXPECT_EQ(body.find("Premium"), std::string::npos) << q;
    EXPECT_EQ(json::parse(body)["stories"].size(), 1u) << q;
    EXPECT_EQ(json::parse(in.Call("GET", q).body)["stories"].size(), 3u) << q;
  }

  // Live stream, catch-up and live.
  auto stream_of = [&](const Browser& who) {
    auto ws = std::make_unique<WsClient>();
    HttpOptions o;
    o.default_token = false;
    o.headers["Cookie"] = who.cookie;
    EXPECT_TRUE(ws->Connect(port_, "/api/v1/stream?after=0", 0, o));
    return ws;
  };
  auto ws_out = stream_of(out);
  auto ws_in = stream_of(in);
  ASSERT_EQ(PostJson(port_, Story("premium", "p3", "Premium: live")).status, 201);
  ASSERT_EQ(PostJson(port_, Story("wire", "w2", "Open live")).status, 201);
  std::vector<std::string> got_out, got_in;
  for (int i = 0; i < 2; ++i) got_out.push_back(json::parse(*ws_out->Read())["headline"]);
  for (int i = 0; i < 5; ++i) got_in.push_back(json::parse(*ws_in->Read())["headline"]);
  EXPECT_EQ(got_out, (std::vector<std::string>{"Open wire story", "Open live"}));
  EXPECT_EQ(got_in.size(), 5u);

  // Grants apply at once, including to open streams: revoke the desk's grant.
  ASSERT_EQ(admin("DELETE", "/api/v1/admin/grants", {{"group", "rates-desk"}, {"source", "premium"}}).status, 204);
  ASSERT_EQ(PostJson(port_, Story("premium", "p4", "Premium: after revoke")).status, 201);
  ASSERT_EQ(PostJson(port_, Story("wire", "w3", "Open after revoke")).status, 201);
  EXPECT_EQ(json::parse(*ws_in->Read())["headline"], "Open after revoke");
  EXPECT_EQ(in.Call("GET", "/api/v1/stories/" + premium_id).status, 404);

  // Entitlement changes are audited.
  auto audit = json::parse(HttpGet(port_, "/api/v1/admin/audit?limit=200").body)["entries"].dump();
  EXPECT_NE(audit.find("grant"), std::string::npos);
  EXPECT_EQ(out.Call("GET", "/api/v1/admin/audit").status, 403);
}

TEST(AuthTokenStream, RevokingTheTokenOrDisablingTheUserEndsItsStream) {
  TempDir dir;
  const std::string data = dir.path() + "/data";
  auto server = DatelineProcess::Serve(data, {"--stream-recheck-ms", "200"});
  ASSERT_TRUE(server);
  const auto port = server->port();
  auto add = HttpRequest(port, "POST", "/api/v1/admin/users",
                         json{{"username", "grace"}, {"password", "grace's long password"},
                              {"role", "reader"}}.dump(),
                         "application/json");
  ASSERT_EQ(add.status, 201) << add.body;
  auto stream_with = [&](const std::string& token) {
    auto ws = std::make_unique<WsClient>();
    HttpOptions o;
    o.default_token = false;
    o.headers["Authorization"] = "Bearer " + token;
    EXPECT_TRUE(ws->Connect(port, "/api/v1/stream", 0, o)) << ws->error();
    return ws;
  };
  auto token_for = [&](const std::string& user) {
    std::string out;
    EXPECT_EQ(RunDateline({"token", "create", user, "--scope", "stories:read", "--data", data}, &out), 0) << out;
    auto at = out.find("dl_");
    return out.substr(at, out.find('\n', at) - at);
  };

  // Revoked through the API (by an admin).
  const std::string t1 = token_for("test-admin");
  auto ws1 = stream_with(t1);
  auto tokens = json::parse(HttpGet(port, "/api/v1/auth/tokens").body);
  ASSERT_TRUE(tokens.contains("tokens"));
  std::string id;
  for (const auto& t : tokens["tokens"]) {
    if (t1.rfind(t["prefix"].get<std::string>(), 0) == 0) id = t["id"];
  }
  ASSERT_FALSE(id.empty()) << tokens.dump();
  ASSERT_EQ(HttpRequest(port, "DELETE", "/api/v1/auth/tokens/" + id).status, 204);
  EXPECT_FALSE(ws1->Read(std::chrono::seconds(10)));
  EXPECT_EQ(ws1->close_code(), 4003) << ws1->error();

  // The owner disabled from another process (the command line) while the server runs.
  const std::string t2 = token_for("grace");
  auto ws2 = stream_with(t2);
  std::string out;
  ASSERT_EQ(RunDateline({"user", "disable", "grace", "--data", data}, &out), 0) << out;
  EXPECT_FALSE(ws2->Read(std::chrono::seconds(10)));
  EXPECT_EQ(ws2->close_code(), 4003) << ws2->error();

  // A login session ended from another process: its stream ends too.
  ASSERT_EQ(RunDateline({"user", "enable", "grace", "--data", data}, &out), 0) << out;
  Browser b{port};
  ASSERT_EQ(b.Login("grace", "grace's long password").status, 200);
  ASSERT_EQ(b.Call("POST", "/api/v1/auth/password",
                   {{"old_password", "grace's long password"}, {"new_password", "grace's new password"}})
                .status,
            204);
  WsClient ws3;
  HttpOptions o;
  o.default_token = false;
  o.headers["Cookie"] = b.cookie;
  ASSERT_TRUE(ws3.Connect(port, "/api/v1/stream", 0, o)) << ws3.error();
  ASSERT_EQ(RunDateline({"user", "reset-password", "grace", "--data", data}, &out), 0) << out;
  EXPECT_FALSE(ws3.Read(std::chrono::seconds(10)));
  EXPECT_EQ(ws3.close_code(), 4003) << ws3.error();
}

TEST(AuthOneLogin, MaxSessionsOneEndsTheOlderLoginAndItsStream) {
  TempDir dir;
  auto server = DatelineProcess::Serve(dir.path() + "/data", {"--max-sessions", "1"});
  ASSERT_TRUE(server);
  Browser first{server->port()};
  ASSERT_EQ(first.Login("test-admin", "correct horse battery staple").status, 200);
  WsClient ws;
  HttpOptions o;
  o.default_token = false;
  o.headers["Cookie"] = first.cookie;
  ASSERT_TRUE(ws.Connect(server->port(), "/api/v1/stream", 0, o));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  Browser second{server->port()};
  ASSERT_EQ(second.Login("test-admin", "correct horse battery staple").status, 200);
  EXPECT_EQ(first.Call("GET", "/api/v1/auth/me").status, 401);
  EXPECT_EQ(second.Call("GET", "/api/v1/auth/me").status, 200);
  EXPECT_FALSE(ws.Read(std::chrono::seconds(10)));
  EXPECT_EQ(ws.close_code(), 4003) << ws.error();
}

}  // namespace
}  // namespace dateline::testing
