#include "index/linear_scan.h"

#include <algorithm>
#include <limits>
#include <set>
#include <vector>

#include "text/analyzer.h"

namespace dateline::index {
namespace {

struct Span {
  std::uint32_t first;
  std::uint32_t last;
};

// Positions [lo, hi) a scope admits.
struct Window {
  std::uint32_t lo = 0;
  std::uint32_t hi = std::numeric_limits<std::uint32_t>::max();
};

Window Narrow(Window w, query::Scope scope, const AnalyzedStory& s) {
  Window n;
  if (scope == query::Scope::kHeadline) {
    n = {0, s.headline_words};
  } else if (scope == query::Scope::kLead) {
    n = {s.headline_words, s.headline_words + 50};
  }
  return {std::max(w.lo, n.lo), std::min(w.hi, n.hi)};
}

// Occurrences of a sequence of query words at consecutive positions: each story word must equal
// the query word (exact) or have the same stem in the story's language.
void SequenceSpans(const std::vector<std::string>& qs, bool exact, const AnalyzedStory& s,
                   std::vector<Span>& out) {
  if (qs.empty()) return;
  std::vector<std::string> want;
  for (const std::string& q : qs) want.push_back(exact ? q : CachedStem(q, s.language));
  for (std::size_t i = 0; i + want.size() <= s.words.size(); ++i) {
    bool ok = true;
    for (std::size_t j = 0; j < want.size() && ok; ++j) {
      const AnalyzedWord& w = s.words[i + j];
      ok = (exact ? s.exact(w) : s.stem(w)) == want[j];
    }
    if (ok) out.push_back({s.words[i].position, s.words[i + want.size() - 1].position});
  }
}

void ProximitySpans(const query::Node& n, const AnalyzedStory& s, Window win,
                    std::vector<Span>& out);

void Spans(const query::Node& n, const AnalyzedStory& s, Window w, std::vector<Span>& out) {
  using query::Kind;
  std::vector<Span> raw;
  const Window win = Narrow(w, n.scope, s);
  switch (n.kind) {
    case Kind::kTerm:
      SequenceSpans(QueryWords(n.text), n.exact, s, raw);
      break;
    case Kind::kPhrase: {
      std::vector<std::string> qs;
      for (const std::string& word : n.words) {
        for (std::string& q : QueryWords(word)) qs.push_back(std::move(q));
      }
      SequenceSpans(qs, true, s, raw);
      break;
    }
    case Kind::kPrefix: {
      const std::string p = text::Fold(n.text);
      for (const AnalyzedWord& word : s.words) {
        if (s.exact(word).starts_with(p)) raw.push_back({word.position, word.position});
      }
      break;
    }
    case Kind::kOr:
      for (const auto& c : n.children) Spans(*c, s, win, out);
      return;
    case Kind::kNear:
    case Kind::kWithin:
    case Kind::kSame:
      ProximitySpans(n, s, win, out);
      return;
    default:
      return;
  }
  for (const Span& sp : raw) {
    if (sp.first >= win.lo && sp.last < win.hi) out.push_back(sp);
  }
}

// The language document's distance: the gap between the end of the earlier occurrence and the
// start of the later one (negative when they overlap).
std::int64_t Gap(const Span& a, const Span& b) {
  const Span& earlier = a.first <= b.first ? a : b;
  const Span& later = a.first <= b.first ? b : a;
  return static_cast<std::int64_t>(later.first) - static_cast<std::int64_t>(earlier.last);
}

// Tries every combination of one occurrence per operand (operands from index k on).
bool AnyCombination(const std::vector<std::vector<Span>>& occ, std::size_t k,
                    std::vector<Span>& chosen, std::uint32_t distance, bool ordered) {
  if (k == occ.size()) return true;
  for (const Span& sp : occ[k]) {
    bool ok = true;
    for (const Span& c : chosen) {
      if (Gap(c, sp) > static_cast<std::int64_t>(distance)) ok = false;
    }
    if (ordered && !chosen.empty() && !(chosen.back().first < sp.first)) ok = false;
    if (!ok) continue;
    chosen.push_back(sp);
    if (AnyCombination(occ, k + 1, chosen, distance, ordered)) return true;
    chosen.pop_back();
  }
  return false;
}

std::uint32_t ParagraphOf(const AnalyzedStory& s, std::uint32_t position);

// Does this choice of one occurrence per operand satisfy the proximity operator?
bool Satisfies(const query::Node& n, const AnalyzedStory& s, const std::vector<Span>& chosen) {
  for (std::size_t i = 0; i < chosen.size(); ++i) {
    for (std::size_t j = i + 1; j < chosen.size(); ++j) {
      if (n.kind == query::Kind::kSame) {
        if (ParagraphOf(s, chosen[i].first) != ParagraphOf(s, chosen[j].first)) return false;
      } else {
        if (Gap(chosen[i], chosen[j]) > static_cast<std::int64_t>(n.distance)) return false;
        if (n.kind == query::Kind::kWithin && !(chosen[i].first < chosen[j].first)) return false;
      }
    }
  }
  return true;
}

// Every combination (odometer over the operands' occurrences); each satisfying one is an
// occurrence of the expression from its first start to its last end.
void ProximitySpans(const query::Node& n, const AnalyzedStory& s, Window win,
                    std::vector<Span>& out) {
  const Window w = Narrow(win, n.scope, s);
  std::vector<std::vector<Span>> occ;
  for (const auto& c : n.children) {
    occ.emplace_back();
    Spans(*c, s, w, occ.back());
    if (occ.back().empty()) return;
  }
  if (occ.empty()) return;
  std::vector<std::size_t> at(occ.size(), 0);
  std::set<std::pair<std::uint32_t, std::uint32_t>> found;
  for (;;) {
    std::vector<Span> chosen;
    for (std::size_t i = 0; i < occ.size(); ++i) chosen.push_back(occ[i][at[i]]);
    if (Satisfies(n, s, chosen)) {
      Span sp{chosen[0].first, chosen[0].last};
      for (const Span& c : chosen) {
        sp.first = std::min(sp.first, c.first);
        sp.last = std::max(sp.last, c.last);
      }
      found.emplace(sp.first, sp.last);
    }
    std::size_t i = 0;
    while (i < occ.size() && ++at[i] == occ[i].size()) at[i++] = 0;
    if (i == occ.size()) break;
  }
  for (const auto& [first, last] : found) out.push_back({first, last});
}

std::uint32_t ParagraphOf(const AnalyzedStory& s, std::uint32_t position) {
  auto it = std::lower_bound(s.words.begin(), s.words.end(), position,
                             [](const AnalyzedWord& w, std::uint32_t p) { return w.position < p; });
  return it == s.words.end() ? 0 : it->paragraph;
}

bool Eval(const query::Node& n, const AnalyzedStory& s, std::int64_t now_us) {
  using query::Kind;
  switch (n.kind) {
    case Kind::kMatchAll:
      return true;
    case Kind::kTerm:
    case Kind::kPhrase:
    case Kind::kPrefix: {
      std::vector<Span> out;
      Spans(n, s, Window{}, out);
      return !out.empty();
    }
    case Kind::kAnd:
      for (const auto& c : n.children) {
        if (!Eval(*c, s, now_us)) return false;
      }
      return true;
    case Kind::kOr:
      for (const auto& c : n.children) {
        if (Eval(*c, s, now_us)) return true;
      }
      return false;
    case Kind::kNot:
      return n.children.empty() || !Eval(*n.children[0], s, now_us);
    case Kind::kNear:
    case Kind::kWithin:
    case Kind::kSame: {
      if (n.children.empty()) return false;
      const Window win = Narrow(Window{}, n.scope, s);
      std::vector<std::vector<Span>> occ;
      for (const auto& c : n.children) {
        occ.emplace_back();
        Spans(*c, s, win, occ.back());
        if (occ.back().empty()) return false;
      }
      if (n.kind != Kind::kSame) {
        std::vector<Span> chosen;
        return AnyCombination(occ, 0, chosen, n.distance, n.kind == Kind::kWithin);
      }
      // Some paragraph holds an occurrence of every operand.
      std::set<std::uint32_t> common;
      for (std::size_t i = 0; i < occ.size(); ++i) {
        std::set<std::uint32_t> paras;
        for (const Span& sp : occ[i]) paras.insert(ParagraphOf(s, sp.first));
        if (i == 0) {
          common = paras;
        } else {
          std::set<std::uint32_t> both;
          for (std::uint32_t p : common) {
            if (paras.count(p) > 0) both.insert(p);
          }
          common = both;
        }
      }
      return !common.empty();
    }
    case Kind::kAtLeast: {
      if (n.children.empty()) return false;
      std::vector<Span> out;
      Spans(*n.children[0], s, Narrow(Window{}, n.scope, s), out);
      return out.size() >= n.count;
    }
    case Kind::kField:
      return FieldMatches(n, s);
    case Kind::kRange:
      return s.time_us >= n.from_us && s.time_us <= n.to_us;
    case Kind::kSince:
      return s.time_us >= now_us - n.seconds * 1000000;
  }
  return false;
}

}  // namespace

bool FieldMatches(const query::Node& n, const AnalyzedStory& s) {
  const std::string field = text::Fold(n.field);
  // Language codes are compared by primary subtag, as stories record them ("en-GB" -> "en").
  const std::string value = field == "lang" ? text::PrimaryLanguage(n.text) : text::Fold(n.text);
  if (field == "author" && !n.prefix) {
    const std::vector<std::string> words = QueryWords(n.text);
    if (words.empty()) return false;
    for (const std::string& w : words) {
      bool found = false;
      for (const auto& [f, v] : s.fields) {
        if (f == "author" && v == w) found = true;
      }
      if (!found) return false;
    }
    return true;
  }
  for (const auto& [f, v] : s.fields) {
    if (f != field) continue;
    if (n.prefix ? v.compare(0, value.size(), value) == 0 : v == value) return true;
  }
  return false;
}

bool Matches(const query::Node& query, const AnalyzedStory& story, std::int64_t now_us) {
  return Eval(query, story, now_us);
}

}  // namespace dateline::index
