// The HTTP API's routes, independent of the transport (server/http_server.cc owns Beast and
// calls these). Everything here is synchronous except ingest, whose durable acknowledgement
// the transport awaits between ParseIngest() and IngestResponse().
//
// Every route but the public ones (the web page, /healthz, POST /api/v1/auth/login) needs a
// principal: a session cookie (with the X-CSRF-Token header on state-changing requests) or an
// `Authorization: Bearer` API token. Every story that leaves passes the principal's entitlement
// view; a story the caller may not see is answered exactly like one that does not exist.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "auth/auth_service.h"
#include "core/status.h"
#include "ingest/story_json.h"
#include "query/parser.h"
#include "server/metrics.h"
#include "server/push_hub.h"
#include "server/read_counts.h"
#include "server/web_assets.h"
#include "store/story_store.h"

namespace dateline {

namespace index {
class SearchIndex;
}  // namespace index
namespace alerts {
class AlertService;
}  // namespace alerts

// The engines behind the API that a server may run without (tests, tools): null answers 503.
struct ApiServices {
  const index::SearchIndex* search = nullptr;
  alerts::AlertService* alerts = nullptr;
  // Null: the API keeps its own read counts in memory (they start at zero with each instance).
  ReadCounts* reads = nullptr;
};

struct ApiRequest {
  std::string_view method;         // "GET", "POST", ...
  std::string_view target;         // path and query
  std::string_view content_type;   // Content-Type header, may be empty
  std::string_view body;
  std::string_view cookie;         // Cookie header
  std::string_view authorization;  // Authorization header
  std::string_view csrf_token;     // X-CSRF-Token header
  std::string_view user_agent;
  std::string address;             // client IP address
  bool tls = false;                // served over HTTPS (cookies get Secure)
};

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  static ApiResponse Error(const Status& status);
  static ApiResponse Error(int http_status, std::string_view code, std::string_view message,
                           std::string_view field = {});
  static ApiResponse NoContent();  // 204
  // 405 with the Allow header.
  static ApiResponse MethodNotAllowed(std::string_view method, std::string_view path,
                                      std::string_view allow);
};

struct ApiOptions {
  JsonLimits json;
  std::size_t max_list_limit = 1000;
  query::Limits query_limits;  // for searches (and, with the same parser, alerts)
  // The browser terminal's built files; null serves the small built-in page at / instead.
  std::shared_ptr<const WebAssets> web;
};

// Who is asking, and what they may see.
struct AuthContext {
  Principal principal;
  EntitlementViewPtr view;
  std::string bearer_token;  // the API token, when the request used one (streams re-check it)
  bool CanSee(std::string_view source) const { return view && view->CanSee(source); }
};

inline constexpr std::string_view kSessionCookie = "dateline_session";
inline constexpr std::string_view kCsrfCookie = "dateline_csrf";

class Api {
 public:
  Api(StoryStore& store, AuthService& auth, Metrics& metrics, PushHub& hub, ApiServices services,
      ApiOptions options = {})
      : store_(store), auth_(auth), metrics_(metrics), hub_(hub), index_(services.search),
        alerts_(services.alerts), options_(options),
        reads_(services.reads ? services.reads : own_reads_.get()) {}

  // True for the request that ParseIngest/IngestResponse serve (POST /api/v1/stories).
  static bool IsIngest(std::string_view method, std::string_view path);
  // True for GET /api/v1/stream (the WebSocket endpoint).
  static bool IsStream(std::string_view path);
  // True when an ingest body of this Content-Type is a batch (NDJSON) rather than one story;
  // decides the shape of IngestResponse.
  static bool IsBatchIngest(std::string_view content_type);
  // True for routes that need no principal (the web terminal's files are public: the data they
  // show comes from the API, which is not).
  static bool IsPublic(std::string_view method, std::string_view path);

  // Authenticates the request (cookie + CSRF, or bearer token) and applies the restricted-session
  // rules. Returns the context, or the 401/403 response to send.
  std::variant<AuthContext, ApiResponse> Authorize(const ApiRequest& request,
                                                   std::string_view path) const;

  // Any request but ingest and the stream upgrade. Authorizes non-public routes itself.
  ApiResponse Handle(const ApiRequest& request) const;

  // Parses the body of an ingest request: one JSON story (application/json) or NDJSON
  // (application/x-ndjson). Errors: 415 for other content types, 400/413/422 from parsing.
  // Checks the stories:write scope and records each story's source for entitlements.
  Result<std::vector<Story>> ParseIngest(const ApiRequest& request, const AuthContext& who) const;

  // 201 with {"id","version","seq","duplicate"} for one story (200 when it was a duplicate), or
  // {"stories": [...]} for a batch; the first failed append decides an error response.
  ApiResponse IngestResponse(bool batch, const std::vector<Result<AppendOutcome>>& results) const;

  AuthService& auth() const { return auth_; }

 private:
  ApiResponse Route(const ApiRequest& req, const struct Target& target,
                    const AuthContext& who) const;
  ApiResponse GetStory(std::string_view id, const struct Target& target,
                       const AuthContext& who) const;
  ApiResponse GetVersions(std::string_view id, const AuthContext& who) const;
  // GET /api/v1/stories/most-read: the stories most people opened (ReadCounts).
  ApiResponse MostRead(const struct Target& target, const AuthContext& who) const;
  ApiResponse ListStories(const struct Target& target, const AuthContext& who) const;
  ApiResponse Health() const;
  static ApiResponse WebFile(const WebAsset& file);
  // server/alert_routes.cc
  static bool IsAlertsPath(std::string_view path);
  ApiResponse AlertRoute(const ApiRequest& req, const struct Target& target,
                         const AuthContext& who) const;
  // server/search_route.cc
  ApiResponse Search(const ApiRequest& req, const struct Target& target,
                     const AuthContext& who) const;
  Result<std::vector<Story>> ParseIngestBody(const ApiRequest& req) const;

  // server/auth_routes.cc
  ApiResponse Login(const ApiRequest& req) const;
  ApiResponse AuthRoute(const ApiRequest& req, const struct Target& target,
                        const AuthContext& who) const;
  ApiResponse AdminRoute(const ApiRequest& req, const struct Target& target,
                         const AuthContext& who) const;

  StoryStore& store_;
  AuthService& auth_;
  Metrics& metrics_;
  PushHub& hub_;
  const index::SearchIndex* index_;
  alerts::AlertService* alerts_;
  ApiOptions options_;
  // Behind a pointer: the counts change under const requests, and Api stays movable. The
  // services' counts (persisted) when given, else these.
  std::unique_ptr<ReadCounts> own_reads_ = std::make_unique<ReadCounts>();
  ReadCounts* reads_;
};

// A small built-in page (live headlines and a reader; server/web_page.cc), served at / when the
// server runs without the web terminal's files (--web none, or a build without them).
std::string_view WebPageHtml();

// The value of one cookie in a Cookie header, or empty.
std::string_view CookieValue(std::string_view header, std::string_view name);

}  // namespace dateline
