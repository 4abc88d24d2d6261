// libFuzzer target: the story JSON and NDJSON parsers (bodies of POST /api/v1/stories) and the
// serialiser on whatever they accept.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ingest/story_json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto story = dateline::ParseStoryJson(text);
  if (story.ok()) {
    auto again = dateline::ParseStoryJson(dateline::StoryToJson(*story));
    if (!again.ok()) __builtin_trap();  // what we print we must be able to read back
    (void)dateline::StoryFrameJson(*story);
  }
  (void)dateline::ParseStoryNdjson(text);
  return 0;
}
