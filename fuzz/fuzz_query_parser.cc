// libFuzzer target: the query parser. Whatever it accepts must print a canonical form that parses
// to the same canonical form (with the length limit lifted: the canonical form spells out what
// the input abbreviated), and a deep copy must print the same.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "query/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace dateline::query;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = Parse(text);
  if (!parsed.ok()) {
    const ParseError& e = parsed.error();
    if (e.code.empty() || e.column == 0) __builtin_trap();
    (void)ToStatus(e);
    return 0;
  }
  const std::string canonical = ToString(*parsed);
  Limits relaxed;
  relaxed.max_length = static_cast<std::size_t>(-1);
  auto again = Parse(canonical, relaxed);
  if (!again.ok() || ToString(*again) != canonical) __builtin_trap();
  if (ToString(*Clone(*parsed)) != canonical) __builtin_trap();
  return 0;
}
