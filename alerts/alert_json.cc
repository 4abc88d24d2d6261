#include "alerts/alert_json.h"

#include <nlohmann/json.hpp>

#include "core/time_format.h"

namespace dateline::alerts {
namespace {

using json = nlohmann::json;

json Time(std::int64_t us) { return FormatRfc3339(us); }

json AlertRef(const AlertNotification& n) { return {{"id", n.alert_id}, {"name", n.alert_name}}; }

json DigestObject(const Digest& d) {
  json stories = json::array();
  for (const DigestStory& s : d.stories) {
    stories.push_back({{"id", s.story_id},
                       {"seq", s.seq},
                       {"headline", s.headline},
                       {"fired_at", Time(s.fired_at_us)}});
  }
  return {{"count", d.count},
          {"window_start", Time(d.window_start_us)},
          {"window_end", Time(d.window_end_us)},
          {"stories", std::move(stories)},
          {"more", d.count - static_cast<std::int64_t>(d.stories.size())}};
}

json NotificationObject(const AlertNotification& n, const char* type) {
  json j = json::object();
  if (type != nullptr) j["type"] = type;
  j["id"] = n.id;
  j["kind"] = n.kind == NotificationKind::kMatch ? "match" : "digest";
  j["alert"] = AlertRef(n);
  if (n.kind == NotificationKind::kMatch) {
    j["story"] = {{"id", n.story_id}, {"seq", n.seq}, {"headline", n.headline}};
    j["matched_terms"] = n.matched_terms;
  } else {
    j["digest"] = DigestObject(n.digest);
  }
  j["fired_at"] = Time(n.fired_at_us);
  j["read_at"] = n.read_at_us ? Time(*n.read_at_us) : json(nullptr);
  return j;
}

json AlertObject(const Alert& a) {
  json webhook = nullptr;
  if (a.webhook_url) {
    webhook = {{"url", *a.webhook_url}};
    if (a.new_webhook_secret) webhook["secret"] = *a.new_webhook_secret;
  }
  json rate = nullptr;
  if (a.rate_limit)
    rate = {{"max", a.rate_limit->max}, {"window_seconds", a.rate_limit->window_seconds}};
  return {{"id", a.id},
          {"name", a.name},
          {"query", a.query},
          {"enabled", a.enabled},
          {"delivery", {{"live", a.live}, {"webhook", std::move(webhook)}}},
          {"rate_limit", std::move(rate)},
          {"cost", a.cost},
          {"created_at", Time(a.created_at_us)},
          {"updated_at", Time(a.updated_at_us)}};
}

json UnreadObject(const UnreadCounts& u) {
  json by_alert = json::object();
  for (const auto& [id, n] : u.by_alert) by_alert[std::to_string(id)] = n;
  return {{"total", u.total}, {"by_alert", std::move(by_alert)}};
}

json DeliveryObject(const Delivery& d) {
  json payload = json::parse(d.payload, nullptr, false);
  if (payload.is_discarded()) payload = d.payload;
  return {{"id", d.id},
          {"alert_id", d.alert_id},
          {"url", d.url},
          {"state", DeliveryStateName(d.state)},
          {"attempts", d.attempts},
          {"next_attempt_at", Time(d.next_attempt_at_us)},
          {"last_error", d.last_error},
          {"created_at", Time(d.created_at_us)},
          {"updated_at", Time(d.updated_at_us)},
          {"payload", std::move(payload)}};
}

// Text from the database or a story is valid UTF-8, but a dump must never throw.
std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace

std::string AlertJson(const Alert& alert) { return Dump(AlertObject(alert)); }

std::string AlertListJson(const std::vector<Alert>& alerts) {
  json list = json::array();
  for (const Alert& a : alerts) list.push_back(AlertObject(a));
  return Dump({{"alerts", std::move(list)}});
}

std::string NotificationJson(const AlertNotification& n) {
  return Dump(NotificationObject(n, nullptr));
}

std::string AlertFrameJson(const AlertNotification& n) {
  return Dump(NotificationObject(n, "alert"));
}

std::string InboxPageJson(const InboxPage& page, const UnreadCounts& unread) {
  json entries = json::array();
  for (const AlertNotification& n : page.entries) entries.push_back(NotificationObject(n, nullptr));
  return Dump({{"entries", std::move(entries)},
               {"next_before", page.next_before_id ? json(page.next_before_id) : json(nullptr)},
               {"unread", UnreadObject(unread)}});
}

std::string UnreadCountsJson(const UnreadCounts& unread) { return Dump(UnreadObject(unread)); }

std::string WebhookPayloadJson(const AlertNotification& n, const Story* story) {
  json j = NotificationObject(n, n.kind == NotificationKind::kMatch ? "alert" : "alert_digest");
  j.erase("read_at");
  if (story != nullptr && n.kind == NotificationKind::kMatch) {
    j["story"]["source"] = story->source;
    j["story"]["url"] = story->url;
    j["story"]["published"] = story->published_us ? Time(story->published_us) : json(nullptr);
  }
  return Dump(j);
}

std::string DeliveryJson(const Delivery& d) { return Dump(DeliveryObject(d)); }

std::string DeliveryListJson(const std::vector<Delivery>& deliveries) {
  json list = json::array();
  for (const Delivery& d : deliveries) list.push_back(DeliveryObject(d));
  return Dump({{"deliveries", std::move(list)}});
}

}  // namespace dateline::alerts
