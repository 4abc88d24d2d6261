// Snippet(): the passage of the story text (summary and body) with the most matches of the
// query's positive words, HTML-escaped, matches in <em>.
#include <algorithm>
#include <set>

#include "index/analyzed_story.h"
#include "index/search_index.h"
#include "text/analyzer.h"

namespace dateline::index {
namespace {

using query::Kind;
using query::Node;

struct Wanted {
  std::set<std::string> exact;
  std::set<std::string> bare;   // folded, compared by stem
  std::vector<std::string> prefixes;
};

void Collect(const Node& n, Wanted& w) {
  switch (n.kind) {
    case Kind::kNot:
    case Kind::kField:
      return;
    case Kind::kTerm:
      for (std::string& x : QueryWords(n.text)) (n.exact ? w.exact : w.bare).insert(std::move(x));
      return;
    case Kind::kPhrase:
      for (const std::string& word : n.words) {
        for (std::string& x : QueryWords(word)) w.exact.insert(std::move(x));
      }
      return;
    case Kind::kPrefix:
      w.prefixes.push_back(text::Fold(n.text));
      return;
    default:
      for (const auto& c : n.children) Collect(*c, w);
  }
}

void AppendEscaped(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
}

}  // namespace

std::string Snippet(const Story& story, const query::Node& query, std::size_t max_chars) {
  Wanted wanted;
  Collect(query, wanted);
  std::string body = story.summary;
  for (const Block& b : story.body) {
    if (!body.empty()) body += "\n\n";
    body += b.text;
  }
  std::vector<text::Token> tokens;
  std::uint32_t next = 0;
  text::Tokenize(body, tokens, &next);
  if (tokens.empty()) return {};
  const std::string lang = StoryLanguage(story);
  std::set<std::string> stems;
  for (const std::string& b : wanted.bare) stems.insert(CachedStem(b, lang));
  std::vector<bool> hit(tokens.size());
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const std::string& x = tokens[i].exact;
    bool h = wanted.exact.count(x) > 0 || (!stems.empty() && stems.count(CachedStem(x, lang)) > 0);
    for (const std::string& p : wanted.prefixes) h = h || x.compare(0, p.size(), p) == 0;
    hit[i] = h;
  }
  // Best window: the start token whose following max_chars bytes hold the most matches.
  std::size_t best_start = 0, best_count = 0, count = 0, j = 0;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (j < i) {
      j = i;
      count = 0;
    }
    while (j < tokens.size() && tokens[j].end - tokens[i].begin <= max_chars) count += hit[j++];
    if (count > best_count) {
      best_count = count;
      best_start = i;
    }
    if (j > i) count -= hit[i];
  }
  // Start a little before the first match so it reads as a sentence, never mid-word.
  std::size_t start = best_start;
  while (start > 0 && best_count > 0 && tokens[best_start].begin - tokens[start - 1].begin < max_chars / 4) {
    --start;
  }
  if (best_count == 0) start = 0;
  const std::size_t from = start == 0 ? 0 : tokens[start].begin;
  std::size_t last = start;
  while (last + 1 < tokens.size() && tokens[last + 1].end - from <= max_chars) ++last;
  const std::size_t to = last + 1 == tokens.size() ? body.size() : tokens[last].end;

  std::string out;
  if (from > 0) out += "\u2026";
  std::size_t at = from;
  for (std::size_t i = start; i <= last; ++i) {
    if (!hit[i]) continue;
    AppendEscaped(out, std::string_view(body).substr(at, tokens[i].begin - at));
    out += "<em>";
    AppendEscaped(out, std::string_view(body).substr(tokens[i].begin, tokens[i].end - tokens[i].begin));
    out += "</em>";
    at = tokens[i].end;
  }
  AppendEscaped(out, std::string_view(body).substr(at, std::max(to, at) - at));
  if (to < body.size()) out += "\u2026";
  // Paragraph breaks read as spaces in a one-line snippet.
  for (char& c : out) {
    if (c == '\n') c = ' ';
  }
  return out;
}

}  // namespace dateline::index
