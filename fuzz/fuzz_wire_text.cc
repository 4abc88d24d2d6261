// libFuzzer target: ParseWireText must return a story or an error for any bytes, never crash,
// and what it returns must pass ValidateStory.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/story.h"
#include "ingest/wire_text.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  dateline::WireTextOptions options;
  options.reference_time_us = 1383436800000000;  // 2013-11-03: results do not depend on "now"
  dateline::Result<dateline::Story> story = dateline::ParseWireText(text, options);
  if (story.ok() && !dateline::ValidateStory(*story).ok()) std::abort();
  return 0;
}
