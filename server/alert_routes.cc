// /api/v1/alerts…: the caller's alerts, their inbox and dead webhook deliveries (docs/alerts.md).
// Every route acts on the caller's own rows only; the service answers another user's as NotFound.
#include <charconv>

#include "alerts/alert_json.h"
#include "alerts/alert_service.h"
#include "server/api.h"
#include "server/url.h"

namespace dateline {
namespace {

constexpr std::string_view kAlertsPath = "/api/v1/alerts";

ApiResponse JsonBody(int status, std::string body) {
  ApiResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

ApiResponse Marked(std::int64_t n) {
  return JsonBody(200, "{\"marked\":" + std::to_string(n) + "}");
}

// "17" -> 17; anything else (empty, signs, overflow) -> nullopt.
std::optional<std::int64_t> Id(std::string_view s) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v <= 0) return std::nullopt;
  return v;
}

// Splits "a/b/c" at '/'.
std::vector<std::string_view> Segments(std::string_view rest) {
  std::vector<std::string_view> out;
  while (!rest.empty()) {
    auto slash = rest.find('/');
    out.push_back(rest.substr(0, slash));
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return out;
}

}  // namespace

bool Api::IsAlertsPath(std::string_view path) {
  return path == kAlertsPath || path.starts_with("/api/v1/alerts/");
}

ApiResponse Api::AlertRoute(const ApiRequest& req, const Target& target,
                            const AuthContext& who) const {
  if (!HasScope(who.principal, Scope::kAlerts)) {
    return ApiResponse::Error(403, "forbidden", "alerts need the alerts scope");
  }
  if (alerts_ == nullptr) {
    return ApiResponse::Error(503, "unavailable", "this server runs without alerts");
  }
  alerts::AlertService& service = *alerts_;
  const std::int64_t user = who.principal.user_id;
  const std::string& path = target.path;
  const std::string_view method = req.method;
  const bool get = method == "GET" || method == "HEAD";
  std::string_view rest = std::string_view(path).substr(kAlertsPath.size());
  if (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  const std::vector<std::string_view> seg = Segments(rest);
  auto not_found = [&] { return ApiResponse::Error(404, "not_found", "no such endpoint: " + path); };

  if (seg.empty()) {
    if (get) {
      auto list = service.List(user);
      return list.ok() ? JsonBody(200, alerts::AlertListJson(*list)) : ApiResponse::Error(list.status());
    }
    if (method != "POST") return ApiResponse::MethodNotAllowed(method, path, "GET, HEAD, POST");
    auto input = alerts::ParseAlertBody(req.content_type, req.body);
    if (!input.ok()) return ApiResponse::Error(input.status());
    auto created = service.Create(user, *input);
    if (!created.ok()) return ApiResponse::Error(created.status());
    ApiResponse r = JsonBody(201, alerts::AlertJson(*created));
    r.headers.emplace_back("Location", std::string(kAlertsPath) + "/" + std::to_string(created->id));
    return r;
  }

  if (seg[0] == "inbox") {
    if (seg.size() == 1) {
      if (!get) return ApiResponse::MethodNotAllowed(method, path, "GET, HEAD");
      alerts::InboxQuery q;
      auto before = target.UintParam("before", 0, 0, INT64_MAX);
      if (!before.ok()) return ApiResponse::Error(before.status());
      auto limit = target.UintParam("limit", 50, 1, 200);
      if (!limit.ok()) return ApiResponse::Error(limit.status());
      auto unread = target.UintParam("unread", 0, 0, 1);
      if (!unread.ok()) return ApiResponse::Error(unread.status());
      auto alert = target.UintParam("alert", 0, 0, INT64_MAX);
      if (!alert.ok()) return ApiResponse::Error(alert.status());
      q.before_id = static_cast<std::int64_t>(*before);
      q.limit = static_cast<int>(*limit);
      q.unread_only = *unread == 1;
      if (*alert) q.alert_id = static_cast<std::int64_t>(*alert);
      auto page = service.ListInbox(user, q);
      if (!page.ok()) return ApiResponse::Error(page.status());
      auto counts = service.CountUnread(user);
      if (!counts.ok()) return ApiResponse::Error(counts.status());
      return JsonBody(200, alerts::InboxPageJson(*page, *counts));
    }
    if (seg.size() == 2 && seg[1] == "unread") {
      if (!get) return ApiResponse::MethodNotAllowed(method, path, "GET, HEAD");
      auto counts = service.CountUnread(user);
      return counts.ok() ? JsonBody(200, alerts::UnreadCountsJson(*counts))
                         : ApiResponse::Error(counts.status());
    }
    if (seg.size() == 2 && seg[1] == "read") {
      if (method != "POST") return ApiResponse::MethodNotAllowed(method, path, "POST");
      auto n = service.MarkAllRead(user);
      return n.ok() ? Marked(*n) : ApiResponse::Error(n.status());
    }
    if (seg.size() == 3 && seg[2] == "read") {
      if (method != "POST") return ApiResponse::MethodNotAllowed(method, path, "POST");
      auto id = Id(seg[1]);
      if (!id) return not_found();
      Status s = service.MarkRead(user, *id);
      return s.ok() ? ApiResponse::NoContent() : ApiResponse::Error(s);
    }
    return not_found();
  }

  if (seg[0] == "deliveries") {
    if (seg.size() == 2 && seg[1] == "dead") {
      if (!get) return ApiResponse::MethodNotAllowed(method, path, "GET, HEAD");
      auto before = target.UintParam("before", 0, 0, INT64_MAX);
      if (!before.ok()) return ApiResponse::Error(before.status());
      auto limit = target.UintParam("limit", 50, 1, 200);
      if (!limit.ok()) return ApiResponse::Error(limit.status());
      auto dead = service.ListDeadLetters(user, static_cast<std::int64_t>(*before),
                                          static_cast<int>(*limit));
      return dead.ok() ? JsonBody(200, alerts::DeliveryListJson(*dead))
                       : ApiResponse::Error(dead.status());
    }
    if (seg.size() == 3 && seg[2] == "retry") {
      if (method != "POST") return ApiResponse::MethodNotAllowed(method, path, "POST");
      auto id = Id(seg[1]);
      if (!id) return not_found();
      Status s = service.RetryDeadLetter(user, *id);
      return s.ok() ? ApiResponse::NoContent() : ApiResponse::Error(s);
    }
    return not_found();
  }

  auto id = Id(seg[0]);
  if (!id) return not_found();
  if (seg.size() == 2 && seg[1] == "read") {
    if (method != "POST") return ApiResponse::MethodNotAllowed(method, path, "POST");
    auto n = service.MarkAlertRead(user, *id);
    return n.ok() ? Marked(*n) : ApiResponse::Error(n.status());
  }
  if (seg.size() != 1) return not_found();
  if (get) {
    auto alert = service.Get(user, *id);
    return alert.ok() ? JsonBody(200, alerts::AlertJson(*alert)) : ApiResponse::Error(alert.status());
  }
  if (method == "PUT") {
    auto input = alerts::ParseAlertBody(req.content_type, req.body);
    if (!input.ok()) return ApiResponse::Error(input.status());
    auto updated = service.Update(user, *id, *input);
    return updated.ok() ? JsonBody(200, alerts::AlertJson(*updated))
                        : ApiResponse::Error(updated.status());
  }
  if (method == "DELETE") {
    Status s = service.Delete(user, *id);
    return s.ok() ? ApiResponse::NoContent() : ApiResponse::Error(s);
  }
  return ApiResponse::MethodNotAllowed(method, path, "GET, HEAD, PUT, DELETE");
}

}  // namespace dateline
