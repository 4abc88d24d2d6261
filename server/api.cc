#include "server/api.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "core/time_format.h"
#include "server/error_mapping.h"
#include "server/url.h"

namespace dateline {
namespace {

using json = nlohmann::json;

constexpr std::string_view kStoriesPath = "/api/v1/stories";
constexpr std::string_view kStreamPath = "/api/v1/stream";

ApiResponse Json(int status, const json& j) {
  ApiResponse r;
  r.status = status;
  r.body = j.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

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

bool Api::IsIngest(std::string_view method, std::string_view path) {
  return method == "POST" && (path == kStoriesPath || path == "/api/v1/stories/");
}

bool Api::IsStream(std::string_view path) { return path == kStreamPath; }

ApiResponse Api::Handle(const ApiRequest& req) const {
  auto target = ParseTarget(req.target);
  if (!target.ok()) return ApiResponse::Error(target.status());
  const std::string& path = target->path;
  const bool get = req.method == "GET" || req.method == "HEAD";

  auto method_not_allowed = [&](std::string_view allow) {
    ApiResponse r = ApiResponse::Error(405, "method_not_allowed",
                                       std::string(req.method) + " is not allowed on " + path);
    r.headers.emplace_back("Allow", std::string(allow));
    return r;
  };

  if (path == "/" || path == "/index.html") {
    if (!get) return method_not_allowed("GET, HEAD");
    ApiResponse r;
    r.content_type = "text/html; charset=utf-8";
    r.body = std::string(WebPageHtml());
    r.headers.emplace_back("Cache-Control", "no-cache");
    r.headers.emplace_back("Content-Security-Policy",
                           "default-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "script-src 'self' 'unsafe-inline'; connect-src 'self'");
    return r;
  }
  if (path == "/healthz") {
    if (!get) return method_not_allowed("GET, HEAD");
    return Health();
  }
  if (path == "/metrics") {
    if (!get) return method_not_allowed("GET, HEAD");
    ApiResponse r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = metrics_.Render();
    return r;
  }
  if (path == kStoriesPath || path == "/api/v1/stories/") {
    if (!get) return method_not_allowed("GET, HEAD, POST");
    return ListStories(*target);
  }
  if (path.starts_with("/api/v1/stories/")) {
    std::string_view rest = std::string_view(path).substr(kStoriesPath.size() + 1);
    if (!get) return method_not_allowed("GET, HEAD");
    if (rest.ends_with("/versions")) {
      return GetVersions(rest.substr(0, rest.size() - std::string_view("/versions").size()));
    }
    return GetStory(rest, *target);
  }
  if (path == kStreamPath) {
    return ApiResponse::Error(426, "upgrade_required",
                              "the live stream is a WebSocket: connect with Upgrade: websocket");
  }
  return ApiResponse::Error(404, "not_found", "no such endpoint: " + path);
}

ApiResponse Api::Health() const {
  return Json(200, {{"status", "ok"},
                    {"last_seq", store_.LastDurableSeq()},
                    {"stories", store_.StoryCount()},
                    {"stream_clients", hub_.LiveClients()}});
}

ApiResponse Api::GetStory(std::string_view id, const Target& target) const {
  auto version = target.UintParam("version", 0, 1, UINT32_MAX);
  if (!version.ok()) return ApiResponse::Error(version.status());
  if (!IsValidStoryId(id)) {
    return ApiResponse::Error(404, "not_found", "no story with id " + std::string(id));
  }
  auto story = store_.Get(id, static_cast<std::uint32_t>(*version));
  if (!story.ok()) return ApiResponse::Error(story.status());
  ApiResponse r;
  r.body = StoryToJson(**story);
  return r;
}

ApiResponse Api::GetVersions(std::string_view id) const {
  std::vector<std::uint64_t> seqs = IsValidStoryId(id) ? store_.VersionSeqs(id)
                                                       : std::vector<std::uint64_t>{};
  if (seqs.empty()) return ApiResponse::Error(404, "not_found", "no story with id " + std::string(id));
  json versions = json::array();
  for (std::uint64_t seq : seqs) {
    auto s = store_.GetBySeq(seq);
    if (!s.ok()) return ApiResponse::Error(s.status());
    versions.push_back({{"version", (*s)->version},
                        {"seq", seq},
                        {"headline", (*s)->headline},
                        {"updated", FormatRfc3339((*s)->updated_us)}});
  }
  return Json(200, {{"id", id}, {"versions", versions}});
}

ApiResponse Api::ListStories(const Target& target) const {
  auto after = target.UintParam("after", 0, 0, UINT64_MAX);
  if (!after.ok()) return ApiResponse::Error(after.status());
  auto limit = target.UintParam("limit", 100, 1, options_.max_list_limit);
  if (!limit.ok()) return ApiResponse::Error(limit.status());
  auto stories = store_.ReadAfter(*after, *limit);
  if (!stories.ok()) return ApiResponse::Error(stories.status());
  std::string body = "{\"stories\":[";
  std::uint64_t last = *after;
  for (std::size_t i = 0; i < stories->size(); ++i) {
    if (i) body += ',';
    body += StoryToJson(*(*stories)[i]);
    last = (*stories)[i]->seq;
  }
  body += "],\"next_after\":" + std::to_string(last) +
          ",\"last_seq\":" + std::to_string(store_.LastDurableSeq()) + "}";
  ApiResponse r;
  r.body = std::move(body);
  return r;
}

Result<std::vector<Story>> Api::ParseIngest(const ApiRequest& req) const {
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
  if (!batch && items.size() == 1) return Json(any_new ? 201 : 200, items[0]);
  return Json(any_new ? 201 : 200, {{"stories", items}});
}

}  // namespace dateline
