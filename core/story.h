// Story: the unit of news that flows through Dateline.
//
// A story is identified by a stable id derived from its source and the source's own story id, so
// a story that a source sends again is recognised. Each accepted change of the same story is kept
// as a new version (1, 2, ...) chained to the previous one through `previous_seq`; nothing is
// overwritten. Times are microseconds since the Unix epoch, UTC; 0 means "unknown".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace dateline {

enum class Priority : std::uint8_t { kNormal = 0, kUrgent = 1, kFlash = 2 };

std::string_view PriorityName(Priority p);                  // "normal" | "urgent" | "flash"
Result<Priority> ParsePriority(std::string_view name);      // inverse, case-insensitive

// One block of the body: a paragraph of text or a subheading ("Island Dispute").
struct Block {
  enum class Kind : std::uint8_t { kParagraph = 0, kSubheading = 1 };
  Kind kind = Kind::kParagraph;
  std::string text;
  friend bool operator==(const Block&, const Block&) = default;
};

// Who to contact about the story: "To contact the reporter on this story: Isabel Reynolds in Tokyo".
struct Contact {
  std::string role;   // "reporter" or "editor"
  std::string name;
  std::string place;  // may be empty
  std::string email;  // may be empty (captured pages often have it stripped)
  friend bool operator==(const Contact&, const Contact&) = default;
};

// A tag assigned by enrichment: field ("ticker", "country", "person", "topic") and value.
struct Tag {
  std::string field;
  std::string value;
  friend bool operator==(const Tag&, const Tag&) = default;
};

struct Story {
  // Identity.
  std::string id;          // MakeStoryId(source, source_id)
  std::string source;      // e.g. "bloomberg", "reuters"
  std::string source_id;   // the source's own id; derived from content when the source has none
  std::string url;

  // Content.
  std::string headline;
  std::string summary;
  std::vector<Block> body;
  std::vector<std::string> bylines;
  std::string dateline_place;
  std::vector<Contact> contacts;
  std::string language;    // BCP 47 tag, e.g. "en"; empty when unknown
  Priority priority = Priority::kNormal;
  std::vector<Tag> tags;

  // Times (µs since epoch, UTC).
  std::int64_t published_us = 0;
  std::int64_t received_us = 0;
  std::int64_t updated_us = 0;

  // Assigned by the story log.
  std::uint32_t version = 0;       // 1 for the first version
  std::uint64_t seq = 0;           // log sequence number of this version
  std::uint64_t previous_seq = 0;  // seq of the previous version, 0 for the first

  friend bool operator==(const Story&, const Story&) = default;

  // Body paragraphs and subheadings joined with blank lines.
  std::string BodyText() const;
};

// Limits that every accepted story satisfies.
struct StoryLimits {
  std::size_t max_headline_bytes = 4096;
  std::size_t max_field_bytes = 64 * 1024;         // source, ids, url, names, places
  std::size_t max_body_bytes = 16 * 1024 * 1024;   // the whole body
  std::size_t max_blocks = 100000;
  std::size_t max_list_items = 1000;               // bylines, contacts, tags
};

// 24 lowercase hex characters (96 bits) derived from source and source id.
std::string MakeStoryId(std::string_view source, std::string_view source_id);

// True if `id` has the shape MakeStoryId produces.
bool IsValidStoryId(std::string_view id);

// A hash of everything a source said about the story: identity and content, not the times and
// numbers the log assigns (version, seq, received, updated). Two posts with the same content hash
// are the same version.
std::uint64_t ContentHash(const Story& story);

// Checks a story before it is accepted: headline present, source present, every text field valid
// UTF-8 and within the limits. The error names the field ("headline", "body[3].text").
Status ValidateStory(const Story& story, const StoryLimits& limits = {});

// Fills what can be derived: source_id from the content hash when empty, then id.
void CompleteIdentity(Story& story);

}  // namespace dateline
