// libFuzzer target: the JSON body of POST/PUT /api/v1/alerts (alerts/alert_body.h). It must never
// crash, and what it accepts must be what the body says: an independent read of the same JSON
// gives the same name, query, flags, webhook and rate limit.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "alerts/alert_body.h"

namespace {

using json = nlohmann::json;

// The member `key` of `obj` when present and not null.
const json* Member(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto parsed = dateline::alerts::ParseAlertBody("application/json; charset=utf-8", body);
  if (!parsed.ok()) {
    if (parsed.status().message().empty()) __builtin_trap();
    return 0;
  }
  const dateline::alerts::AlertInput& in = *parsed;

  // Accepted, so the body is a JSON object; read it again and compare.
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) __builtin_trap();
  const json* name = Member(j, "name");
  const json* query = Member(j, "query");
  if (name == nullptr || query == nullptr) __builtin_trap();
  if (in.name != name->get<std::string>() || in.query != query->get<std::string>()) {
    __builtin_trap();
  }
  const json* enabled = Member(j, "enabled");
  if (in.enabled != (enabled == nullptr || enabled->get<bool>())) __builtin_trap();

  const json* delivery = Member(j, "delivery");
  const json* live = delivery != nullptr ? Member(*delivery, "live") : nullptr;
  if (in.live != (live == nullptr || live->get<bool>())) __builtin_trap();
  const json* webhook = delivery != nullptr ? Member(*delivery, "webhook") : nullptr;
  if (in.webhook.has_value() != (webhook != nullptr)) __builtin_trap();
  if (webhook != nullptr) {
    const json* url = Member(*webhook, "url");
    const json* secret = Member(*webhook, "secret");
    if (url == nullptr || in.webhook->url != url->get<std::string>()) __builtin_trap();
    if (in.webhook->secret != (secret == nullptr ? "" : secret->get<std::string>())) {
      __builtin_trap();
    }
  }

  const json* rate = Member(j, "rate_limit");
  if (in.rate_limit.has_value() != (rate != nullptr)) __builtin_trap();
  if (rate != nullptr) {
    const json* max = Member(*rate, "max");
    const json* window = Member(*rate, "window_seconds");
    if (max == nullptr || window == nullptr) __builtin_trap();
    if (!max->is_number_integer() || !window->is_number_integer()) __builtin_trap();
    if (in.rate_limit->max != max->get<std::int64_t>() ||
        in.rate_limit->window_seconds != window->get<std::int64_t>()) {
      __builtin_trap();
    }
    if (in.rate_limit->window_seconds < -1'000'000'000'000LL ||
        in.rate_limit->window_seconds > 1'000'000'000'000LL) {
      __builtin_trap();
    }
  }
  return 0;
}
