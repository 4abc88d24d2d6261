#include "ingest/story_json.h"

#include <nlohmann/json.hpp>

#include "core/time_format.h"
#include "core/utf8.h"

namespace dateline {
namespace {

using json = nlohmann::json;

struct DepthExceeded {};

Status FieldError(const std::string& field, const std::string& what) {
  return Status::InvalidArgument(field + " " + what, field);
}

Result<std::string> GetString(const json& v, const std::string& field) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return std::string();
  return FieldError(field, "must be a string");
}

// Splits a plain-text body into paragraphs at blank lines; single newlines inside a paragraph
// become spaces (hard-wrapped text).
std::vector<Block> ParagraphsFromText(std::string_view text) {
  std::vector<Block> out;
  std::string cur;
  std::size_t pos = 0;
  auto flush = [&] {
    if (!cur.empty()) out.push_back({Block::Kind::kParagraph, std::move(cur)});
    cur.clear();
  };
  while (pos <= text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? text.npos : nl - pos);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
      line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (line.empty()) {
      flush();
    } else {
      if (!cur.empty()) cur += ' ';
      cur += line;
    }
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  flush();
  return out;
}

Status ParseBody(const json& v, Story& s) {
  if (v.is_null()) return {};
  if (v.is_string()) {
    s.body = ParagraphsFromText(v.get_ref<const std::string&>());
    return {};
  }
  if (!v.is_array()) return FieldError("body", "must be a string or an array");
  for (std::size_t i = 0; i < v.size(); ++i) {
    const json& b = v[i];
    const std::string field = "body[" + std::to_string(i) + "]";
    if (b.is_string()) {
      s.body.push_back({Block::Kind::kParagraph, b.get<std::string>()});
    } else if (b.is_object() && b.size() == 1 && b.begin().value().is_string() &&
               (b.contains("subheading") || b.contains("paragraph"))) {
      s.body.push_back({b.contains("subheading") ? Block::Kind::kSubheading
                                                 : Block::Kind::kParagraph,
                        b.begin().value().get<std::string>()});
    } else {
      return FieldError(field,
                        "must be a string or an object {\"subheading\": ...} / {\"paragraph\": ...}");
    }
  }
  return {};
}

Status ParseStringList(const json& v, const std::string& field, std::vector<std::string>& out) {
  if (v.is_null()) return {};
  if (v.is_string()) {
    out.push_back(v.get<std::string>());
    return {};
  }
  if (!v.is_array()) return FieldError(field, "must be an array of strings");
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string()) {
      return FieldError(field + "[" + std::to_string(i) + "]", "must be a string");
    }
    out.push_back(v[i].get<std::string>());
  }
  return {};
}

Status ParseContacts(const json& v, Story& s) {
  if (v.is_null()) return {};
  if (!v.is_array()) return FieldError("contacts", "must be an array of objects");
  for (std::size_t i = 0; i < v.size(); ++i) {
    const std::string base = "contacts[" + std::to_string(i) + "]";
    if (!v[i].is_object()) return FieldError(base, "must be an object");
    Contact c;
    for (const auto& [key, val] : v[i].items()) {
      std::string* dst = key == "role"    ? &c.role
                         : key == "name"  ? &c.name
                         : key == "place" ? &c.place
                         : key == "email" ? &c.email
                                          : nullptr;
      if (!dst) return FieldError(base + "." + key, "is not a contact field (role, name, place, email)");
      auto str = GetString(val, base + "." + key);
      if (!str.ok()) return str.status();
      *dst = std::move(*str);
    }
    if (c.role != "reporter" && c.role != "editor") {
      return FieldError(base + ".role", "must be \"reporter\" or \"editor\"");
    }
    if (c.name.empty()) return FieldError(base + ".name", "is required");
    s.contacts.push_back(std::move(c));
  }
  return {};
}

Status ParseTags(const json& v, Story& s) {
  if (v.is_null()) return {};
  if (!v.is_array()) return FieldError("tags", "must be an array");
  for (std::size_t i = 0; i < v.size(); ++i) {
    const std::string field = "tags[" + std::to_string(i) + "]";
    Tag t;
    if (v[i].is_string()) {
      const std::string& str = v[i].get_ref<const std::string&>();
      auto colon = str.find(':');
      if (colon == std::string::npos || colon == 0 || colon + 1 == str.size()) {
        return FieldError(field, "must look like \"field:value\"");
      }
      t.field = str.substr(0, colon);
      t.value = str.substr(colon + 1);
    } else if (v[i].is_object() && v[i].contains("field") && v[i].contains("value") &&
               v[i]["field"].is_string() && v[i]["value"].is_string()) {
      t.field = v[i]["field"].get<std::string>();
      t.value = v[i]["value"].get<std::string>();
    } else {
      return FieldError(field, "must be \"field:value\" or {\"field\": ..., \"value\": ...}");
    }
    s.tags.push_back(std::move(t));
  }
  return {};
}

Result<std::int64_t> ParseTime(const json& v, const std::string& field) {
  if (v.is_null()) return std::int64_t{0};
  if (!v.is_string()) return FieldError(field, "must be an RFC 3339 string");
  if (v.get_ref<const std::string&>().empty()) return std::int64_t{0};  // unknown
  auto t = ParseRfc3339(v.get_ref<const std::string&>());
  if (!t.ok()) return Status::InvalidArgument(field + ": " + t.status().message(), field);
  return *t;
}

Result<Story> StoryFromJson(const json& doc, const JsonLimits& limits) {
  if (!doc.is_object()) return Status::InvalidArgument("a story must be a JSON object", "");
  Story s;
  Status st;
  for (const auto& [key, v] : doc.items()) {
    if (key == "source" || key == "url" || key == "headline" || key == "summary" ||
        key == "dateline_place" || key == "language") {
      auto str = GetString(v, key);
      if (!str.ok()) return str.status();
      std::string& dst = key == "source"           ? s.source
                         : key == "url"            ? s.url
                         : key == "headline"       ? s.headline
                         : key == "summary"        ? s.summary
                         : key == "dateline_place" ? s.dateline_place
                                                   : s.language;
      dst = std::move(*str);
    } else if (key == "source_id") {
      if (v.is_number_integer()) {
        s.source_id = v.dump();
      } else {
        auto str = GetString(v, key);
        if (!str.ok()) return str.status();
        s.source_id = std::move(*str);
      }
    } else if (key == "body") {
      if (!(st = ParseBody(v, s)).ok()) return st;
    } else if (key == "bylines") {
      if (!(st = ParseStringList(v, key, s.bylines)).ok()) return st;
    } else if (key == "contacts") {
      if (!(st = ParseContacts(v, s)).ok()) return st;
    } else if (key == "tags") {
      if (!(st = ParseTags(v, s)).ok()) return st;
    } else if (key == "priority") {
      if (v.is_null()) continue;
      if (!v.is_string()) return FieldError(key, "must be one of flash, urgent, normal");
      auto p = ParsePriority(v.get_ref<const std::string&>());
      if (!p.ok()) return p.status();
      s.priority = *p;
    } else if (key == "published") {
      auto t = ParseTime(v, key);
      if (!t.ok()) return t.status();
      s.published_us = *t;
    } else if (key == "id" || key == "version" || key == "seq" || key == "previous_seq" ||
               key == "received" || key == "updated") {
      // Assigned by Dateline; ignored so that a story fetched from the API can be posted back.
    } else {
      return FieldError(key, "is not a story field");
    }
  }
  if (!(st = ValidateStory(s, limits.story)).ok()) return st;
  // Whitespace-only source ids would make distinct stories collide.
  if (!s.source_id.empty() && s.source_id.find_first_not_of(" \t") == std::string::npos) {
    return FieldError("source_id", "must not be blank");
  }
  CompleteIdentity(s);
  return s;
}

Result<json> ParseJsonDocument(std::string_view text, const JsonLimits& limits) {
  if (auto bad = FindInvalidUtf8(text)) {
    return Status::InvalidUtf8("request body is not valid UTF-8 (byte " + std::to_string(*bad) +
                               ")");
  }
  try {
    json::parser_callback_t depth_guard = [&](int depth, json::parse_event_t, json&) {
      if (static_cast<std::size_t>(depth) > limits.max_depth) throw DepthExceeded{};
      return true;
    };
    return json::parse(text.begin(), text.end(), depth_guard);
  } catch (const DepthExceeded&) {
    return Status::InvalidArgument("JSON nested deeper than " + std::to_string(limits.max_depth) +
                                   " levels");
  } catch (const json::parse_error& e) {
    // e.what() is "[json.exception.parse_error.101] parse error at line 1, column 5: ..."
    std::string what = e.what();
    auto pos = what.find("] ");
    return Status::InvalidArgument("invalid JSON: " +
                                   (pos == std::string::npos ? what : what.substr(pos + 2)));
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("invalid JSON: ") + e.what());
  }
}

json BlocksToJson(const std::vector<Block>& body) {
  json arr = json::array();
  for (const Block& b : body) {
    if (b.kind == Block::Kind::kSubheading) {
      arr.push_back({{"subheading", b.text}});
    } else {
      arr.push_back(b.text);
    }
  }
  return arr;
}

std::string Time(std::int64_t us) { return us ? FormatRfc3339(us) : std::string(); }

std::string Dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

Result<Story> ParseStoryJson(std::string_view text, const JsonLimits& limits) {
  auto doc = ParseJsonDocument(text, limits);
  if (!doc.ok()) return doc.status();
  return StoryFromJson(*doc, limits);
}

Result<std::vector<Story>> ParseStoryNdjson(std::string_view text, const JsonLimits& limits) {
  std::vector<Story> out;
  std::size_t pos = 0;
  std::size_t line_no = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? text.npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    auto story = ParseStoryJson(line, limits);
    if (!story.ok()) {
      const Status& st = story.status();
      return Status(st.code(), "line " + std::to_string(line_no) + ": " + st.message(),
                    st.field());
    }
    out.push_back(std::move(*story));
  }
  if (out.empty()) return Status::InvalidArgument("the request body holds no story");
  return out;
}

std::string StoryToJson(const Story& s) {
  json contacts = json::array();
  for (const Contact& c : s.contacts) {
    contacts.push_back({{"role", c.role}, {"name", c.name}, {"place", c.place}, {"email", c.email}});
  }
  json tags = json::array();
  for (const Tag& t : s.tags) tags.push_back({{"field", t.field}, {"value", t.value}});
  json j = {{"id", s.id},
            {"source", s.source},
            {"source_id", s.source_id},
            {"url", s.url},
            {"headline", s.headline},
            {"summary", s.summary},
            {"body", BlocksToJson(s.body)},
            {"bylines", s.bylines},
            {"dateline_place", s.dateline_place},
            {"contacts", contacts},
            {"language", s.language},
            {"priority", PriorityName(s.priority)},
            {"tags", tags},
            {"published", Time(s.published_us)},
            {"received", Time(s.received_us)},
            {"updated", Time(s.updated_us)},
            {"version", s.version},
            {"seq", s.seq},
            {"previous_seq", s.previous_seq}};
  return Dump(j);
}

std::string StoryFrameJson(const Story& s) {
  json j = {{"type", "story"},
            {"seq", s.seq},
            {"id", s.id},
            {"version", s.version},
            {"source", s.source},
            {"headline", s.headline},
            {"priority", PriorityName(s.priority)},
            {"published", Time(s.published_us)},
            {"received", Time(s.received_us)}};
  // Tags as "field:value" strings, absent when there are none: a row shows them as typed in a
  // query, and a frame stays small (the field names hold no colon, so the first one splits).
  if (!s.tags.empty()) {
    json tags = json::array();
    for (const Tag& t : s.tags) tags.push_back(t.field + ":" + t.value);
    j["tags"] = std::move(tags);
  }
  return Dump(j);
}

}  // namespace dateline
