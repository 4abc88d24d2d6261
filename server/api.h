// The HTTP API's routes, independent of the transport (server/http_server.cc owns Beast and
// calls these). Everything here is synchronous except ingest, whose durable acknowledgement
// the transport awaits between ParseIngest() and IngestResponse().
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "ingest/story_json.h"
#include "server/metrics.h"
#include "server/push_hub.h"
#include "store/story_store.h"

namespace dateline {

struct ApiRequest {
  std::string_view method;        // "GET", "POST", ...
  std::string_view target;        // path and query
  std::string_view content_type;  // Content-Type header, may be empty
  std::string_view body;
};

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  static ApiResponse Error(const Status& status);
  static ApiResponse Error(int http_status, std::string_view code, std::string_view message,
                           std::string_view field = {});
};

struct ApiOptions {
  JsonLimits json;
  std::size_t max_list_limit = 1000;
};

class Api {
 public:
  Api(StoryStore& store, Metrics& metrics, PushHub& hub, ApiOptions options = {})
      : store_(store), metrics_(metrics), hub_(hub), options_(options) {}

  // True for the request that ParseIngest/IngestResponse serve (POST /api/v1/stories).
  static bool IsIngest(std::string_view method, std::string_view path);
  // True for GET /api/v1/stream (the WebSocket endpoint).
  static bool IsStream(std::string_view path);

  ApiResponse Handle(const ApiRequest& request) const;

  // Parses the body of an ingest request: one JSON story (application/json) or NDJSON
  // (application/x-ndjson). Errors: 415 for other content types, 400/413/422 from parsing.
  Result<std::vector<Story>> ParseIngest(const ApiRequest& request) const;

  // 201 with {"id","version","seq","duplicate"} for one story (200 when it was a duplicate), or
  // {"stories": [...]} for a batch; the first failed append decides an error response.
  ApiResponse IngestResponse(bool batch, const std::vector<Result<AppendOutcome>>& results) const;

 private:
  ApiResponse GetStory(std::string_view id, const struct Target& target) const;
  ApiResponse GetVersions(std::string_view id) const;
  ApiResponse ListStories(const struct Target& target) const;
  ApiResponse Health() const;

  StoryStore& store_;
  Metrics& metrics_;
  PushHub& hub_;
  ApiOptions options_;
};

// The first web page: a live headline list (server/web_page.cc).
std::string_view WebPageHtml();

}  // namespace dateline
