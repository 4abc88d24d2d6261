// /api/v1/auth/* (login, logout, the caller's own account, sessions, 2FA, API tokens) and
// /api/v1/admin/* (users, groups, entitlements, the audit log).
#include <nlohmann/json.hpp>

#include "auth/requests.h"
#include "core/time_format.h"
#include "core/utf8.h"
#include "server/api.h"
#include "server/json_response.h"
#include "server/url.h"

namespace dateline {
namespace {

using json = nlohmann::json;

// A JSON object body; errors name what is wrong.
Result<json> ObjectBody(const ApiRequest& req) {
  auto semi = req.content_type.find(';');
  std::string_view media = req.content_type.substr(0, semi);
  if (!req.body.empty() && media != "application/json") {
    return Status::Unsupported("Content-Type must be application/json");
  }
  if (req.body.empty()) return json::object();
  if (auto bad = FindInvalidUtf8(req.body)) {
    return Status::InvalidUtf8("request body is not valid UTF-8 (byte " + std::to_string(*bad) + ")");
  }
  json j = json::parse(req.body, nullptr, false);
  if (j.is_discarded()) return Status::InvalidArgument("request body is not valid JSON");
  if (!j.is_object()) return Status::InvalidArgument("request body must be a JSON object");
  return j;
}

Result<std::string> StringField(const json& body, const char* name, bool required = true) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    if (required) return Status::InvalidArgument(std::string(name) + " is required", name);
    return std::string();
  }
  if (!it->is_string()) return Status::InvalidArgument(std::string(name) + " must be a string", name);
  return it->get<std::string>();
}

std::string Time(std::int64_t us) { return us ? FormatRfc3339(us) : std::string(); }

json UserJson(const UserInfo& u) {
  return {{"username", u.username},
          {"role", RoleName(u.role)},
          {"groups", u.groups},
          {"disabled", u.disabled},
          {"must_change_password", u.must_change_password},
          {"totp_enabled", u.totp_enabled},
          {"created", Time(u.created_at_us)}};
}

json ScopesJson(ScopeSet set) {
  json arr = json::array();
  for (Scope s : {Scope::kStoriesRead, Scope::kStoriesWrite, Scope::kAlerts, Scope::kAdmin}) {
    if (set & static_cast<ScopeSet>(s)) arr.push_back(ScopeName(s));
  }
  return arr;
}

std::string Cookie(std::string_view name, std::string_view value, bool http_only, bool secure,
                   std::int64_t max_age_s) {
  std::string c = std::string(name) + "=" + std::string(value) + "; Path=/; SameSite=Strict";
  if (http_only) c += "; HttpOnly";
  if (secure) c += "; Secure";
  c += "; Max-Age=" + std::to_string(max_age_s);
  return c;
}

void ClearCookies(ApiResponse& r, bool secure) {
  r.headers.emplace_back("Set-Cookie", Cookie(kSessionCookie, "", true, secure, 0));
  r.headers.emplace_back("Set-Cookie", Cookie(kCsrfCookie, "", false, secure, 0));
}

json PrincipalJson(const Principal& p) {
  return {{"username", p.username},
          {"role", RoleName(p.role)},
          {"groups", p.groups},
          {"must_change_password", p.must_change_password},
          {"must_enroll_2fa", p.must_enroll_2fa},
          {"via_token", p.via_token},
          {"scopes", ScopesJson(p.restricted() ? 0 : p.scopes & ScopesAllowedFor(p.role))},
          {"session_id", p.session_id}};
}

// Splits "/api/v1/admin/users/alice/disable" after `prefix` into {"users","alice","disable"}.
std::vector<std::string> Segments(std::string_view path, std::string_view prefix) {
  std::vector<std::string> out;
  std::string_view rest = path.substr(prefix.size());
  while (!rest.empty()) {
    auto slash = rest.find('/');
    std::string_view seg = rest.substr(0, slash);
    if (!seg.empty()) out.emplace_back(seg);
    if (slash == std::string_view::npos) break;
    rest = rest.substr(slash + 1);
  }
  return out;
}

ApiResponse NotFound(const std::string& path) {
  return ApiResponse::Error(404, "not_found", "no such endpoint: " + path);
}

ApiResponse StatusOr204(const Status& st) { return st.ok() ? ApiResponse::NoContent() : ApiResponse::Error(st); }

}  // namespace

ApiResponse Api::Login(const ApiRequest& req) const {
  auto body = ParseLoginBody(req.content_type, req.body);
  if (!body.ok()) return ApiResponse::Error(body.status());
  LoginOutcome out = auth_.Login({std::move(body->username), std::move(body->password),
                                  std::move(body->code), req.address,
                                  std::string(req.user_agent)});
  switch (out.result) {
    case LoginResult::kOk: {
      ApiResponse r = JsonResponse(200, {{"user", PrincipalJson(out.principal)},
                                 {"csrf_token", out.csrf_token}});
      const std::int64_t max_age = auth_.options().session_absolute_timeout_us / 1'000'000;
      r.headers.emplace_back("Set-Cookie",
                             Cookie(kSessionCookie, out.session_token, true, req.tls, max_age));
      r.headers.emplace_back("Set-Cookie",
                             Cookie(kCsrfCookie, out.csrf_token, false, req.tls, max_age));
      r.headers.emplace_back("Cache-Control", "no-store");
      return r;
    }
    case LoginResult::kSecondFactorRequired:
      return ApiResponse::Error(401, "second_factor_required",
                                "enter the code from your authenticator app (or a recovery code)",
                                "code");
    case LoginResult::kInvalidCredentials:
      return ApiResponse::Error(401, "invalid_credentials", "invalid username or password");
    case LoginResult::kThrottled: {
      ApiResponse r = ApiResponse::Error(429, "too_many_attempts", out.error.message());
      r.headers.emplace_back("Retry-After", std::to_string(out.retry_after_seconds));
      return r;
    }
    case LoginResult::kError:
      break;
  }
  return ApiResponse::Error(out.error.ok() ? Status::Internal("login failed") : out.error);
}

ApiResponse Api::AuthRoute(const ApiRequest& req, const Target& target,
                           const AuthContext& who) const {
  const Principal& me = who.principal;
  const std::vector<std::string> seg = Segments(target.path, "/api/v1/auth/");
  const std::string_view m = req.method;
  const std::string& first = seg.empty() ? std::string() : seg[0];

  if (seg.size() == 1 && first == "me" && m == "GET") {
    json j = PrincipalJson(me);
    if (auto u = auth_.GetUser(me.username); u.ok()) j["totp_enabled"] = u->totp_enabled;
    return JsonResponse(200, j);
  }
  if (seg.size() == 1 && first == "logout" && m == "POST") {
    if (!me.via_token) (void)auth_.Logout(CookieValue(req.cookie, kSessionCookie));
    ApiResponse r = ApiResponse::NoContent();
    ClearCookies(r, req.tls);
    return r;
  }
  if (seg.size() == 1 && first == "password" && m == "POST") {
    if (me.via_token) return ApiResponse::Error(403, "forbidden", "change passwords from a session");
    auto body = ParsePasswordChangeBody(req.content_type, req.body);
    if (!body.ok()) return ApiResponse::Error(body.status());
    return StatusOr204(auth_.ChangePassword(me, body->old_password, body->new_password));
  }
  if (first == "sessions") {
    if (seg.size() == 1 && m == "GET") {
      auto list = auth_.ListSessions(me.user_id);
      if (!list.ok()) return ApiResponse::Error(list.status());
      json arr = json::array();
      for (const auto& s : *list) {
        arr.push_back({{"id", s.session_id},
                       {"created", Time(s.created_at_us)},
                       {"last_seen", Time(s.last_seen_at_us)},
                       {"address", s.address},
                       {"user_agent", s.user_agent},
                       {"current", s.session_id == me.session_id}});
      }
      return JsonResponse(200, {{"sessions", arr}});
    }
    if (seg.size() == 2 && m == "DELETE") return StatusOr204(auth_.RevokeSession(me, seg[1]));
  }
  if (first == "totp") {
    if (me.via_token) return ApiResponse::Error(403, "forbidden", "manage 2FA from a session");
    if (seg.size() == 2 && seg[1] == "enroll" && m == "POST") {
      auto e = auth_.BeginTotpEnrollment(me);
      if (!e.ok()) return ApiResponse::Error(e.status());
      return JsonResponse(200, {{"secret", e->secret_base32},
                        {"otpauth_uri", e->otpauth_uri},
                        {"qr_svg", e->qr_svg}});
    }
    if (seg.size() == 2 && (seg[1] == "confirm" || seg[1] == "disable") && m == "POST") {
      auto body = ObjectBody(req);
      if (!body.ok()) return ApiResponse::Error(body.status());
      auto code = StringField(*body, "code");
      if (!code.ok()) return ApiResponse::Error(code.status());
      if (seg[1] == "disable") return StatusOr204(auth_.DisableTotp(me, *code));
      auto codes = auth_.ConfirmTotpEnrollment(me, *code);
      if (!codes.ok()) return ApiResponse::Error(codes.status());
      return JsonResponse(200, {{"recovery_codes", *codes}});
    }
  }
  if (first == "tokens") {
    if (seg.size() == 1 && m == "GET") {
      auto list = auth_.ListTokens(me.user_id);
      if (!list.ok()) return ApiResponse::Error(list.status());
      json arr = json::array();
      for (const auto& t : *list) {
        arr.push_back({{"id", t.id},
                       {"name", t.name},
                       {"prefix", t.prefix},
                       {"scopes", ScopesJson(t.scopes)},
                       {"created", Time(t.created_at_us)},
                       {"last_used", t.last_used_at_us ? Time(*t.last_used_at_us) : ""}});
      }
      return JsonResponse(200, {{"tokens", arr}});
    }
    if (seg.size() == 1 && m == "POST") {
      auto body = ParseTokenBody(req.content_type, req.body);
      if (!body.ok()) return ApiResponse::Error(body.status());
      auto t = auth_.CreateToken(me, body->name, body->scopes);
      if (!t.ok()) return ApiResponse::Error(t.status());
      return JsonResponse(201, {{"id", t->id}, {"token", t->token}, {"scopes", ScopesJson(body->scopes)}});
    }
    if (seg.size() == 2 && m == "DELETE") return StatusOr204(auth_.RevokeToken(me, seg[1]));
  }
  return NotFound(target.path);
}

ApiResponse Api::AdminRoute(const ApiRequest& req, const Target& target,
                            const AuthContext& who) const {
  const Actor actor = Actor::Of(who.principal);
  const std::vector<std::string> seg = Segments(target.path, "/api/v1/admin/");
  const std::string_view m = req.method;
  const std::string& first = seg.empty() ? std::string() : seg[0];

  if (first == "users") {
    if (seg.size() == 1 && m == "GET") {
      auto users = auth_.ListUsers();
      if (!users.ok()) return ApiResponse::Error(users.status());
      json arr = json::array();
      for (const auto& u : *users) arr.push_back(UserJson(u));
      return JsonResponse(200, {{"users", arr}});
    }
    if (seg.size() == 1 && m == "POST") {
      auto body = ObjectBody(req);
      if (!body.ok()) return ApiResponse::Error(body.status());
      NewUser nu;
      auto username = StringField(*body, "username");
      if (!username.ok()) return ApiResponse::Error(username.status());
      nu.username = *username;
      auto role_name = StringField(*body, "role", false);
      if (!role_name.ok()) return ApiResponse::Error(role_name.status());
      if (!role_name->empty()) {
        auto role = ParseRole(*role_name);
        if (!role) return ApiResponse::Error(Status::InvalidArgument("role must be admin, editor or reader", "role"));
        nu.role = *role;
      }
      if (auto g = body->find("groups"); g != body->end()) {
        if (!g->is_array()) return ApiResponse::Error(Status::InvalidArgument("groups must be an array of names", "groups"));
        for (const auto& v : *g) {
          if (!v.is_string()) return ApiResponse::Error(Status::InvalidArgument("groups must be an array of names", "groups"));
          nu.groups.push_back(v.get<std::string>());
        }
      }
      // The initial password is the administrator's choice; the user must change it at first
      // login (must_change_password).
      auto password = StringField(*body, "password");
      if (!password.ok()) return ApiResponse::Error(password.status());
      nu.password = *password;
      auto added = auth_.AddUser(actor, nu);
      if (!added.ok()) return ApiResponse::Error(added.status());
      return JsonResponse(201, {{"user", UserJson(*added)}});
    }
    if (seg.size() == 3 && m == "POST") {
      const std::string& name = seg[1];
      const std::string& action = seg[2];
      if (action == "disable" || action == "enable") {
        return StatusOr204(auth_.SetUserDisabled(actor, name, action == "disable"));
      }
      if (action == "reset-password") {
        auto pw = auth_.ResetPassword(actor, name);
        if (!pw.ok()) return ApiResponse::Error(pw.status());
        return JsonResponse(200, {{"password", *pw}});
      }
      if (action == "reset-2fa") return StatusOr204(auth_.ResetTotp(actor, name));
      if (action == "role") {
        auto body = ObjectBody(req);
        if (!body.ok()) return ApiResponse::Error(body.status());
        auto role_name = StringField(*body, "role");
        if (!role_name.ok()) return ApiResponse::Error(role_name.status());
        auto role = ParseRole(*role_name);
        if (!role) return ApiResponse::Error(Status::InvalidArgument("role must be admin, editor or reader", "role"));
        return StatusOr204(auth_.SetUserRole(actor, name, *role));
      }
    }
  }
  if (first == "groups") {
    if (seg.size() == 1 && m == "GET") {
      auto groups = auth_.ListGroups();
      if (!groups.ok()) return ApiResponse::Error(groups.status());
      json arr = json::array();
      for (const auto& g : *groups) {
        arr.push_back({{"name", g.name}, {"requires_2fa", g.requires_2fa}, {"sources", g.sources}});
      }
      return JsonResponse(200, {{"groups", arr}});
    }
    if (seg.size() == 1 && m == "POST") {
      auto body = ObjectBody(req);
      if (!body.ok()) return ApiResponse::Error(body.status());
      auto name = StringField(*body, "name");
      if (!name.ok()) return ApiResponse::Error(name.status());
      if (Status st = auth_.CreateGroup(actor, *name); !st.ok()) return ApiResponse::Error(st);
      if (auto r = body->find("requires_2fa"); r != body->end() && r->is_boolean() && r->get<bool>()) {
        if (Status st = auth_.SetGroupRequires2fa(actor, *name, true); !st.ok()) return ApiResponse::Error(st);
      }
      return JsonResponse(201, {{"name", *name}});
    }
    if (seg.size() == 2 && m == "DELETE") return StatusOr204(auth_.DeleteGroup(actor, seg[1]));
    if (seg.size() == 3 && seg[2] == "members" && m == "POST") {
      auto body = ObjectBody(req);
      if (!body.ok()) return ApiResponse::Error(body.status());
      auto username = StringField(*body, "username");
      if (!username.ok()) return ApiResponse::Error(username.status());
      return StatusOr204(auth_.AddUserToGroup(actor, *username, seg[1]));
    }
    if (seg.size() == 4 && seg[2] == "members" && m == "DELETE") {
      return StatusOr204(auth_.RemoveUserFromGroup(actor, seg[3], seg[1]));
    }
    if (seg.size() == 3 && seg[2] == "require-2fa" && m == "POST") {
      auto body = ObjectBody(req);
      if (!body.ok()) return ApiResponse::Error(body.status());
      auto r = body->find("required");
      if (r == body->end() || !r->is_boolean()) {
        return ApiResponse::Error(Status::InvalidArgument("required must be true or false", "required"));
      }
      return StatusOr204(auth_.SetGroupRequires2fa(actor, seg[1], r->get<bool>()));
    }
  }
  if (first == "sources" && seg.size() == 1 && m == "GET") {
    auto sources = auth_.ListSources();
    if (!sources.ok()) return ApiResponse::Error(sources.status());
    return JsonResponse(200, {{"sources", *sources}});
  }
  if (first == "grants" && seg.size() == 1 && (m == "POST" || m == "DELETE")) {
    auto body = ObjectBody(req);
    if (!body.ok()) return ApiResponse::Error(body.status());
    auto group = StringField(*body, "group");
    if (!group.ok()) return ApiResponse::Error(group.status());
    auto source = StringField(*body, "source");
    if (!source.ok()) return ApiResponse::Error(source.status());
    return StatusOr204(m == "POST" ? auth_.Grant(actor, *group, *source)
                                   : auth_.Revoke(actor, *group, *source));
  }
  if (first == "audit" && seg.size() == 1 && m == "GET") {
    AuditFilter f;
    if (const auto* a = target.Param("action")) f.action = *a;
    if (const auto* a = target.Param("actor")) f.actor_name = *a;
    for (const char* name : {"since", "until"}) {
      if (const auto* v = target.Param(name)) {
        auto t = ParseRfc3339(*v);
        if (!t.ok()) return ApiResponse::Error(Status::InvalidArgument(t.status().message(), name));
        (std::string_view(name) == "since" ? f.since_us : f.until_us) = *t;
      }
    }
    if (target.Param("before")) {
      auto before = target.UintParam("before", 0, 1, INT64_MAX);
      if (!before.ok()) return ApiResponse::Error(before.status());
      f.before_id = static_cast<std::int64_t>(*before);
    }
    auto limit = target.UintParam("limit", 100, 1, 1000);
    if (!limit.ok()) return ApiResponse::Error(limit.status());
    f.limit = static_cast<int>(*limit);
    auto entries = auth_.QueryAudit(f);
    if (!entries.ok()) return ApiResponse::Error(entries.status());
    json arr = json::array();
    for (const auto& e : *entries) {
      json detail = json::parse(e.detail, nullptr, false);
      arr.push_back({{"id", e.id},
                     {"at", Time(e.at_us)},
                     {"actor", e.actor_name},
                     {"action", e.action},
                     {"target", e.target},
                     {"address", e.address},
                     {"detail", detail.is_discarded() ? json(e.detail) : detail}});
    }
    return JsonResponse(200, {{"entries", arr}});
  }
  return NotFound(target.path);
}

}  // namespace dateline
