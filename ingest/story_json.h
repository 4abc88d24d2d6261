// JSON form of stories: the body of POST /api/v1/stories and of every story the API returns.
//
// {"source": "bloomberg", "source_id": "MVNB2A6K50XS", "url": "...", "headline": "...",
//  "summary": "...", "body": ["paragraph", {"subheading": "Island Dispute"}, ...] or a string,
//  "bylines": ["..."], "dateline_place": "Tokyo",
//  "contacts": [{"role": "reporter", "name": "...", "place": "...", "email": "..."}],
//  "language": "en", "priority": "flash|urgent|normal", "published": "RFC 3339", "tags": [...]}
//
// Errors name the field ("headline", "body[2]", "contacts[0].role") and, for syntax errors, the
// byte offset; NDJSON errors also name the line.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/story.h"

namespace dateline {

struct JsonLimits {
  std::size_t max_depth = 32;
  StoryLimits story;
};

// Parses one story as sent by a client. Fields the log assigns (id, version, seq, received,
// updated) are ignored if present. The result has passed ValidateStory and CompleteIdentity.
Result<Story> ParseStoryJson(std::string_view json, const JsonLimits& limits = {});

// One story per non-empty line; the first bad line fails the whole batch (nothing is stored).
Result<std::vector<Story>> ParseStoryNdjson(std::string_view ndjson, const JsonLimits& limits = {});

// The full story as the API returns it (all fields, times in RFC 3339).
std::string StoryToJson(const Story& story);

// The live-stream frame: {"type":"story","seq":..,"id":..,"version":..,"source":..,
// "headline":..,"priority":..,"published":..,"received":..}
std::string StoryFrameJson(const Story& story);

}  // namespace dateline
