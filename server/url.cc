#include "server/url.h"

#include <charconv>

namespace dateline {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Result<std::string> PercentDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      int hi = i + 1 < s.size() ? HexValue(s[i + 1]) : -1;
      int lo = i + 2 < s.size() ? HexValue(s[i + 2]) : -1;
      if (hi < 0 || lo < 0) return Status::InvalidArgument("bad percent escape in the request target");
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (s[i] == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

Result<Target> ParseTarget(std::string_view target) {
  Target t;
  auto q = target.find('?');
  auto path = PercentDecode(target.substr(0, q), false);
  if (!path.ok()) return path.status();
  t.path = std::move(*path);
  if (q == std::string_view::npos) return t;
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    auto key = PercentDecode(pair.substr(0, eq), true);
    auto value = PercentDecode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
    if (!key.ok()) return key.status();
    if (!value.ok()) return value.status();
    t.params[std::move(*key)] = std::move(*value);
  }
  return t;
}

Result<std::uint64_t> Target::UintParam(std::string_view name, std::uint64_t fallback,
                                        std::uint64_t min, std::uint64_t max) const {
  const std::string* v = Param(name);
  if (!v) return fallback;
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  const std::string field(name);
  if (ec != std::errc() || end != v->data() + v->size() || v->empty()) {
    return Status::InvalidArgument(field + " must be a non-negative integer", field);
  }
  if (n < min || n > max) {
    return Status::InvalidArgument(
        field + " must be between " + std::to_string(min) + " and " + std::to_string(max), field);
  }
  return n;
}

}  // namespace dateline
