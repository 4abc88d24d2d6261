// Helpers shared by the ingest tests.
#pragma once

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "core/time_format.h"

namespace dateline::testutil {

// The whole file, or "" when it cannot be read (the caller asserts on that with the path).
inline std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// µs since the epoch of an RFC 3339 time; a bad literal fails the test.
inline std::int64_t Rfc(std::string_view s) {
  Result<std::int64_t> r = ParseRfc3339(s);
  EXPECT_TRUE(r.ok()) << s;
  return r.ok() ? *r : 0;
}

}  // namespace dateline::testutil
