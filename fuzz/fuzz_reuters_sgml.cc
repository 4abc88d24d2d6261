// libFuzzer target: ParseReutersSgml must parse or reject any bytes, never crash, and every
// story it hands out must pass ValidateStory.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/story.h"
#include "ingest/reuters_sgml.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view sgml(reinterpret_cast<const char*>(data), size);
  dateline::Status st = dateline::ParseReutersSgml(sgml, [](dateline::Story story) {
    if (!dateline::ValidateStory(story).ok()) std::abort();
  });
  (void)st;
  return 0;
}
