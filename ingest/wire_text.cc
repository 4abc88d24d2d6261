#include "ingest/wire_text.h"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time_format.h"
#include "core/utf8.h"
#include "ingest/text_util.h"

namespace dateline {
namespace {

using namespace ingest_internal;  // NOLINT(google-build-using-namespace): internal helpers

constexpr std::int64_t kMicrosPerDay = 86'400'000'000;
// A dateline sits at the start of a line; anything further in is prose, not a dateline.
constexpr std::size_t kMaxDatelinePrefix = 80;
constexpr std::size_t kMaxSubheadingWords = 8;

// A paragraph of the page: consecutive non-blank lines (already trimmed).
using Paragraph = std::vector<std::string_view>;

struct Dateline {
  std::string place;   // as written ("TOKYO"), empty when absent
  std::string source;  // "Bloomberg", empty when absent
  unsigned month = 0;  // 0 when the dateline carries no date
  unsigned day = 0;
  std::string_view rest;  // the text after the dash: the start of the first paragraph
};

std::vector<Paragraph> SplitParagraphs(std::string_view text) {
  std::vector<Paragraph> paragraphs;
  Paragraph current;
  for (std::string_view line : SplitLines(text)) {
    line = Trim(line);
    if (line.empty()) {
      if (!current.empty()) paragraphs.push_back(std::move(current));
      current.clear();
    } else {
      current.push_back(line);
    }
  }
  if (!current.empty()) paragraphs.push_back(std::move(current));
  return paragraphs;
}

std::string JoinLines(const Paragraph& lines, std::size_t from = 0) {
  std::string joined;
  for (std::size_t i = from; i < lines.size(); ++i) {
    if (!joined.empty()) joined.push_back(' ');
    joined.append(lines[i]);
  }
  return CollapseSpaces(joined);
}

// Bytes taken by a run of dashes ("-", "--", en dash, em dash) at the start of `s`, 0 if none.
std::size_t MatchDashes(std::string_view s) {
  static constexpr std::string_view kEnDash = "\xE2\x80\x93";
  static constexpr std::string_view kEmDash = "\xE2\x80\x94";
  std::size_t n = 0;
  while (n < s.size()) {
    std::string_view rest = s.substr(n);
    if (rest.front() == '-') {
      n += 1;
    } else if (rest.starts_with(kEnDash) || rest.starts_with(kEmDash)) {
      n += 3;
    } else {
      break;
    }
  }
  return n;
}

std::vector<std::string_view> SplitWords(std::string_view s) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && IsSpace(s[i])) ++i;
    std::size_t start = i;
    while (i < s.size() && !IsSpace(s[i])) ++i;
    if (i > start) words.push_back(s.substr(start, i - start));
  }
  return words;
}

// A place as datelines write it: a few capitalised words ("TOKYO", "New York", "ST. LOUIS").
bool LooksLikePlace(std::string_view place) {
  std::vector<std::string_view> words = SplitWords(place);
  if (words.empty() || words.size() > 5) return false;
  for (std::string_view w : words) {
    unsigned char first = static_cast<unsigned char>(w.front());
    if (!IsUpper(w.front()) && first < 0x80) return false;
    for (char c : w) {
      if (IsDigit(c) || c == '(' || c == ')' || c == ':' || c == '"') return false;
    }
  }
  return true;
}

// Parses what precedes the source: "TOKYO, Nov. 2", "Nov. 2", "TOKYO", "TOKYO Nov. 2" or "".
bool ParseDatelinePrefix(std::string_view prefix, Dateline& dl) {
  std::vector<std::string_view> words = SplitWords(prefix);
  if (words.size() >= 2) {
    std::string_view day_word = words.back();
    while (!day_word.empty() && day_word.back() == ',') day_word.remove_suffix(1);
    unsigned month = ParseMonthName(words[words.size() - 2]);
    bool day_ok = !day_word.empty() && day_word.size() <= 2 && IsDigit(day_word[0]) &&
                  (day_word.size() == 1 || IsDigit(day_word[1]));
    if (month != 0 && day_ok) {
      unsigned day = static_cast<unsigned>(day_word[0] - '0');
      if (day_word.size() == 2) day = day * 10 + static_cast<unsigned>(day_word[1] - '0');
      if (day < 1 || day > 31) return false;
      dl.month = month;
      dl.day = day;
      words.resize(words.size() - 2);
    }
  }
  if (words.empty()) {
    dl.place.clear();
    return true;
  }
  // Rebuild the place from what is left, without the comma that separated it from the date.
  std::string place;
  for (std::string_view w : words) {
    if (!place.empty()) place.push_back(' ');
    place.append(w);
  }
  while (!place.empty() && (place.back() == ',' || place.back() == '.')) place.pop_back();
  if (!LooksLikePlace(place)) return false;
  dl.place = std::move(place);
  return true;
}

bool LooksLikeSourceName(std::string_view name) {
  if (name.empty() || name.size() > 40 || !IsUpper(name.front())) return false;
  for (char c : name) {
    if (!IsAlpha(c) && c != ' ' && c != '.' && c != '&' && c != '-') return false;
  }
  return true;
}

// "TOKYO, Nov. 2 (Bloomberg) -- text", "TOKYO (Reuters) - text", "LONDON, March 3 -- text".
std::optional<Dateline> ParseDatelineLine(std::string_view line) {
  Dateline dl;
  std::size_t open = line.find('(');
  if (open != std::string_view::npos && open <= kMaxDatelinePrefix) {
    std::size_t close = line.find(')', open);
    if (close != std::string_view::npos &&
        LooksLikeSourceName(line.substr(open + 1, close - open - 1))) {
      std::string_view after = line.substr(close + 1);
      while (!after.empty() && after.front() == ' ') after.remove_prefix(1);
      std::size_t dashes = MatchDashes(after);
      if (dashes > 0 && (dashes == after.size() || after[dashes] == ' ') &&
          ParseDatelinePrefix(line.substr(0, open), dl)) {
        dl.source = std::string(line.substr(open + 1, close - open - 1));
        dl.rest = Trim(after.substr(dashes));
        return dl;
      }
    }
  }
  // No source in parentheses: only accept a prefix that is clearly a dateline (it has a date, or
  // a place in capitals), so a sentence with a dash in it is not taken for one.
  std::size_t limit = std::min(line.size(), kMaxDatelinePrefix);
  for (std::size_t i = 1; i < limit; ++i) {
    if (line[i - 1] != ' ') continue;
    std::size_t dashes = MatchDashes(line.substr(i));
    if (dashes == 0 || (i + dashes < line.size() && line[i + dashes] != ' ')) continue;
    // A single ASCII hyphen is too common inside prose to mark a dateline.
    if (dashes == 1 && line[i] == '-') continue;
    Dateline candidate;
    std::string_view prefix = line.substr(0, i);
    if (!ParseDatelinePrefix(prefix, candidate)) return std::nullopt;
    bool shouting = !candidate.place.empty() && candidate.place == std::string(Trim(prefix));
    for (char c : candidate.place) shouting = shouting && !IsLower(c);
    if (candidate.month == 0 && !shouting) return std::nullopt;
    candidate.rest = Trim(line.substr(i + dashes));
    return candidate;
  }
  return std::nullopt;
}

// Chrome that can follow a story with no contact lines: stop the body there.
bool IsTrailingChrome(std::string_view paragraph) {
  static constexpr std::string_view kMarkers[] = {
      "Please upgrade your Browser", "Your browser is out-of-date", "\xC2\xA9", "Copyright ",
      "Terms of Service",            "Privacy Policy",
  };
  for (std::string_view m : kMarkers) {
    if (StartsWithNoCase(paragraph, m)) return true;
  }
  return false;
}

bool IsContactLine(std::string_view paragraph) {
  return StartsWithNoCase(paragraph, "To contact ");
}

// A short stand-alone line with no final punctuation, starting with a capital: "Island Dispute".
bool LooksLikeSubheading(const Paragraph& p) {
  if (p.size() != 1) return false;
  std::string_view line = p.front();
  if (line.empty() || !IsUpper(line.front())) return false;
  std::size_t words = SplitWords(line).size();
  if (words == 0 || words > kMaxSubheadingWords) return false;
  static constexpr std::string_view kFinal = ".!?:;,\"'";
  if (kFinal.find(line.back()) != std::string_view::npos) return false;
  // Closing quotes in UTF-8 (’ ”) end with 0x99 / 0x9D after E2 80.
  if (line.size() >= 3 && line.substr(line.size() - 3, 2) == "\xE2\x80") return false;
  return true;
}

std::string TrimPunct(std::string_view s) {
  s = Trim(s);
  while (!s.empty() && (s.back() == '.' || s.back() == ',' || s.back() == ';')) s.remove_suffix(1);
  return std::string(Trim(s));
}

// One entry of a contact line: "Isabel Reynolds in Tokyo at ireynolds@example.com".
Contact ParseContactEntry(std::string_view role, std::string_view entry) {
  Contact c;
  c.role = std::string(role);
  std::vector<std::string_view> words = SplitWords(entry);
  std::vector<std::string_view> kept;
  for (std::string_view w : words) {
    if (w.find('@') != std::string_view::npos) {
      if (c.email.empty()) c.email = TrimPunct(w);
    } else {
      kept.push_back(w);
    }
  }
  // The page often strips the address and leaves a dangling "at".
  while (!kept.empty() && (kept.back() == "at" || kept.back() == "or")) kept.pop_back();
  std::string name;
  std::string place;
  bool in_place = false;
  for (std::string_view w : kept) {
    if (!in_place && w == "in" && !name.empty()) {
      in_place = true;
      continue;
    }
    std::string& target = in_place ? place : name;
    if (!target.empty()) target.push_back(' ');
    target.append(w);
  }
  c.name = TrimPunct(name);
  c.place = TrimPunct(place);
  return c;
}

// "To contact the reporter on this story: A in Tokyo at a@x; B in London at b@x".
std::vector<Contact> ParseContactLine(std::string_view line) {
  std::vector<Contact> contacts;
  std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return contacts;
  std::vector<std::string_view> words = SplitWords(line.substr(0, colon));
  // "To contact the reporter(s) ..." / "To contact the editor responsible ...".
  std::string role;
  if (words.size() >= 4 && EqualsNoCase(words[2], "the")) role = Lower(words[3]);
  if (role.ends_with('s')) role.pop_back();
  if (role.empty()) role = "contact";
  std::string_view list = line.substr(colon + 1);
  while (!list.empty()) {
    std::size_t semi = list.find(';');
    std::string_view entry = list.substr(0, semi);
    Contact c = ParseContactEntry(role, entry);
    if (!c.name.empty()) contacts.push_back(std::move(c));
    if (semi == std::string_view::npos) break;
    list.remove_prefix(semi + 1);
  }
  return contacts;
}

std::int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Datelines carry no year: the latest month/day that is not after the reference time.
std::int64_t ResolveDate(unsigned month, unsigned day, std::int64_t reference_us) {
  std::int64_t ref_days = reference_us / kMicrosPerDay;
  if (reference_us < 0 && reference_us % kMicrosPerDay != 0) --ref_days;
  std::int64_t year = 1970 + ref_days / 366;
  while (DaysFromCivil(year + 1, 1, 1) <= ref_days) ++year;
  while (DaysFromCivil(year, 1, 1) > ref_days) --year;
  // Feb 29 may need a few years back; eight covers every leap gap.
  for (std::int64_t y = year; y >= year - 8; --y) {
    if (day > DaysInMonth(y, month)) continue;
    std::int64_t days = DaysFromCivil(y, month, day);
    if (days <= ref_days) return days * kMicrosPerDay;
  }
  return 0;
}

struct Located {
  std::size_t paragraph = 0;  // index of the paragraph holding the dateline
  std::size_t line = 0;       // line of that paragraph starting with the dateline
  Dateline dateline;
};

std::optional<Located> FindDateline(const std::vector<Paragraph>& paragraphs) {
  for (std::size_t p = 0; p < paragraphs.size(); ++p) {
    for (std::size_t l = 0; l < paragraphs[p].size(); ++l) {
      if (std::optional<Dateline> dl = ParseDatelineLine(paragraphs[p][l])) {
        return Located{p, l, std::move(*dl)};
      }
    }
  }
  return std::nullopt;
}

// The headline is what stands right before the dateline: earlier lines of the same paragraph
// (no blank line between them) or else the previous paragraph.
std::string FindHeadline(const std::vector<Paragraph>& paragraphs, const Located& at) {
  if (at.line > 0) {
    Paragraph head(paragraphs[at.paragraph].begin(),
                   paragraphs[at.paragraph].begin() + static_cast<std::ptrdiff_t>(at.line));
    return JoinLines(head);
  }
  if (at.paragraph == 0) return {};
  return JoinLines(paragraphs[at.paragraph - 1]);
}

// Body blocks from the dateline on, and the contacts that end the story.
void ReadBody(const std::vector<Paragraph>& paragraphs, const Located& at, Story& story) {
  Paragraph first(paragraphs[at.paragraph].begin() + static_cast<std::ptrdiff_t>(at.line),
                  paragraphs[at.paragraph].end());
  first.front() = at.dateline.rest;
  std::string lead = JoinLines(first);
  if (!lead.empty()) story.body.push_back({Block::Kind::kParagraph, std::move(lead)});

  for (std::size_t p = at.paragraph + 1; p < paragraphs.size(); ++p) {
    std::string text = JoinLines(paragraphs[p]);
    if (IsContactLine(text)) {
      for (; p < paragraphs.size(); ++p) {
        std::string contact_text = JoinLines(paragraphs[p]);
        if (!IsContactLine(contact_text)) break;
        for (Contact& c : ParseContactLine(contact_text)) story.contacts.push_back(std::move(c));
      }
      break;  // anything after the contact lines is chrome
    }
    if (IsTrailingChrome(text)) break;
    bool is_last = p + 1 == paragraphs.size();
    Block::Kind kind = !is_last && !story.body.empty() && LooksLikeSubheading(paragraphs[p])
                           ? Block::Kind::kSubheading
                           : Block::Kind::kParagraph;
    story.body.push_back({kind, std::move(text)});
  }
  // A subheading with nothing after it (the next thing was chrome) is not a subheading.
  while (!story.body.empty() && story.body.back().kind == Block::Kind::kSubheading) {
    story.body.pop_back();
  }
}

}  // namespace

Result<Story> ParseWireText(std::string_view raw, const WireTextOptions& options) {
  if (Trim(raw).empty()) return Status::InvalidArgument("empty input: no story text");
  const std::string text = NormalizeNewlines(ToUtf8Lenient(raw));
  const std::vector<Paragraph> paragraphs = SplitParagraphs(text);

  std::optional<Located> at = FindDateline(paragraphs);
  if (!at) {
    return Status::InvalidArgument("no dateline found (e.g. \"TOKYO (Reuters) -\")", "dateline");
  }
  Story story;
  story.headline = FindHeadline(paragraphs, *at);
  if (story.headline.empty()) {
    return Status::InvalidArgument("no headline found before the dateline", "headline");
  }
  const Dateline& dl = at->dateline;
  story.source = dl.source.empty() ? options.default_source : Lower(dl.source);
  story.source_id = options.source_id;
  story.language = "en";
  if (dl.month != 0) {
    std::int64_t reference = options.reference_time_us != 0 ? options.reference_time_us
                                                            : NowMicros();
    story.published_us = ResolveDate(dl.month, dl.day, reference);
  }
  ReadBody(paragraphs, *at, story);
  for (const Contact& c : story.contacts) {
    if (c.role == "reporter") story.bylines.push_back(c.name);
  }
  if (!dl.place.empty()) {
    story.dateline_place = TitleCase(dl.place);
  } else {
    for (const Contact& c : story.contacts) {
      if (c.role == "reporter" && !c.place.empty()) {
        story.dateline_place = c.place;
        break;
      }
    }
  }
  CompleteIdentity(story);
  if (Status st = ValidateStory(story); !st.ok()) return st;
  return story;
}

}  // namespace dateline
