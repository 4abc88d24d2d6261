#include "query/ast.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/time_format.h"
#include "query/parser.h"

namespace dateline::query {
namespace {

// Same tree, columns aside (a printed tree starts its nodes at other columns).
bool SameTree(const Node& a, const Node& b) {
  if (a.kind != b.kind || a.scope != b.scope || a.exact != b.exact || a.prefix != b.prefix ||
      a.field != b.field || a.text != b.text || a.words != b.words || a.distance != b.distance ||
      a.count != b.count || a.from_us != b.from_us || a.to_us != b.to_us ||
      a.seconds != b.seconds || a.children.size() != b.children.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.children.size(); ++i) {
    if (!SameTree(*a.children[i], *b.children[i])) return false;
  }
  return true;
}

// Random trees of the shapes the parser produces: n-ary AND/OR without a child of their own
// kind, proximity over text operands of one scope, words that need escaping or quoting.
class TreeGenerator {
 public:
  explicit TreeGenerator(std::uint32_t seed) : rng_(seed) {}

  NodePtr Any(int depth) {
    switch (Pick(depth > 0 ? 10 : 5)) {
      case 0: return Text(ScopeOf(Pick(3)));
      case 1: return Field();
      case 2: return TimeFilter();
      case 3: return Pick(4) == 0 ? Leaf(Kind::kMatchAll) : Text(ScopeOf(Pick(3)));
      case 4: return Text(ScopeOf(Pick(3)));
      case 5: case 6: return Boolean(Pick(2) ? Kind::kAnd : Kind::kOr, depth);
      case 7: {
        auto n = Leaf(Kind::kNot);
        n->children.push_back(Any(depth - 1));
        return n;
      }
      case 8: return Proximity(ScopeOf(Pick(3)), depth);
      default: return AtLeast(ScopeOf(Pick(3)));
    }
  }

 private:
  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  static Scope ScopeOf(int i) { return static_cast<Scope>(i); }

  std::string Word() {
    static const std::vector<std::string> kWords = {
        "rates", "Inflation", "U.S.", "AT&T", "e-mail", "3.5%", "O'Brien", "日本銀行", "café",
        "Zürich", "AND", "OR", "NOT", "SAME", "NEAR", "NEAR/5", "W/3", "ATLEAST", "ATLEAST2",
        "TO", "a:b", "(x)", "-minus", "+plus", "[br", "{br", "q\"uote", "back\\slash", "st*r",
        "two words", "x\u3000y", "w/o", "and", "near/5"};
    return kWords[Pick(static_cast<int>(kWords.size()))];
  }

  // A word that may stand in quotes: no whitespace.
  std::string QuotableWord() {
    for (;;) {
      std::string w = Word();
      if (w.find(' ') == std::string::npos && w.find("\u3000") == std::string::npos) return w;
    }
  }

  static NodePtr Leaf(Kind kind) {
    auto n = std::make_unique<Node>();
    n->kind = kind;
    return n;
  }

  NodePtr Text(Scope scope) {
    NodePtr n;
    switch (Pick(4)) {
      case 0:
        n = Leaf(Kind::kTerm);
        n->text = Word();
        break;
      case 1:
        n = Leaf(Kind::kTerm);
        n->exact = true;
        n->text = QuotableWord();
        break;
      case 2:
        n = Leaf(Kind::kPhrase);
        for (int i = 0, k = 2 + Pick(3); i < k; ++i) n->words.push_back(QuotableWord());
        break;
      default:
        n = Leaf(Kind::kPrefix);
        n->text = Word();
        break;
    }
    n->scope = scope;
    return n;
  }

  NodePtr Field() {
    static const std::vector<std::string> kFields = {"source", "author", "ticker", "country",
                                                     "person", "topic", "org", "place",
                                                     "exchange"};
    auto n = Leaf(Kind::kField);
    switch (Pick(4)) {
      case 0:
        n->field = "priority";
        n->text = std::vector<std::string>{"normal", "URGENT", "flash"}[Pick(3)];
        break;
      case 1:
        n->field = "lang";
        n->text = std::vector<std::string>{"en", "DE", "jpn"}[Pick(3)];
        break;
      default:
        n->field = kFields[Pick(static_cast<int>(kFields.size()))];
        n->text = Pick(3) == 0 ? "jane smith" : Word();
        n->prefix = Pick(3) == 0;
        break;
    }
    return n;
  }

  NodePtr TimeFilter() {
    if (Pick(2)) {
      auto n = Leaf(Kind::kSince);
      n->field = "since";
      n->seconds = 60LL * (1 + Pick(100000));
      return n;
    }
    auto n = Leaf(Kind::kRange);
    n->field = "published";
    const std::int64_t lo = *ParseRfc3339("1000-01-01");
    const std::int64_t hi = *ParseRfc3339("9999-12-31");
    std::uniform_int_distribution<std::int64_t> t(lo, hi);
    std::int64_t a = t(rng_), b = t(rng_);
    if (Pick(2)) a -= a % 1000000;  // whole seconds print without a fraction
    if (a > b) std::swap(a, b);
    n->from_us = Pick(4) == 0 ? std::numeric_limits<std::int64_t>::min() : a;
    n->to_us = Pick(4) == 0 ? std::numeric_limits<std::int64_t>::max() : b;
    return n;
  }

  NodePtr Boolean(Kind kind, int depth) {
    auto n = Leaf(kind);
    for (int i = 0, k = 2 + Pick(3); i < k; ++i) {
      NodePtr c;
      do c = Any(depth - 1);
      while (c->kind == kind);
      n->children.push_back(std::move(c));
    }
    return n;
  }

  // A proximity operand: words, proximity or an OR of words, all in `scope`.
  NodePtr Operand(Scope scope, int depth) {
    int choice = depth > 0 ? Pick(4) : 0;
    if (choice == 1) return Proximity(scope, depth - 1);
    if (choice == 2) {
      auto n = Leaf(Kind::kOr);
      for (int i = 0, k = 2 + Pick(2); i < k; ++i) n->children.push_back(Text(scope));
      return n;
    }
    return Text(scope);
  }

  NodePtr Proximity(Scope scope, int depth) {
    static const Kind kKinds[] = {Kind::kNear, Kind::kWithin, Kind::kSame};
    auto n = Leaf(kKinds[Pick(3)]);
    n->scope = scope;
    if (n->kind != Kind::kSame) n->distance = 1 + Pick(1000);
    for (int i = 0, k = 2 + Pick(2); i < k; ++i) n->children.push_back(Operand(scope, depth));
    return n;
  }

  NodePtr AtLeast(Scope scope) {
    auto n = Leaf(Kind::kAtLeast);
    n->scope = scope;
    n->count = 1 + Pick(1000);
    n->children.push_back(Text(scope));
    return n;
  }

  std::mt19937 rng_;
};

TEST(AstProperty, PrintedTreesParseBackToTheSameTree) {
  for (std::uint32_t seed = 1; seed <= 3000; ++seed) {
    TreeGenerator gen(seed);
    NodePtr tree = gen.Any(4);
    const std::string printed = ToString(*tree);
    Limits limits;
    limits.max_length = std::numeric_limits<std::size_t>::max();
    auto parsed = Parse(printed, limits);
    ASSERT_TRUE(parsed.ok()) << "seed " << seed << ": " << printed << "\n"
                             << parsed.error().message;
    EXPECT_EQ(ToString(*parsed), printed) << "seed " << seed;
    EXPECT_TRUE(SameTree(*parsed, *tree)) << "seed " << seed << ": " << printed;
  }
}

TEST(Ast, CloneIsDeepAndIndependent) {
  auto parsed = Parse("hd:(a NEAR/5 \"b c\") OR (source:x AND NOT since:2h)");
  ASSERT_TRUE(parsed.ok());
  NodePtr copy = Clone(*parsed);
  EXPECT_TRUE(SameTree(*copy, *parsed));
  EXPECT_EQ(copy->column, (*parsed).column);
  EXPECT_EQ(copy->children[1]->children[0]->column, (*parsed).children[1]->children[0]->column);
  copy->children[0]->children[1]->words[0] = "changed";
  copy->children[1]->children.clear();
  EXPECT_EQ(ToString(*parsed), "(hd:(a NEAR/5 \"b c\") OR (source:x AND NOT since:2h))");
}

TEST(Ast, CanonicalFormChoices) {
  auto print = [](std::string_view q) {
    auto r = Parse(q);
    return r.ok() ? ToString(*r) : "error:" + r.error().code;
  };
  // Operators upper-case, fields lower-case, words as typed.
  EXPECT_EQ(print("Rates SOURCE:Reuters"), "(Rates AND source:Reuters)");
  // Words the lexer would read otherwise are escaped, not quoted (quoting means exact).
  EXPECT_EQ(print("\\AND \\-x a\\:b"), "(\\AND AND \\-x AND a\\:b)");
  // since: in the largest exact unit.
  EXPECT_EQ(print("since:1440m"), "since:1d");
  EXPECT_EQ(print("since:61m"), "since:61m");
}

}  // namespace
}  // namespace dateline::query
