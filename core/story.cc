#include "core/story.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "core/hash.h"
#include "core/utf8.h"

namespace dateline {

std::string_view PriorityName(Priority p) {
  switch (p) {
    case Priority::kNormal: return "normal";
    case Priority::kUrgent: return "urgent";
    case Priority::kFlash: return "flash";
  }
  return "normal";
}

Result<Priority> ParsePriority(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "normal") return Priority::kNormal;
  if (lower == "urgent") return Priority::kUrgent;
  if (lower == "flash") return Priority::kFlash;
  return Status::InvalidArgument("priority must be one of flash, urgent, normal", "priority");
}

std::string Story::BodyText() const {
  std::string out;
  for (const Block& b : body) {
    if (!out.empty()) out += "\n\n";
    out += b.text;
  }
  return out;
}

std::string MakeStoryId(std::string_view source, std::string_view source_id) {
  Hasher a(0x64617465);  // two independent 64-bit hashes, 96 bits used
  a.Add(source);
  a.Add(source_id);
  Hasher b(0x6c696e65);
  b.Add(source);
  b.Add(source_id);
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%08llx", static_cast<unsigned long long>(a.Finish()),
                static_cast<unsigned long long>(b.Finish() >> 32));
  return std::string(buf, 24);
}

bool IsValidStoryId(std::string_view id) {
  return id.size() == 24 && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::uint64_t ContentHash(const Story& s) {
  Hasher h;
  h.Add(s.source);
  h.Add(s.source_id);
  h.Add(s.url);
  h.Add(s.headline);
  h.Add(s.summary);
  h.Add(s.body.size());
  for (const Block& b : s.body) {
    h.Add(static_cast<std::uint64_t>(b.kind));
    h.Add(b.text);
  }
  h.Add(s.bylines.size());
  for (const auto& b : s.bylines) h.Add(b);
  h.Add(s.dateline_place);
  h.Add(s.contacts.size());
  for (const Contact& c : s.contacts) {
    h.Add(c.role);
    h.Add(c.name);
    h.Add(c.place);
    h.Add(c.email);
  }
  h.Add(s.language);
  h.Add(static_cast<std::uint64_t>(s.priority));
  h.Add(s.tags.size());
  for (const Tag& t : s.tags) {
    h.Add(t.field);
    h.Add(t.value);
  }
  h.Add(static_cast<std::uint64_t>(s.published_us));
  return h.Finish();
}

namespace {

Status CheckText(std::string_view value, std::string_view field, std::size_t limit) {
  if (value.size() > limit) {
    return Status::TooLarge(std::string(field) + " is " + std::to_string(value.size()) +
                                " bytes, above the limit of " + std::to_string(limit),
                            std::string(field));
  }
  if (auto bad = FindInvalidUtf8(value)) {
    return Status::InvalidUtf8(std::string(field) + " is not valid UTF-8 (byte " +
                                   std::to_string(*bad) + ")",
                               std::string(field));
  }
  return {};
}

bool IsBlank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c); });
}

}  // namespace

Status ValidateStory(const Story& s, const StoryLimits& lim) {
  if (IsBlank(s.headline)) return Status::InvalidArgument("headline is required", "headline");
  if (IsBlank(s.source)) return Status::InvalidArgument("source is required", "source");
  Status st;
#define DL_CHECK(value, field, limit) \
  if (!(st = CheckText(value, field, limit)).ok()) return st
  DL_CHECK(s.headline, "headline", lim.max_headline_bytes);
  DL_CHECK(s.source, "source", 256);
  DL_CHECK(s.source_id, "source_id", 1024);
  DL_CHECK(s.url, "url", 8192);
  DL_CHECK(s.summary, "summary", lim.max_field_bytes);
  DL_CHECK(s.dateline_place, "dateline_place", lim.max_field_bytes);
  DL_CHECK(s.language, "language", 64);
  for (std::size_t i = 0; i < s.bylines.size(); ++i) {
    DL_CHECK(s.bylines[i], "bylines[" + std::to_string(i) + "]", lim.max_field_bytes);
  }
  for (std::size_t i = 0; i < s.contacts.size(); ++i) {
    const std::string f = "contacts[" + std::to_string(i) + "].";
    DL_CHECK(s.contacts[i].role, f + "role", 64);
    DL_CHECK(s.contacts[i].name, f + "name", lim.max_field_bytes);
    DL_CHECK(s.contacts[i].place, f + "place", lim.max_field_bytes);
    DL_CHECK(s.contacts[i].email, f + "email", lim.max_field_bytes);
  }
  for (std::size_t i = 0; i < s.tags.size(); ++i) {
    const std::string f = "tags[" + std::to_string(i) + "].";
    DL_CHECK(s.tags[i].field, f + "field", 64);
    DL_CHECK(s.tags[i].value, f + "value", lim.max_field_bytes);
  }
  std::size_t body_bytes = 0;
  for (std::size_t i = 0; i < s.body.size(); ++i) {
    DL_CHECK(s.body[i].text, "body[" + std::to_string(i) + "].text", lim.max_body_bytes);
    body_bytes += s.body[i].text.size();
  }
#undef DL_CHECK
  if (body_bytes > lim.max_body_bytes) {
    return Status::TooLarge("body is " + std::to_string(body_bytes) +
                                " bytes, above the limit of " + std::to_string(lim.max_body_bytes),
                            "body");
  }
  if (s.body.size() > lim.max_blocks) {
    return Status::TooLarge("body has too many blocks", "body");
  }
  if (s.bylines.size() > lim.max_list_items) {
    return Status::TooLarge("too many bylines", "bylines");
  }
  if (s.contacts.size() > lim.max_list_items) {
    return Status::TooLarge("too many contacts", "contacts");
  }
  if (s.tags.size() > lim.max_list_items) return Status::TooLarge("too many tags", "tags");
  return {};
}

void CompleteIdentity(Story& s) {
  if (s.source_id.empty()) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(ContentHash(s)));
    s.source_id = std::string("h:") + buf;
  }
  s.id = MakeStoryId(s.source, s.source_id);
}

}  // namespace dateline
