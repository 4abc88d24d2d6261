// Binary encoding of a Story, the payload of a story-log frame (docs/formats/story-log.md).
//
// Layout: a format byte (currently 1), then every field in declaration order; integers as LEB128
// varints (signed ones zig-zag encoded), strings and lists as a varint length followed by the
// bytes or items. Decoding checks every length against the remaining input and never reads past
// it, so a damaged payload yields a Corruption status, not garbage.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "core/story.h"

namespace dateline {

void EncodeStory(const Story& story, std::string* out);  // appends to *out
Result<Story> DecodeStory(std::string_view data);

}  // namespace dateline
