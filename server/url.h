// Request targets: "/api/v1/stories?after=10&limit=5" -> path and decoded query parameters.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace dateline {

struct Target {
  std::string path;
  std::map<std::string, std::string, std::less<>> params;

  const std::string* Param(std::string_view name) const {
    auto it = params.find(name);
    return it == params.end() ? nullptr : &it->second;
  }
  // An unsigned integer parameter within [min, max]; `fallback` when absent. The error names it.
  Result<std::uint64_t> UintParam(std::string_view name, std::uint64_t fallback, std::uint64_t min,
                                  std::uint64_t max) const;
};

// Percent-decoding ('+' is a space in query strings). InvalidArgument on a bad escape.
Result<std::string> PercentDecode(std::string_view s, bool plus_is_space);
Result<Target> ParseTarget(std::string_view target);

}  // namespace dateline
