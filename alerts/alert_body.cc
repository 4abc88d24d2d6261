#include "alerts/alert_body.h"

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "core/utf8.h"

namespace dateline::alerts {
namespace {

using json = nlohmann::json;

Status Bad(const std::string& field, const std::string& what) {
  return Status::InvalidArgument(field + " " + what, field);
}

// Optional members are absent or null; anything else of the wrong type names the field.
Status ReadBool(const json& obj, const char* key, const std::string& field, bool& out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return Status::Ok();
  if (!it->is_boolean()) return Bad(field, "must be true or false");
  out = it->get<bool>();
  return Status::Ok();
}

Status ReadString(const json& obj, const char* key, const std::string& field, bool required,
                  std::string& out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    return required ? Bad(field, "is required") : Status::Ok();
  }
  if (!it->is_string()) return Bad(field, "must be a string");
  out = it->get<std::string>();
  return Status::Ok();
}

Status ReadInt(const json& obj, const char* key, const std::string& field, std::int64_t& out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return Bad(field, "is required");
  if (!it->is_number_integer()) return Bad(field, "must be a whole number");
  if (it->is_number_unsigned() && it->get<std::uint64_t>() > 1'000'000'000'000ULL) {
    return Bad(field, "is out of range");
  }
  out = it->get<std::int64_t>();
  if (out < -1'000'000'000'000LL || out > 1'000'000'000'000LL) return Bad(field, "is out of range");
  return Status::Ok();
}

}  // namespace

Result<AlertInput> ParseAlertBody(std::string_view content_type, std::string_view body) {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  if (media != "application/json")
    return Status::Unsupported("Content-Type must be application/json");
  if (body.size() > kMaxAlertBodyBytes) {
    return Status::TooLarge("request body is larger than " + std::to_string(kMaxAlertBodyBytes) +
                            " bytes");
  }
  if (auto bad = FindInvalidUtf8(body)) {
    return Status::InvalidUtf8("request body is not valid UTF-8 (byte " + std::to_string(*bad) +
                               ")");
  }
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) return Status::InvalidArgument("request body is not valid JSON");
  if (!j.is_object()) return Status::InvalidArgument("request body must be a JSON object");

  AlertInput in;
  if (Status s = ReadString(j, "name", "name", true, in.name); !s.ok()) return s;
  if (Status s = ReadString(j, "query", "query", true, in.query); !s.ok()) return s;
  if (Status s = ReadBool(j, "enabled", "enabled", in.enabled); !s.ok()) return s;

  if (auto d = j.find("delivery"); d != j.end() && !d->is_null()) {
    if (!d->is_object()) return Bad("delivery", "must be an object");
    if (Status s = ReadBool(*d, "live", "delivery.live", in.live); !s.ok()) return s;
    if (auto w = d->find("webhook"); w != d->end() && !w->is_null()) {
      if (!w->is_object()) return Bad("delivery.webhook", "must be an object or null");
      WebhookTarget target;
      if (Status s = ReadString(*w, "url", "delivery.webhook.url", true, target.url); !s.ok()) {
        return s;
      }
      if (Status s = ReadString(*w, "secret", "delivery.webhook.secret", false, target.secret);
          !s.ok()) {
        return s;
      }
      in.webhook = std::move(target);
    }
  }
  if (auto r = j.find("rate_limit"); r != j.end() && !r->is_null()) {
    if (!r->is_object()) return Bad("rate_limit", "must be an object or null");
    std::int64_t max = 0;
    std::int64_t window = 0;
    if (Status s = ReadInt(*r, "max", "rate_limit.max", max); !s.ok()) return s;
    if (Status s = ReadInt(*r, "window_seconds", "rate_limit.window_seconds", window); !s.ok()) {
      return s;
    }
    if (max < std::numeric_limits<int>::min() || max > std::numeric_limits<int>::max()) {
      return Bad("rate_limit.max", "is out of range");
    }
    in.rate_limit = RateLimit{static_cast<int>(max), window};
  }
  return in;
}

}  // namespace dateline::alerts
