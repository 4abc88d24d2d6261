// A brute-force stand-in for match/matcher.h, linked into alerts_test only while the match part
// is not built (alerts/CMakeLists.txt). It evaluates every query on every story over lower-cased
// ASCII words: bare and quoted terms, phrases, AND, OR, NOT, "*" and source:. That is all the
// alert tests use; everything else never matches. Cost counts the query's nodes.
#include <map>
#include <mutex>
#include <set>

#include "match/matcher.h"

namespace dateline::match {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::vector<std::string> Words(const Story& story) {
  std::vector<std::string> words;
  std::string text = story.headline + " " + story.summary + " " + story.BodyText();
  std::string word;
  for (char c : text + " ") {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (alnum) {
      word.push_back(c);
    } else if (!word.empty()) {
      words.push_back(Lower(word));
      word.clear();
    }
  }
  return words;
}

bool Eval(const query::Node& n, const Story& story, const std::vector<std::string>& words,
          std::set<std::string>& terms) {
  switch (n.kind) {
    case query::Kind::kMatchAll:
      return true;
    case query::Kind::kTerm: {
      const std::string t = Lower(n.text);
      for (const std::string& w : words) {
        if (w == t) {
          terms.insert(t);
          return true;
        }
      }
      return false;
    }
    case query::Kind::kPhrase: {
      for (std::size_t i = 0; i + n.words.size() <= words.size(); ++i) {
        bool all = true;
        for (std::size_t j = 0; j < n.words.size() && all; ++j)
          all = words[i + j] == Lower(n.words[j]);
        if (all) {
          for (const std::string& w : n.words) terms.insert(Lower(w));
          return true;
        }
      }
      return false;
    }
    case query::Kind::kAnd:
      for (const auto& c : n.children) {
        if (!Eval(*c, story, words, terms)) return false;
      }
      return true;
    case query::Kind::kOr: {
      bool any = false;
      for (const auto& c : n.children) any = Eval(*c, story, words, terms) || any;
      return any;
    }
    case query::Kind::kNot: {
      std::set<std::string> ignored;
      return !Eval(*n.children.front(), story, words, ignored);
    }
    case query::Kind::kField:
      return n.field == "source" && Lower(n.text) == Lower(story.source);
    default:
      return false;
  }
}

std::uint64_t Nodes(const query::Node& n) {
  std::uint64_t total = 1;
  for (const auto& c : n.children) total += Nodes(*c);
  return total;
}

}  // namespace

struct Matcher::Impl {
  MatcherOptions options;
  mutable std::mutex mu;
  std::map<std::uint64_t, query::NodePtr> queries;
};

Matcher::Matcher(MatcherOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = options;
}
Matcher::~Matcher() = default;

Status Matcher::Add(std::uint64_t id, const query::Node& query) {
  if (Cost(query) > impl_->options.max_query_cost) return Status::TooLarge("over budget", "query");
  std::lock_guard lock(impl_->mu);
  impl_->queries[id] = query::Clone(query);
  return Status::Ok();
}

bool Matcher::Remove(std::uint64_t id) {
  std::lock_guard lock(impl_->mu);
  return impl_->queries.erase(id) > 0;
}

std::vector<Fired> Matcher::Match(const Story& story, std::int64_t, MatchStats* stats) const {
  const std::vector<std::string> words = Words(story);
  std::lock_guard lock(impl_->mu);
  std::vector<Fired> out;
  for (const auto& [id, q] : impl_->queries) {
    std::set<std::string> terms;
    if (Eval(*q, story, words, terms)) out.push_back({id, {terms.begin(), terms.end()}});
  }
  if (stats != nullptr) {
    stats->candidates = impl_->queries.size();
    stats->matched = out.size();
  }
  return out;
}

std::uint64_t Matcher::Cost(const query::Node& query) { return Nodes(query); }

MatcherStats Matcher::Stats() const {
  std::lock_guard lock(impl_->mu);
  return {impl_->queries.size(), 0, 0};
}

}  // namespace dateline::match
