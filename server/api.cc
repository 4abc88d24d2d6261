#include "server/api.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/time_format.h"
#include "server/error_mapping.h"
#include "server/json_response.h"
#include "server/url.h"

namespace dateline {
namespace {

using json = nlohmann::json;

constexpr std::string_view kStoriesPath = "/api/v1/stories";
constexpr std::string_view kStreamPath = "/api/v1/stream";

// "application/json; charset=utf-8" -> "application/json"
std::string MediaType(std::string_view content_type) {
  auto semi = content_type.find(';');
  std::string_view t = content_type.substr(0, semi);
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
  std::string out(t);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool IsNdjson(const std::string& media) {
  return media == "application/x-ndjson" || media == "application/ndjson" ||
         media == "application/jsonl" || media == "application/json-seq";
}

}  // namespace

ApiResponse ApiResponse::Error(const Status& status) {
  ApiResponse r;
  r.status = HttpStatusFor(status.code());
  r.body = ErrorJson(status);
  return r;
}

ApiResponse ApiResponse::Error(int http_status, std::string_view code, std::string_view message,
                               std::string_view field) {
  ApiResponse r;
  r.status = http_status;
  r.body = ErrorJson(code, message, field);
  return r;
}

ApiResponse ApiResponse::NoContent() {
  ApiResponse r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

ApiResponse ApiResponse::MethodNotAllowed(std::string_view method, std::string_view path,
                                          std::string_view allow) {
  ApiResponse r = ApiResponse::Error(
      405, "method_not_allowed",
      std::string(method) + " is not allowed on " + std::string(path));
  r.headers.emplace_back("Allow", std::string(allow));
  return r;
}

bool Api::IsIngest(std::string_view method, std::string_view path) {
  return method == "POST" && (path == kStoriesPath || path == "/api/v1/stories/");
}

bool Api::IsStream(std::string_view path) { return path == kStreamPath; }

bool Api::IsBatchIngest(std::string_view content_type) {
  return MediaType(content_type) != "application/json";
}

bool Api::IsPublic(std::string_view method, std::string_view path) {
  const bool get = method == "GET" || method == "HEAD";
  return path == "/" || path == "/index.html" || path == "/healthz" ||
         (method == "POST" && path == "/api/v1/auth/login") ||
         (get && !path.starts_with("/api/") && path != "/metrics");
}

std::string_view CookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    auto semi = header.find(';');
    std::string_view pair = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    auto eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) return pair.substr(eq + 1);
  }
  return {};
}

std::variant<AuthContext, ApiResponse> Api::Authorize(const ApiRequest& req,
                                                      std::string_view path) const {
  Result<Principal> principal = Status::NotFound("no credentials");
  const bool bearer = req.authorization.starts_with("Bearer ");
  if (bearer) {
    principal = auth_.AuthenticateBearer(req.authorization.substr(7), req.address);
    if (!principal.ok()) {
      if (principal.status().code() != StatusCode::kNotFound) return ApiResponse::Error(principal.status());
      ApiResponse r = ApiResponse::Error(401, "unauthenticated", "the API token is invalid or revoked");
      r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"dateline\", error=\"invalid_token\"");
      return r;
    }
  } else {
    std::string_view token = CookieValue(req.cookie, kSessionCookie);
    if (!token.empty()) principal = auth_.Authenticate(token, req.address, req.user_agent);
    if (!principal.ok()) {
      if (principal.status().code() != StatusCode::kNotFound) return ApiResponse::Error(principal.status());
      ApiResponse r = ApiResponse::Error(
          401, "unauthenticated",
          token.empty() ? "log in, or send Authorization: Bearer <API token>"
                        : "the session has ended: log in again");
      r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"dateline\"");
      return r;
    }
    const bool safe = req.method == "GET" || req.method == "HEAD" || req.method == "OPTIONS";
    if (!safe && !AuthService::CheckCsrf(*principal, req.csrf_token)) {
      return ApiResponse::Error(403, "csrf",
                                "missing or wrong X-CSRF-Token header (send the value of the "
                                "dateline_csrf cookie)");
    }
  }
  // A restricted session may only finish what it was restricted for.
  if (principal->restricted()) {
    const bool allowed = path == "/api/v1/auth/me" || path == "/api/v1/auth/logout" ||
                         (principal->must_change_password && path == "/api/v1/auth/password") ||
                         (principal->must_enroll_2fa && path.starts_with("/api/v1/auth/totp/"));
    if (!allowed) {
      return principal->must_change_password
                 ? ApiResponse::Error(403, "password_change_required",
                                      "change your password first (POST /api/v1/auth/password)")
                 : ApiResponse::Error(403, "totp_enrollment_required",
                                      "your group requires two-factor authentication: enrol "
                                      "first (POST /api/v1/auth/totp/enroll)");
    }
  }
  auto view = auth_.ForPrincipal(*principal);
  if (!view.ok()) return ApiResponse::Error(view.status());
  return AuthContext{std::move(*principal), std::move(*view),
                     bearer ? std::string(req.authorization.substr(7)) : std::string()};
}

ApiResponse Api::Handle(const ApiRequest& req) const {
  auto target = ParseTarget(req.target);
  if (!target.ok()) return ApiResponse::Error(target.status());
  const std::string& path = target->path;
  const bool get = req.method == "GET" || req.method == "HEAD";

  if (options_.web && !path.starts_with("/api/") && path != "/healthz" && path != "/metrics") {
    if (const WebAsset* file = options_.web->Find(path)) {
      if (!get) return ApiResponse::MethodNotAllowed(req.method, path, "GET, HEAD");
      return WebFile(*file);
    }
    return ApiResponse::Error(404, "not_found", "no such file: " + path);
  }
  if (path == "/" || path == "/index.html") {
    if (!get) return ApiResponse::MethodNotAllowed(req.method, path, "GET, HEAD");
    ApiResponse r;
    r.content_type = "text/html; charset=utf-8";
    r.body = std::string(WebPageHtml());
    r.headers.emplace_back("Cache-Control", "no-cache");
    r.headers.emplace_back("Content-Security-Policy",
                           "default-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "script-src 'self' 'unsafe-inline'; connect-src 'self'; "
                           "img-src 'self' data:; frame-ancestors 'none'");
    return r;
  }
  if (path == "/healthz") {
    if (!get) return ApiResponse::MethodNotAllowed(req.method, path, "GET, HEAD");
    return Health();
  }
  if (path == "/api/v1/auth/login") {
    if (req.method != "POST") return ApiResponse::MethodNotAllowed(req.method, path, "POST");
    return Login(req);
  }

  auto who = Authorize(req, path);
  if (auto* err = std::get_if<ApiResponse>(&who)) return std::move(*err);
  return Route(req, *target, std::get<AuthContext>(who));
}

ApiResponse Api::WebFile(const WebAsset& file) {
  ApiResponse r;
  r.content_type = file.content_type;
  r.body = file.body;
  r.headers.emplace_back("Cache-Control", file.cache_control);
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (file.content_type.starts_with("text/html")) {
    // No inline script: the browser check and the app are files of their own.
    r.headers.emplace_back("Content-Security-Policy",
                           "default-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "script-src 'self'; connect-src 'self'; img-src 'self' data:; "
                           "frame-ancestors 'none'");
    r.headers.emplace_back("Referrer-Policy", "same-origin");
  }
  return r;
}

ApiResponse Api::Route(const ApiRequest& req, const Target& target, const AuthContext& who) const {
  const std::string& path = target.path;
  const bool get = req.method == "GET" || req.method == "HEAD";
  if (path.starts_with("/api/v1/auth/")) return AuthRoute(req, target, who);
  if (path.starts_with("/api/v1/admin/")) {
    if (!HasScope(who.principal, Scope::kAdmin)) {
      return ApiResponse::Error(403, "forbidden", "this needs the admin role (or an admin-scoped token)");
    }
    return AdminRoute(req, target, who);
  }
  if (path == "/metrics") {
    if (!get) return ApiResponse::MethodNotAllowed(req.method, path, "GET, HEAD");
    if (!HasScope(who.principal, Scope::kAdmin)) {
      return ApiResponse::Error(403, "forbidden", "metrics need the admin scope");
    }
    ApiResponse r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = metrics_.Render();
    r.body += "# HELP dateline_stream_live_clients Live-stream clients caught up and receiving pushes.\n"
              "# TYPE dateline_stream_live_clients gauge\ndateline_stream_live_clients " +
              std::to_string(hub_.LiveClients()) + "\n";
    return r;
  }
  if (path == kStoriesPath || path.starts_with("/api/v1/stories/")) {
    if (!HasScope(who.principal, Scope::kStoriesRead)) {
      return ApiResponse::Error(403, "forbidden", "this needs the stories:read scope");
    }
    if (path == kStoriesPath || path == "/api/v1/stories/") {
      if (!get) return ApiResponse::MethodNotAllowed(req.method, path, "GET, HEAD, POST");
      return ListStories(target, who);
    }
    std::string_view rest = std::string_view(path).substr(kStoriesPath.size() + 1);
    if (!get) return ApiResponse::MethodNotAllowed(req.method, path, "GET, HEAD");
    if (rest == "most-read") return MostRead(target, who);
    if (rest.ends_with("/versions")) {
      return GetVersions(rest.substr(0, rest.size() - std::string_view("/versions").size()), who);
    }
    return GetStory(rest, target, who);
  }
  if (IsAlertsPath(path)) return AlertRoute(req, target, who);
  if (path == "/api/v1/search") {
    if (!HasScope(who.principal, Scope::kStoriesRead)) {
      return ApiResponse::Error(403, "forbidden", "searching needs the stories:read scope");
    }
    if (!get && req.method != "POST") return ApiResponse::MethodNotAllowed(req.method, path, "GET, HEAD, POST");
    return Search(req, target, who);
  }
  if (path == kStreamPath) {
    return ApiResponse::Error(426, "upgrade_required",
                              "the live stream is a WebSocket: connect with Upgrade: websocket");
  }
  return ApiResponse::Error(404, "not_found", "no such endpoint: " + path);
}

ApiResponse Api::Health() const {
  // Public: says nothing about stories or clients.
  return JsonResponse(200, {{"status", "ok"}});
}

namespace {

ApiResponse NoSuchStory(std::string_view id) {
  return ApiResponse::Error(404, "not_found", "no story with id " + std::string(id));
}

}  // namespace

ApiResponse Api::GetStory(std::string_view id, const Target& target, const AuthContext& who) const {
  auto version = target.UintParam("version", 0, 1, UINT32_MAX);
  if (!version.ok()) return ApiResponse::Error(version.status());
  if (!IsValidStoryId(id)) return NoSuchStory(id);
  auto story = store_.Get(id, static_cast<std::uint32_t>(*version));
  if (!story.ok()) {
    return story.status().code() == StatusCode::kNotFound ? NoSuchStory(id)
                                                          : ApiResponse::Error(story.status());
  }
  if (!who.CanSee((*story)->source)) return NoSuchStory(id);
  // A person opening the story (not a feed reading it with a token) counts for READ.
  // A failed count (a full table, a database error) must not fail the read.
  if (!who.principal.via_token) {
    (void)reads_->Record((*story)->id, who.principal.user_id, Clock::System().NowMicros());
  }
  ApiResponse r;
  r.body = StoryToJson(**story);
  return r;
}

ApiResponse Api::MostRead(const Target& target, const AuthContext& who) const {
  auto limit = target.UintParam("limit", 50, 1, options_.max_list_limit);
  if (!limit.ok()) return ApiResponse::Error(limit.status());
  std::vector<StoryPtr> latest;
  auto top = reads_->Top(*limit, [&](const std::string& id) {
    auto s = store_.Get(id, 0);
    if (!s.ok() || !who.CanSee((*s)->source)) return false;
    latest.push_back(std::move(*s));
    return true;
  });
  std::string body = "{\"stories\":[";
  for (std::size_t i = 0; i < top.size(); ++i) {
    if (i) body += ',';
    // The list frame's fields plus the number of readers.
    std::string frame = StoryFrameJson(*latest[i]);
    frame.pop_back();
    body += frame + ",\"reads\":" + std::to_string(top[i].second) + "}";
  }
  body += "]}";
  ApiResponse r;
  r.body = std::move(body);
  return r;
}

ApiResponse Api::GetVersions(std::string_view id, const AuthContext& who) const {
  std::vector<std::uint64_t> seqs = IsValidStoryId(id) ? store_.VersionSeqs(id)
                                                       : std::vector<std::uint64_t>{};
  if (seqs.empty()) return NoSuchStory(id);
  json versions = json::array();
  for (std::uint64_t seq : seqs) {
    auto s = store_.GetBySeq(seq);
    if (!s.ok()) return ApiResponse::Error(s.status());
    if (!who.CanSee((*s)->source)) return NoSuchStory(id);
    versions.push_back({{"version", (*s)->version},
                        {"seq", seq},
                        {"headline", (*s)->headline},
                        {"updated", FormatRfc3339((*s)->updated_us)}});
  }
  return JsonResponse(200, {{"id", id}, {"versions", versions}});
}

ApiResponse Api::ListStories(const Target& target, const AuthContext& who) const {
  auto limit = target.UintParam("limit", 100, 1, options_.max_list_limit);
  if (!limit.ok()) return ApiResponse::Error(limit.status());
  const std::string* order = target.Param("order");
  if (order && *order != "asc" && *order != "desc") {
    return ApiResponse::Error(Status::InvalidArgument("order must be asc or desc", "order"));
  }
  std::vector<StoryPtr> out;
  std::uint64_t cursor = 0;  // the stream (or the next page) continues after this seq
  if (order && *order == "desc") {
    // The newest stories the caller may see, newest first; `next_after` is where a live stream
    // picks up. Scans at most 50 × limit versions back, so a narrow view costs bounded work.
    const std::uint64_t head = store_.LastDurableSeq();
    cursor = head;
    const std::uint64_t floor = head > 50 * *limit ? head - 50 * *limit : 0;
    for (std::uint64_t seq = head; seq > floor && out.size() < *limit; --seq) {
      auto s = store_.GetBySeq(seq);
      if (!s.ok()) {
        if (s.status().code() == StatusCode::kNotFound) continue;  // a gap left by repair
        return ApiResponse::Error(s.status());
      }
      if (who.CanSee((*s)->source)) out.push_back(std::move(*s));
    }
  } else {
    auto after = target.UintParam("after", 0, 0, UINT64_MAX);
    if (!after.ok()) return ApiResponse::Error(after.status());
    cursor = *after;
    // Read in pages until `limit` visible stories or the end of the log.
    while (out.size() < *limit) {
      auto page = store_.ReadAfter(cursor, 256);
      if (!page.ok()) return ApiResponse::Error(page.status());
      if (page->empty()) break;
      for (auto& s : *page) {
        if (out.size() == *limit) break;
        cursor = s->seq;
        if (who.CanSee(s->source)) out.push_back(std::move(s));
      }
    }
  }
  std::string body = "{\"stories\":[";
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i) body += ',';
    body += StoryToJson(*out[i]);
  }
  body += "],\"next_after\":" + std::to_string(cursor) + "}";
  ApiResponse r;
  r.body = std::move(body);
  return r;
}

Result<std::vector<Story>> Api::ParseIngest(const ApiRequest& req, const AuthContext& who) const {
  if (!HasScope(who.principal, Scope::kStoriesWrite)) {
    return Status(StatusCode::kPermissionDenied, "publishing stories needs the editor role or a "
                  "token with the stories:write scope");
  }
  auto stories = ParseIngestBody(req);
  if (!stories.ok()) return stories;
  for (const Story& s : *stories) {
    if (Status st = auth_.EnsureSource(s.source); !st.ok()) return st;
  }
  return stories;
}

Result<std::vector<Story>> Api::ParseIngestBody(const ApiRequest& req) const {
  const std::string media = MediaType(req.content_type);
  if (media == "application/json") {
    auto story = ParseStoryJson(req.body, options_.json);
    if (!story.ok()) return story.status();
    std::vector<Story> out;
    out.push_back(std::move(*story));
    return out;
  }
  if (IsNdjson(media)) return ParseStoryNdjson(req.body, options_.json);
  return Status::Unsupported("Content-Type must be application/json (one story) or "
                             "application/x-ndjson (one story a line), not \"" +
                             std::string(req.content_type) + "\"");
}

ApiResponse Api::IngestResponse(bool batch, const std::vector<Result<AppendOutcome>>& results) const {
  json items = json::array();
  bool any_new = false;
  for (const auto& r : results) {
    if (!r.ok()) return ApiResponse::Error(r.status());
    any_new |= !r->duplicate;
    items.push_back(
        {{"id", r->id}, {"version", r->version}, {"seq", r->seq}, {"duplicate", r->duplicate}});
  }
  if (!batch && items.size() == 1) return JsonResponse(any_new ? 201 : 200, items[0]);
  return JsonResponse(any_new ? 201 : 200, {{"stories", items}});
}

}  // namespace dateline
