#include "ingest/reuters_sgml.h"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/time_format.h"
#include "core/utf8.h"
#include "ingest/text_util.h"

namespace dateline {
namespace {

using namespace ingest_internal;  // NOLINT(google-build-using-namespace): internal helpers

constexpr std::string_view kOpen = "<REUTERS";
constexpr std::string_view kClose = "</REUTERS>";
constexpr std::int64_t kMicrosPerDay = 86'400'000'000;

// Appends code point `cp` as UTF-8; invalid code points (surrogates, > U+10FFFF) are dropped.
void AppendUtf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    if (cp >= 0xD800 && cp <= 0xDFFF) return;
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp <= 0x10FFFF) {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Length of the entity at the start of `s` ("&lt;", "&#3;") and its code point, or 0.
std::size_t MatchEntity(std::string_view s, std::uint32_t& cp) {
  static constexpr std::pair<std::string_view, char> kNamed[] = {
      {"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''}};
  for (const auto& [name, c] : kNamed) {
    if (s.starts_with(name)) {
      cp = static_cast<unsigned char>(c);
      return name.size();
    }
  }
  if (s.size() < 4 || s[1] != '#') return 0;
  std::size_t i = 2;
  bool hex = s[i] == 'x' || s[i] == 'X';
  if (hex) ++i;
  std::uint32_t value = 0;
  std::size_t digits = 0;
  for (; i < s.size() && digits < 8; ++i, ++digits) {
    char c = s[i];
    std::uint32_t d;
    if (IsDigit(c)) {
      d = static_cast<std::uint32_t>(c - '0');
    } else if (hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      d = static_cast<std::uint32_t>(ToLower(c) - 'a' + 10);
    } else {
      break;
    }
    value = value * (hex ? 16 : 10) + d;
  }
  if (digits == 0 || i >= s.size() || s[i] != ';') return 0;
  cp = value;
  return i + 1;
}

// Entities decoded, control characters (the wire's &#2; &#3; &#5; ... and DEL) removed, tabs
// made spaces; newlines are kept because paragraph breaks depend on them. Input must be UTF-8.
std::string DecodeText(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    std::uint32_t cp = static_cast<unsigned char>(s[i]);
    std::size_t len = 1;
    if (s[i] == '&') {
      std::size_t n = MatchEntity(s.substr(i), cp);
      if (n > 0) {
        len = n;
      } else {
        cp = '&';
      }
    }
    i += len;
    if (cp == '\t') cp = ' ';
    if (cp == '\r') cp = '\n';
    if ((cp < 0x20 && cp != '\n') || cp == 0x7F || (cp >= 0x80 && cp < 0xA0 && len > 1)) continue;
    if (len == 1) {
      out.push_back(static_cast<char>(cp));  // raw byte (possibly part of a UTF-8 sequence)
    } else {
      AppendUtf8(out, cp);
    }
  }
  return out;
}

// a + b + c. Built with append because GCC 12 at -O3 reports a false -Wrestrict on
// `"<" + std::string(tag)` (GCC bug 105329).
std::string Concat(std::string_view a, std::string_view b, std::string_view c) {
  std::string out;
  out.reserve(a.size() + b.size() + c.size());
  out.append(a).append(b).append(c);
  return out;
}

// The content of the first <tag>...</tag> in `doc`, or nullopt. `tag` has no brackets.
std::optional<std::string_view> Element(std::string_view doc, std::string_view tag) {
  std::string open = Concat("<", tag, "");
  std::string close = Concat("</", tag, ">");
  std::size_t start = doc.find(open);
  while (start != std::string_view::npos) {
    std::size_t after = start + open.size();
    // "<TEXT" must not match "<TEXTX": the name ends at '>' or at an attribute.
    if (after < doc.size() && (doc[after] == '>' || doc[after] == ' ')) break;
    start = doc.find(open, after);
  }
  if (start == std::string_view::npos) return std::nullopt;
  std::size_t gt = doc.find('>', start);
  if (gt == std::string_view::npos) return std::nullopt;
  std::size_t end = doc.find(close, gt + 1);
  if (end == std::string_view::npos) return std::nullopt;
  return doc.substr(gt + 1, end - gt - 1);
}

// Value of attribute `name` in an open tag: NEWID="1" -> "1".
std::string_view Attribute(std::string_view tag, std::string_view name) {
  std::string key = Concat(" ", name, "=\"");
  std::size_t at = tag.find(key);
  if (at == std::string_view::npos) return {};
  std::size_t start = at + key.size();
  std::size_t end = tag.find('"', start);
  if (end == std::string_view::npos) return {};
  return tag.substr(start, end - start);
}

// <TOPICS><D>cocoa</D><D>coffee</D></TOPICS> -> tags {field, "cocoa"}, {field, "coffee"}.
void AddTags(std::string_view doc, std::string_view element, std::string_view field,
             std::vector<Tag>& tags) {
  std::optional<std::string_view> list = Element(doc, element);
  if (!list) return;
  std::string_view rest = *list;
  while (true) {
    std::size_t open = rest.find("<D>");
    if (open == std::string_view::npos) break;
    std::size_t close = rest.find("</D>", open + 3);
    if (close == std::string_view::npos) break;
    std::string value = CollapseSpaces(DecodeText(rest.substr(open + 3, close - open - 3)));
    if (!value.empty()) tags.push_back({std::string(field), std::move(value)});
    rest.remove_prefix(close + 4);
  }
}

// Reads up to `max` digits at `pos`; false if there is none.
bool ReadNumber(std::string_view s, std::size_t& pos, std::size_t max, unsigned& value) {
  std::size_t start = pos;
  value = 0;
  while (pos < s.size() && IsDigit(s[pos]) && pos - start < max) {
    value = value * 10 + static_cast<unsigned>(s[pos] - '0');
    ++pos;
  }
  return pos > start;
}

// "26-FEB-1987 15:01:01.79", with the collection's oddities: leading spaces, one-digit days,
// one-digit hundredths, double spaces, trailing junk ("&#9;&#9;&#9;C T", "# date added by ...").
// A time of day that cannot be right ("605:12:19.12") is dropped and the date kept (midnight).
std::optional<std::int64_t> ParseReutersDate(std::string_view s) {
  std::size_t pos = 0;
  while (pos < s.size() && IsSpace(s[pos])) ++pos;
  unsigned day = 0, year = 0;
  if (!ReadNumber(s, pos, 2, day) || pos >= s.size() || s[pos] != '-') return std::nullopt;
  ++pos;
  if (pos + 3 > s.size()) return std::nullopt;
  unsigned month = ParseMonthName(s.substr(pos, 3));
  pos += 3;
  if (month == 0 || pos >= s.size() || s[pos] != '-') return std::nullopt;
  ++pos;
  std::size_t year_start = pos;
  if (!ReadNumber(s, pos, 4, year) || pos - year_start != 4) return std::nullopt;
  if (day < 1 || day > DaysInMonth(year, month)) return std::nullopt;
  std::int64_t micros = DaysFromCivil(year, month, day) * kMicrosPerDay;

  while (pos < s.size() && s[pos] == ' ') ++pos;
  unsigned h = 0, m = 0, sec = 0, frac = 0;
  std::size_t hour_start = pos;
  if (!ReadNumber(s, pos, 3, h) || pos - hour_start > 2 || pos >= s.size() || s[pos] != ':') {
    return micros;
  }
  ++pos;
  if (!ReadNumber(s, pos, 2, m) || pos >= s.size() || s[pos] != ':') return micros;
  ++pos;
  if (!ReadNumber(s, pos, 2, sec)) return micros;
  if (h > 23 || m > 59 || sec > 59) return micros;
  std::int64_t frac_us = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::size_t frac_start = pos;
    // Hundredths as written; ".7" means 0.7 s, ".79" 0.79 s.
    if (ReadNumber(s, pos, 6, frac)) {
      std::int64_t scale = 1'000'000;
      for (std::size_t i = frac_start; i < pos; ++i) scale /= 10;
      frac_us = static_cast<std::int64_t>(frac) * scale;
    }
  }
  return micros + ((h * 60 + m) * 60 + sec) * std::int64_t{1'000'000} + frac_us;
}

// "    SALVADOR, Feb 26 - " -> "Salvador"; "NEW YORK, March 3 -" -> "New York".
std::string DatelinePlace(std::string_view dateline) {
  std::string text = CollapseSpaces(DecodeText(dateline));
  std::size_t comma = text.find(',');
  std::string_view place = std::string_view(text).substr(0, comma);
  if (comma == std::string::npos) {
    // No date after the place: drop the trailing dash.
    std::size_t dash = place.find(" -");
    place = place.substr(0, dash);
  }
  return TitleCase(Trim(place));
}

// "    By Greg McCune, Reuters" -> "Greg McCune".
std::string AuthorName(std::string_view author) {
  std::string text = CollapseSpaces(DecodeText(author));
  std::string_view name = text;
  if (StartsWithNoCase(name, "by ")) name.remove_prefix(3);
  std::size_t comma = name.find(',');
  if (comma != std::string_view::npos) name = name.substr(0, comma);
  return std::string(Trim(name));
}

bool IsSignOff(std::string_view paragraph) {
  return EqualsNoCase(Trim(paragraph), "Reuter") || EqualsNoCase(Trim(paragraph), "Reuters");
}

// Drops the " Reuter" sign-off (its own paragraph, or the last word of the last one).
void RemoveSignOff(std::vector<Block>& body) {
  while (!body.empty() && IsSignOff(body.back().text)) body.pop_back();
  if (body.empty()) return;
  std::string& last = body.back().text;
  for (std::string_view suffix : {" Reuter", " REUTER"}) {
    if (last.size() > suffix.size() && std::string_view(last).ends_with(suffix)) {
      last.resize(last.size() - suffix.size());
      break;
    }
  }
}

// BODY text: a new paragraph at a blank line or at an indented line (Reuters indents
// paragraphs with spaces); hard-wrapped lines are joined with one space.
std::vector<Block> BodyParagraphs(std::string_view decoded) {
  std::vector<Block> body;
  std::string current;
  auto flush = [&] {
    std::string text = CollapseSpaces(current);
    if (!text.empty()) body.push_back({Block::Kind::kParagraph, std::move(text)});
    current.clear();
  };
  for (std::string_view line : SplitLines(decoded)) {
    if (Trim(line).empty() || (!line.empty() && IsSpace(line.front()))) flush();
    current.append(line);
    current.push_back(' ');
  }
  flush();
  RemoveSignOff(body);
  return body;
}

// Unprocessed text (tables, lists): paragraphs at blank lines, line breaks kept so columns
// still read as columns.
std::vector<Block> PreformattedParagraphs(std::string_view decoded) {
  std::vector<Block> body;
  std::string current;
  auto flush = [&] {
    if (!current.empty()) body.push_back({Block::Kind::kParagraph, std::move(current)});
    current.clear();
  };
  for (std::string_view line : SplitLines(decoded)) {
    std::string_view right_trimmed = line;
    while (!right_trimmed.empty() && IsSpace(right_trimmed.back())) right_trimmed.remove_suffix(1);
    if (Trim(right_trimmed).empty()) {
      flush();
      continue;
    }
    if (!current.empty()) current.push_back('\n');
    current.append(right_trimmed);
  }
  flush();
  RemoveSignOff(body);
  return body;
}

// Removes <TAG>...</TAG> elements and stray tags from TEXT, leaving its free text.
std::string StripElements(std::string_view text) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t lt = text.find('<', i);
    if (lt == std::string_view::npos) {
      out.append(text.substr(i));
      break;
    }
    out.append(text.substr(i, lt - i));
    std::size_t gt = text.find('>', lt);
    if (gt == std::string_view::npos) {
      out.append(text.substr(lt));
      break;
    }
    std::string_view tag = text.substr(lt + 1, gt - lt - 1);
    i = gt + 1;
    // An element whose content is mapped elsewhere (TITLE, DATELINE, AUTHOR) is skipped whole.
    for (std::string_view name : {"TITLE", "DATELINE", "AUTHOR"}) {
      if (tag == name) {
        std::size_t end = text.find(Concat("</", name, ">"), i);
        if (end != std::string_view::npos) i = end + name.size() + 3;
        out.push_back('\n');  // what followed the element starts a line of its own
      }
    }
  }
  return out;
}

// BRIEF documents carry "******" flash markers before the title and the collection's
// "Blah blah blah." placeholder for "no body": neither is news, both become blank lines.
std::string DropPlaceholderLines(std::string_view text) {
  std::string out;
  for (std::string_view line : SplitLines(text)) {
    std::string_view t = Trim(line);
    bool stars = !t.empty() && t.find_first_not_of('*') == std::string_view::npos;
    if (!stars && t != "Blah blah blah.") out.append(line);
    out.push_back('\n');
  }
  return out;
}

std::string FirstNonEmptyLine(std::string_view text, std::size_t* line_end = nullptr) {
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t nl = text.find('\n', start);
    std::size_t end = nl == std::string_view::npos ? text.size() : nl;
    std::string line = CollapseSpaces(text.substr(start, end - start));
    if (!line.empty()) {
      if (line_end) *line_end = end;
      return line;
    }
    start = end + 1;
  }
  return {};
}

Status DocumentError(std::string_view newid, std::size_t offset, std::string what) {
  std::string where = newid.empty() ? "document at byte offset " + std::to_string(offset)
                                    : "document NEWID " + std::string(newid) + " (byte offset " +
                                          std::to_string(offset) + ")";
  return Status::InvalidArgument(where + ": " + what);
}

bool IsDecimal(std::string_view s) {
  if (s.empty() || s.size() > 18) return false;
  for (char c : s) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

// One <REUTERS ...>...</REUTERS> document (without the closing tag) to a story.
Result<Story> ParseDocument(std::string_view raw_doc, std::size_t offset) {
  // The collection is ASCII; anything else is read as Latin-1 so every field is valid UTF-8.
  // Converting one document at a time keeps error offsets in the caller's bytes.
  const std::string converted = ToUtf8Lenient(raw_doc);
  const std::string_view doc = converted;
  std::size_t tag_end = doc.find('>');
  if (tag_end == std::string_view::npos) {
    return DocumentError({}, offset, "unterminated <REUTERS> tag");
  }
  std::string_view newid = Attribute(doc.substr(0, tag_end), "NEWID");
  if (!IsDecimal(newid)) return DocumentError({}, offset, "missing or bad NEWID");
  std::string_view content = doc.substr(tag_end + 1);

  Story story;
  story.source = "reuters";
  story.source_id = std::string(newid);
  story.language = "en";
  if (std::optional<std::string_view> date = Element(content, "DATE")) {
    std::optional<std::int64_t> us = ParseReutersDate(*date);
    if (!us) return DocumentError(newid, offset, "bad DATE \"" + std::string(*date) + "\"");
    story.published_us = *us;
  }
  AddTags(content, "TOPICS", "topic", story.tags);
  AddTags(content, "PLACES", "place", story.tags);
  AddTags(content, "PEOPLE", "person", story.tags);
  AddTags(content, "ORGS", "org", story.tags);
  AddTags(content, "EXCHANGES", "exchange", story.tags);

  std::optional<std::string_view> text = Element(content, "TEXT");
  if (!text) return DocumentError(newid, offset, "no <TEXT> element");
  std::size_t text_tag = content.find("<TEXT");
  bool unproc = Attribute(content.substr(text_tag, content.find('>', text_tag) - text_tag),
                          "TYPE") == "UNPROC";

  if (std::optional<std::string_view> title = Element(*text, "TITLE")) {
    story.headline = CollapseSpaces(DecodeText(*title));
  }
  if (std::optional<std::string_view> dl = Element(*text, "DATELINE")) {
    story.dateline_place = DatelinePlace(*dl);
  }
  if (std::optional<std::string_view> author = Element(*text, "AUTHOR")) {
    std::string name = AuthorName(*author);
    if (!name.empty()) story.bylines.push_back(std::move(name));
  }
  if (std::optional<std::string_view> body = Element(*text, "BODY")) {
    story.body = BodyParagraphs(DecodeText(*body));
  } else {
    // BRIEF and UNPROC documents: the free text of TEXT. A BRIEF's "Blah blah blah." is the
    // collection's placeholder for "no body" and is dropped.
    std::string free_text = DropPlaceholderLines(DecodeText(StripElements(*text)));
    std::string_view rest = free_text;
    if (story.headline.empty()) {
      std::size_t line_end = 0;
      story.headline = FirstNonEmptyLine(rest, &line_end);
      rest.remove_prefix(std::min(line_end, rest.size()));
    }
    story.body = unproc ? PreformattedParagraphs(rest) : BodyParagraphs(rest);
  }
  // A headline of asterisks only ("******") says nothing; the body's first line does.
  if (story.headline.find_first_not_of("* ") == std::string::npos && !story.body.empty()) {
    story.headline = FirstNonEmptyLine(story.body.front().text);
  }
  // A few documents have an empty TEXT (NEWID 12793). Every story needs a headline, so say
  // plainly that there is none rather than dropping the document from the collection.
  if (story.headline.find_first_not_of("* ") == std::string::npos) {
    story.headline = "Reuters story " + std::string(newid) + " (no text)";
  }
  story.id = MakeStoryId(story.source, story.source_id);
  if (Status st = ValidateStory(story); !st.ok()) {
    return DocumentError(newid, offset, st.field() + ": " + st.message());
  }
  return story;
}

// Between documents only whitespace and SGML declarations (<!DOCTYPE ...>) may appear.
std::optional<std::size_t> SkipInterDocument(std::string_view sgml, std::size_t pos) {
  while (pos < sgml.size()) {
    if (IsSpace(sgml[pos])) {
      ++pos;
    } else if (sgml.substr(pos).starts_with("<!")) {
      std::size_t gt = sgml.find('>', pos);
      if (gt == std::string_view::npos) return std::nullopt;
      pos = gt + 1;
    } else {
      break;
    }
  }
  return pos;
}

}  // namespace

Status ParseReutersSgml(std::string_view sgml, const std::function<void(Story)>& sink) {
  std::size_t pos = 0;
  while (true) {
    std::optional<std::size_t> next = SkipInterDocument(sgml, pos);
    if (!next) return DocumentError({}, pos, "unterminated SGML declaration");
    pos = *next;
    if (pos >= sgml.size()) return Status::Ok();
    if (!sgml.substr(pos).starts_with(kOpen)) {
      return DocumentError({}, pos, "expected <REUTERS>, found other text");
    }
    std::size_t end = sgml.find(kClose, pos);
    if (end == std::string_view::npos) {
      std::size_t tag_end = sgml.find('>', pos);
      std::string_view newid =
          tag_end == std::string_view::npos ? std::string_view{}
                                            : Attribute(sgml.substr(pos, tag_end - pos), "NEWID");
      return DocumentError(newid, pos, "unterminated <REUTERS> (no </REUTERS>)");
    }
    // A document must not swallow the next one's start: that is a missing </REUTERS>.
    std::size_t nested = sgml.find(kOpen, pos + kOpen.size());
    if (nested != std::string_view::npos && nested < end) {
      return DocumentError(Attribute(sgml.substr(pos, sgml.find('>', pos) - pos), "NEWID"), pos,
                           "unterminated <REUTERS> (next document starts before </REUTERS>)");
    }
    Result<Story> story = ParseDocument(sgml.substr(pos, end - pos), pos);
    if (!story.ok()) return story.status();
    sink(std::move(*story));
    pos = end + kClose.size();
  }
}

Result<std::vector<Story>> ParseReutersSgml(std::string_view sgml) {
  std::vector<Story> stories;
  Status st = ParseReutersSgml(sgml, [&](Story s) { stories.push_back(std::move(s)); });
  if (!st.ok()) return st;
  return stories;
}

}  // namespace dateline
