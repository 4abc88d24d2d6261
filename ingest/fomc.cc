#include "ingest/fomc.h"

#include <algorithm>
#include <cstdio>
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

constexpr std::int64_t kMicrosPerHour = 3'600'000'000;
constexpr std::int64_t kMicrosPerDay = 24 * kMicrosPerHour;

struct Date {
  unsigned year = 0, month = 0, day = 0;
};

// "20160727.txt" (optionally with a directory in front) -> 2016-07-27.
std::optional<Date> DateFromFileName(std::string_view file_name) {
  std::size_t slash = file_name.find_last_of('/');
  if (slash != std::string_view::npos) file_name.remove_prefix(slash + 1);
  if (file_name.size() != 12 || !file_name.ends_with(".txt")) return std::nullopt;
  Date d;
  for (std::size_t i = 0; i < 8; ++i) {
    if (!IsDigit(file_name[i])) return std::nullopt;
    unsigned digit = static_cast<unsigned>(file_name[i] - '0');
    unsigned& field = i < 4 ? d.year : i < 6 ? d.month : d.day;
    field = field * 10 + digit;
  }
  if (d.year < 1900 || d.month < 1 || d.month > 12 || d.day < 1 ||
      d.day > DaysInMonth(d.year, d.month)) {
    return std::nullopt;
  }
  return d;
}

std::string DateDigits(const Date& d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04u%02u%02u", d.year, d.month, d.day);
  return buf;
}

// "July 27, 2016".
std::string LongDate(const Date& d) {
  static constexpr const char* kMonths[] = {"January", "February", "March",     "April",
                                            "May",     "June",     "July",      "August",
                                            "September", "October", "November", "December"};
  return std::string(kMonths[d.month - 1]) + " " + std::to_string(d.day) + ", " +
         std::to_string(d.year);
}

// Statements are released at 14:00 in Washington. Rather than carry a time zone database, the
// US daylight-saving period is approximated by whole months: April to October is EDT (UTC-4,
// so 18:00Z), the other months EST (UTC-5, 19:00Z). Early-March and early-November releases in
// daylight time (rules since 2007) are therefore an hour late; no FOMC date so far needs more.
std::int64_t ReleaseTime(const Date& d) {
  bool daylight = d.month >= 4 && d.month <= 10;
  return DaysFromCivil(d.year, d.month, d.day) * kMicrosPerDay +
         (daylight ? 18 : 19) * kMicrosPerHour;
}

// Paragraphs at blank lines, hard-wrapped lines joined with one space.
std::vector<Block> Paragraphs(std::string_view text) {
  std::vector<Block> body;
  std::string current;
  auto flush = [&] {
    std::string p = CollapseSpaces(current);
    if (!p.empty()) body.push_back({Block::Kind::kParagraph, std::move(p)});
    current.clear();
  };
  for (std::string_view line : SplitLines(text)) {
    if (Trim(line).empty()) {
      flush();
    } else {
      current.append(line);
      current.push_back(' ');
    }
  }
  flush();
  return body;
}

enum class Move { kNone, kRaise, kLower, kKeep, kSet };

struct RateDecision {
  Move move = Move::kNone;
  bool range = false;  // "target range" (since Dec 2008) rather than a single "target"
  std::string value;   // "1/4 to 1/2 percent"
};

// The policy words, earliest first wins: "decided to maintain the existing stance ..., keeping
// its target ... at 6-1/2 percent" is a keep.
Move FindMove(std::string_view sentence, std::size_t from, std::size_t to) {
  static constexpr std::pair<std::string_view, Move> kWords[] = {
      {" raise ", Move::kRaise},     {" increase ", Move::kRaise}, {" lower ", Move::kLower},
      {" reduce ", Move::kLower},    {" cut ", Move::kLower},      {" keep ", Move::kKeep},
      {" keeping ", Move::kKeep},    {" maintain ", Move::kKeep},  {" leave ", Move::kKeep},
      {" establish ", Move::kSet},
  };
  Move best = Move::kNone;
  std::size_t best_at = std::string_view::npos;
  for (const auto& [word, move] : kWords) {
    std::size_t at = FindNoCase(sentence.substr(0, to), word, from);
    if (at < best_at) {
      best_at = at;
      best = move;
    }
  }
  return best;
}

// The rate after `marker` (" to ", " at ", " of "), up to and including "percent".
std::string RateValue(std::string_view sentence, std::size_t from, std::string_view marker) {
  std::size_t at = FindNoCase(sentence, marker, from);
  if (at == std::string_view::npos) return {};
  std::size_t start = at + marker.size();
  std::size_t end = FindNoCase(sentence, "percent", start);
  if (end == std::string_view::npos || end - start > 30) return {};
  std::string value(Trim(sentence.substr(start, end - start + 7)));
  if (value.find_first_of("0123456789") == std::string::npos) return {};
  return value;
}

// 2011-2015: "the Committee today reaffirmed its view that the current 0 to 1/4 percent target
// range for the federal funds rate remains appropriate" is a decision to keep the range.
std::optional<RateDecision> FindReaffirmedRange(std::string_view sentence) {
  std::size_t reaffirmed = FindNoCase(sentence, "reaffirmed");
  if (reaffirmed == std::string_view::npos) return std::nullopt;
  std::size_t current = FindNoCase(sentence, " current ", reaffirmed);
  if (current == std::string_view::npos) return std::nullopt;
  std::size_t start = current + 9;
  std::size_t range = FindNoCase(sentence, " percent target range", start);
  if (range == std::string_view::npos || range - start > 30 ||
      FindNoCase(sentence, "remains appropriate", range) == std::string_view::npos) {
    return std::nullopt;
  }
  return RateDecision{Move::kKeep, true, std::string(sentence.substr(start, range - start)) +
                                             " percent"};
}

// Looks for the sentence where the Committee decides on the federal funds rate.
RateDecision FindRateDecision(std::string_view text) {
  std::string flat = CollapseSpaces(text);
  std::string_view rest = flat;
  while (!rest.empty()) {
    std::size_t end = rest.find(". ");
    std::string_view sentence = rest.substr(0, end == std::string_view::npos ? rest.size() : end + 1);
    rest.remove_prefix(sentence.size());
    std::size_t funds = FindNoCase(sentence, "federal funds rate");
    if (funds == std::string_view::npos) continue;
    if (std::optional<RateDecision> kept = FindReaffirmedRange(sentence)) return *kept;
    // "decided/voted/agreed to ...", and in 2009-2010 "The Committee will maintain ...".
    std::size_t decided = std::string_view::npos;
    for (std::string_view verb : {"decided", "voted", "agreed", "Committee will"}) {
      decided = std::min(decided, FindNoCase(sentence, verb));
    }
    if (decided == std::string_view::npos || decided > funds) continue;
    RateDecision d;
    d.move = FindMove(sentence, decided, funds);
    if (d.move == Move::kNone) continue;
    d.range = FindNoCase(sentence.substr(0, funds), "target range") != std::string_view::npos;
    std::string_view marker = d.move == Move::kKeep ? " at " : d.move == Move::kSet ? " of " : " to ";
    d.value = RateValue(sentence, funds, marker);
    if (d.value.empty()) continue;
    return d;
  }
  return {};
}

std::string DecisionHeadline(const RateDecision& d) {
  std::string_view verb = d.move == Move::kRaise   ? "raises"
                          : d.move == Move::kLower ? "lowers"
                          : d.move == Move::kSet   ? "sets"
                                                   : "keeps";
  std::string_view prep = d.move == Move::kRaise || d.move == Move::kLower ? " to " : " at ";
  return "Fed " + std::string(verb) + " federal funds target" + (d.range ? " range" : "") +
         std::string(prep) + d.value;
}

}  // namespace

Result<Story> ParseFomcDocument(std::string_view file_name, std::string_view text,
                                std::string_view kind) {
  const std::string name(file_name);
  std::optional<Date> date = DateFromFileName(file_name);
  if (!date) {
    return Status::InvalidArgument(
        "FOMC file name \"" + ToUtf8Lenient(name) + "\" is not a date YYYYMMDD.txt", "file_name");
  }
  bool statement = kind == "statement";
  if (!statement && kind != "implementation_note") {
    return Status::InvalidArgument("unknown FOMC document kind \"" +
                                       ToUtf8Lenient(std::string(kind)) + "\" for " + name,
                                   "kind");
  }
  Story story;
  story.source = "fomc";
  story.source_id = (statement ? "statement-" : "implementation-note-") + DateDigits(*date);
  story.language = "en";
  story.published_us = ReleaseTime(*date);
  story.body = Paragraphs(NormalizeNewlines(ToUtf8Lenient(text)));
  if (story.body.empty()) {
    return Status::InvalidArgument("FOMC file " + name + " has no text", "body");
  }
  story.headline = (statement ? "FOMC statement, " : "FOMC implementation note, ") +
                   LongDate(*date);
  if (statement) {
    RateDecision decision = FindRateDecision(story.BodyText());
    if (decision.move != Move::kNone) story.headline = DecisionHeadline(decision);
    bool changed = decision.move == Move::kRaise || decision.move == Move::kLower ||
                   decision.move == Move::kSet;
    story.priority = changed ? Priority::kUrgent : Priority::kNormal;
  }
  CompleteIdentity(story);
  if (Status st = ValidateStory(story); !st.ok()) {
    return Status(st.code(), name + ": " + st.message(), st.field());
  }
  return story;
}

}  // namespace dateline
