#include "match/random_queries.h"

#include <algorithm>
#include <set>
#include <unordered_map>

#include "core/time_format.h"
#include "match/story_view.h"
#include "text/analyzer.h"

namespace dateline::match {
namespace {

// Safe to write unquoted and unescaped: no character the lexer reads specially, no leading sign,
// no operator keyword.
bool Plain(const std::string& w) {
  if (w.empty() || w[0] == '+' || w[0] == '-') return false;
  for (char c : w) {
    if (c == '(' || c == ')' || c == '"' || c == ':' || c == '*' || c == '\\' || c == '[' ||
        c == ']' || c == '{' || c == '}' || c == ' ' || c == '/') {
      return false;
    }
  }
  return true;
}

}  // namespace

Vocabulary BuildVocabulary(const std::vector<Story>& stories, std::uint32_t seed) {
  std::mt19937 rng(seed);
  Vocabulary v;
  std::unordered_map<std::string, int> freq;
  std::set<std::pair<std::string, std::string>> fields;
  v.min_time = INT64_MAX;
  v.max_time = INT64_MIN;
  std::vector<text::Token> tokens;
  for (const Story& s : stories) {
    tokens.clear();
    std::uint32_t next = 0;
    text::Tokenize(s.headline, tokens, &next);
    for (const Block& b : s.body) text::Tokenize(b.text, tokens, &next);
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      const std::string& w = tokens[i].exact;
      if (!Plain(w)) continue;
      const int f = ++freq[w];
      if (f == 1) v.distinct_words.push_back(w);
      if (f <= 3) v.words.push_back(w);
      if (i + 1 < tokens.size() && rng() % 30 == 0 && Plain(tokens[i + 1].exact)) {
        v.bigrams.emplace_back(w, tokens[i + 1].exact);
      }
    }
    fields.emplace("source", text::Fold(s.source));
    fields.emplace("priority", std::string(PriorityName(s.priority)));
    for (const Tag& t : s.tags) {
      const std::string value = text::Fold(t.value);
      if (Plain(value) && value.find(' ') == std::string::npos) fields.emplace(text::Fold(t.field), value);
    }
    const std::int64_t time = s.published_us != 0 ? s.published_us : s.received_us;
    v.min_time = std::min(v.min_time, time);
    v.max_time = std::max(v.max_time, time);
  }
  v.fields.assign(fields.begin(), fields.end());
  std::vector<std::pair<int, std::string>> by_freq;
  for (const auto& [w, f] : freq) by_freq.emplace_back(-f, w);
  std::sort(by_freq.begin(), by_freq.end());
  std::set<std::string> common;
  for (std::size_t i = 0; i < by_freq.size() && i < 500; ++i) common.insert(by_freq[i].second);
  for (const std::string& w : v.words) {
    if (common.count(w) == 0) v.content_words.push_back(w);
    if (common.count(w) == 0 && freq[w] <= kSelectiveMaxOccurrences) v.selective_words.push_back(w);
  }
  for (const auto& b : v.bigrams) {
    if (common.count(b.first) == 0 && common.count(b.second) == 0) v.content_bigrams.push_back(b);
  }
  return v;
}

std::string RandomQueries::Word() { return v_.words[Pick(v_.words.size())]; }

std::string RandomQueries::ContentWord() {
  const auto& from = selective_ ? v_.selective_words : v_.content_words;
  return from[Pick(from.size())];
}

std::string RandomQueries::Bigram() {
  const auto& b = v_.bigrams[Pick(v_.bigrams.size())];
  return "\"" + b.first + " " + b.second + "\"";
}

std::string RandomQueries::ContentBigram() {
  const auto& b = v_.content_bigrams[Pick(v_.content_bigrams.size())];
  return "\"" + b.first + " " + b.second + "\"";
}

std::string RandomQueries::Date() {
  const std::int64_t span = std::max<std::int64_t>(1, v_.max_time - v_.min_time);
  const std::int64_t t = v_.min_time + static_cast<std::int64_t>(Pick(static_cast<std::size_t>(span)));
  return FormatRfc3339(t).substr(0, 10);
}

// A text operand usable inside proximity: word, exact word, phrase, prefix or an OR of those.
std::string RandomQueries::Operand() {
  switch (Pick(6)) {
    case 0:
      return "\"" + Word() + "\"";
    case 1:
      return Bigram();
    case 2: {
      const std::string w = Word();
      return w.substr(0, std::min<std::size_t>(w.size(), 2 + Pick(4))) + "*";
    }
    case 3:
      return "(" + Word() + " OR " + Word() + ")";
    default:
      return Word();
  }
}

std::string RandomQueries::Text(int depth, bool allow_scope) {
  std::string scope;
  if (allow_scope && Chance(0.15)) scope = Chance(0.5) ? "hd:" : "lead:";
  std::string body;
  switch (Pick(depth > 0 ? 10 : 8)) {
    case 0:
    case 1:
    case 2:
      body = Operand();
      break;
    case 3: {
      static const char* kOps[] = {"NEAR/", "W/", "NEAR", "SAME"};
      const std::string op = kOps[Pick(4)];
      std::string s = Operand();
      const std::size_t n = 2 + (Chance(0.2) ? 1 : 0);
      const std::string dist = op.back() == '/' ? std::to_string(1 + Pick(12)) : "";
      for (std::size_t i = 1; i < n; ++i) s += " " + op + dist + " " + Operand();
      body = "(" + s + ")";
      break;
    }
    case 7:
      // A proximity expression as an operand: (a NEAR/3 b) W/4 c.
      body = "((" + Operand() + " NEAR/" + std::to_string(1 + Pick(5)) + " " + Operand() + ") " +
             (Chance(0.5) ? "W/" : "NEAR/") + std::to_string(1 + Pick(8)) + " " + Operand() + ")";
      break;
    case 4:
      body = "ATLEAST " + std::to_string(1 + Pick(4)) + " " + (Chance(0.7) ? Word() : Operand());
      if (body.find('(') != std::string::npos) body = "ATLEAST 2 " + Word();
      break;
    case 5:
      body = Word() + " " + Word();
      break;
    case 6:
      body = Bigram();
      break;
    default:
      body = "(" + Operand() + " OR " + Operand() + ")";
      break;
  }
  return scope.empty() ? body : scope + (body[0] == '(' || body[0] == '"' ? body : "(" + body + ")");
}

std::string RandomQueries::Field() {
  switch (Pick(16)) {
    case 0:
      return "since:" + std::to_string(1 + Pick(30)) + "d";
    case 1:
      return "published:[" + Date() + " TO " + (Chance(0.3) ? std::string("*") : Date()) + "]";
    case 2:
      return Chance(0.5) ? "lang:en" : "lang:de";
    case 3:
      return "priority:" + std::string(Chance(0.3) ? "normal" : "flash");
    default: {
      const auto& f = v_.fields[Pick(v_.fields.size())];
      if (f.first == "priority" || f.first == "lang") return "source:" + f.second;
      if (Chance(0.2) && f.second.size() > 2) return f.first + ":" + f.second.substr(0, 2) + "*";
      return f.first + ":" + f.second;
    }
  }
}

std::string RandomQueries::Expr(int depth) {
  const std::size_t choice = Pick(depth >= 3 ? 4 : 8);
  switch (choice) {
    case 0:
    case 1:
    case 2:
      return Text(depth, true);
    case 3:
      return Field();
    case 4:
    case 5: {
      std::string s = "(" + Expr(depth + 1);
      for (std::size_t i = 1 + Pick(3); i > 0; --i) s += (Chance(0.5) ? " AND " : " ") + Expr(depth + 1);
      return s + ")";
    }
    case 6: {
      std::string s = "(" + Expr(depth + 1);
      for (std::size_t i = 1 + Pick(3); i > 0; --i) s += " OR " + Expr(depth + 1);
      return s + ")";
    }
    default:
      return "(" + Expr(depth + 1) + " -" + Expr(depth + 1) + ")";
  }
}

std::string RandomQueries::Any() {
  switch (Pick(40)) {
    case 0:
      return "*";
    case 1:
      return "-" + Word();
    case 2:
      return "NOT (" + Word() + " OR " + Field() + ")";
    case 3:
      return Field();
    case 4:
      return "* -" + Word();
    default:
      return Expr(0);
  }
}

std::string RandomQueries::Alert(const Companies& companies) {
  const std::size_t r = Pick(100);
  if (r < 40) {  // 1-5 words
    std::string s = ContentWord();
    for (std::size_t i = Pick(5); i > 0; --i) s += " " + ContentWord();
    return s;
  }
  if (r < 52) return ContentBigram() + (Chance(0.5) ? " " + ContentWord() : "");
  if (r < 64 && !companies.empty()) {  // a company: its name, or its ticker as a field
    const auto& [symbol, name] = companies[Pick(companies.size())];
    if (Chance(0.5)) return "ticker:" + symbol + (Chance(0.4) ? " " + ContentWord() : "");
    return "\"" + name + "\"" + (Chance(0.4) ? " " + ContentWord() : "");
  }
  if (r < 74) {  // ORs of 10-50 words (names, synonyms) narrowed by a topic word or a name
    std::string s = "(" + ContentWord();
    for (std::size_t i = 9 + Pick(41); i > 0; --i) s += " OR " + ContentWord();
    s += ")";
    if (Chance(0.8) || companies.empty()) return s + " " + ContentWord();
    return s + " \"" + companies[Pick(companies.size())].second + "\"";
  }
  if (r < 82) return ContentWord() + " NEAR/" + std::to_string(2 + Pick(9)) + " " + (Chance(0.5) ? ContentWord() : ContentBigram());
  if (r < 90) return ContentWord() + " " + ContentWord() + " -" + ContentWord() + (Chance(0.3) ? " -" + ContentWord() : "");
  if (r < 96) return ContentWord() + " " + Field();
  if (r < 98) return "hd:" + ContentWord() + (Chance(0.5) ? " " + ContentWord() : "");
  return ContentWord().substr(0, 4) + "* " + ContentWord();
}

std::string RandomQueries::Long(std::size_t chars) {
  // Long stored searches are mostly lists of proximity clauses: an OR of NEAR pairs of long words
  // (under 1,000 terms, so it also parses with the older limit of 1,024).
  auto long_word = [&] {
    std::string w;
    for (int tries = 0; tries < 50 && w.size() < 9; ++tries) w = v_.distinct_words[Pick(v_.distinct_words.size())];
    return w;
  };
  std::string s = long_word();
  std::size_t terms = 1;
  while (s.size() < chars && terms + 2 < 1000) {
    const std::string item = "(" + long_word() + " NEAR/5 " + long_word() + ")";
    if (s.size() + item.size() + 4 > chars) break;
    s += " OR " + item;
    terms += 2;
  }
  return s;
}

}  // namespace dateline::match
