// Recursive descent over the grammar in docs/query-language.md ("Syntax"), one function per
// precedence level, loosest first: Or, And, Unary, Proximity, AtLeast, Scoped, Atom.
//
// Two limits keep hostile input cheap: `nesting_` counts the parentheses and prefix operators
// the parser is inside (so recursion never goes deeper than max_depth), and every operator node
// carries the number of operator nodes below it (so the tree, which printing, cloning and
// evaluation walk recursively, is never deeper than max_depth either). The printed form of a tree
// nests no deeper than the tree, so it always parses again.
#include "query/parser.h"

#include <algorithm>
#include <array>
#include <limits>

#include "core/time_format.h"
#include "core/utf8.h"
#include "query/lexer.h"

namespace dateline::query {

namespace {

enum class FieldType : std::uint8_t { kScope, kKeyword, kPriority, kLang, kPublished, kSince };

struct FieldInfo {
  std::string_view name;
  FieldType type;
  Scope scope;
};

constexpr std::array<FieldInfo, 15> kFields = {{
    {"hd", FieldType::kScope, Scope::kHeadline},
    {"lead", FieldType::kScope, Scope::kLead},
    {"source", FieldType::kKeyword, Scope::kAll},
    {"lang", FieldType::kLang, Scope::kAll},
    {"priority", FieldType::kPriority, Scope::kAll},
    {"author", FieldType::kKeyword, Scope::kAll},
    {"ticker", FieldType::kKeyword, Scope::kAll},
    {"country", FieldType::kKeyword, Scope::kAll},
    {"person", FieldType::kKeyword, Scope::kAll},
    {"topic", FieldType::kKeyword, Scope::kAll},
    {"org", FieldType::kKeyword, Scope::kAll},
    {"place", FieldType::kKeyword, Scope::kAll},
    {"exchange", FieldType::kKeyword, Scope::kAll},
    {"published", FieldType::kPublished, Scope::kAll},
    {"since", FieldType::kSince, Scope::kAll},
}};

constexpr std::int64_t kDayUs = 86400LL * 1000000;
constexpr std::int64_t kMaxSinceSeconds = 100LL * 365 * 86400;  // a century
constexpr std::int64_t kMaxDistance = 1000;

const FieldInfo* FindField(std::string_view name) {
  for (const auto& f : kFields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::string KnownFields() {
  std::string s;
  for (const auto& f : kFields) {
    if (!s.empty()) s += ", ";
    s += f.name;
  }
  return s;
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string ProximityName(Kind kind, std::int64_t n) {
  if (kind == Kind::kSame) return "SAME";
  return (kind == Kind::kNear ? "NEAR/" : "W/") + std::to_string(n);
}

bool IsTextOperandKind(Kind k) {
  return k == Kind::kTerm || k == Kind::kPhrase || k == Kind::kPrefix || k == Kind::kNear ||
         k == Kind::kWithin || k == Kind::kSame;
}

// What a node is, for messages that refuse it somewhere.
std::string Describe(const Node& n) {
  switch (n.kind) {
    case Kind::kMatchAll: return "'*'";
    case Kind::kAnd: return "an AND";
    case Kind::kOr: return "an OR";
    case Kind::kNot: return "a negation";
    case Kind::kAtLeast: return "ATLEAST";
    case Kind::kField: return "a field filter (" + n.field + ":)";
    case Kind::kRange: return "a range (published:)";
    case Kind::kSince: return "since:";
    case Kind::kNear: case Kind::kWithin: case Kind::kSame: return "a proximity expression";
    default: return "a word";
  }
}

std::string DescribeToken(const Token& t) {
  switch (t.type) {
    case TokenType::kEnd: return "the end of the query";
    case TokenType::kWord: return "'" + t.text + (t.prefix ? "*'" : "'");
    case TokenType::kQuoted: return "a quoted phrase";
    case TokenType::kStar: return "'*'";
    case TokenType::kLParen: return "'('";
    case TokenType::kRParen: return "')'";
    case TokenType::kField: return "'" + t.text + ":'";
    case TokenType::kRange: return "a range";
    case TokenType::kAnd: return "AND";
    case TokenType::kOr: return "OR";
    case TokenType::kNot: return "NOT";
    case TokenType::kPlus: return "'+'";
    case TokenType::kMinus: return "'-'";
    case TokenType::kProximity:
      return t.prox == Kind::kNear && t.number < 0 ? "NEAR/" : ProximityName(t.prox, t.number);
    case TokenType::kAtLeast: return "ATLEAST";
  }
  return "a token";
}

bool StartsUnary(TokenType t) {
  switch (t) {
    case TokenType::kWord: case TokenType::kQuoted: case TokenType::kStar:
    case TokenType::kLParen: case TokenType::kField: case TokenType::kRange:
    case TokenType::kNot: case TokenType::kPlus: case TokenType::kMinus:
    case TokenType::kAtLeast:
      return true;
    default:
      return false;
  }
}

class Parser {
 public:
  Parser(std::string_view text, const Limits& limits) : lexer_(text), limits_(limits) {}

  ParseResult Run() {
    if (!Advance()) return std::move(error_);
    if (cur_.type == TokenType::kEnd) {
      Fail(1, "empty", "the query is empty");
      return std::move(error_);
    }
    Parsed p = ParseOr();
    if (!p.node) return std::move(error_);
    if (cur_.type != TokenType::kEnd) {
      // ParseOr stops only at the end or at a ')' it did not open.
      Fail(cur_.column, "syntax", "unexpected ')' without a matching '('");
      return std::move(error_);
    }
    return std::move(p.node);
  }

 private:
  struct Parsed {
    NodePtr node;            // null after an error
    std::uint32_t depth = 0; // operator nodes on the longest path down (a leaf has 0)
  };

  Parsed Fail(std::uint32_t column, std::string code, const std::string& detail) {
    if (!failed_) {
      failed_ = true;
      error_.column = column;
      error_.code = std::move(code);
      error_.message = "column " + std::to_string(column) + ": " + detail;
    }
    return {};
  }

  bool Advance() {
    LexError e;
    if (lexer_.Next(&cur_, &e)) return true;
    Fail(e.column, e.code, e.detail);
    return false;
  }

  bool CountTerms(std::size_t n, std::uint32_t column) {
    terms_ += n;
    if (terms_ <= limits_.max_terms) return true;
    Fail(column, "too_many_terms",
         "the query has more than " + std::to_string(limits_.max_terms) + " terms");
    return false;
  }

  // Wraps `node` with its depth, refusing trees deeper than max_depth.
  Parsed Made(NodePtr node, std::uint32_t depth) {
    if (depth > limits_.max_depth) {
      return Fail(node->column, "too_deep",
                  "operators nest more than " + std::to_string(limits_.max_depth) + " deep");
    }
    return {std::move(node), depth};
  }

  bool Enter(std::uint32_t column) {
    if (++nesting_ <= limits_.max_depth) return true;
    Fail(column, "too_deep",
         "parentheses and prefix operators nest more than " + std::to_string(limits_.max_depth) +
             " deep");
    return false;
  }

  // AND and OR are n-ary: an operand of the same kind gives its children instead.
  Parsed MakeNary(Kind kind, std::vector<Parsed> items) {
    auto node = std::make_unique<Node>();
    node->kind = kind;
    node->column = items.front().node->column;
    std::uint32_t depth = 0;
    for (auto& item : items) {
      if (item.node->kind == kind) {
        depth = std::max(depth, item.depth - 1);
        for (auto& c : item.node->children) node->children.push_back(std::move(c));
      } else {
        depth = std::max(depth, item.depth);
        node->children.push_back(std::move(item.node));
      }
    }
    return Made(std::move(node), depth + 1);
  }

  Parsed ParseOr() {
    Parsed first = ParseAnd();
    if (!first.node || cur_.type != TokenType::kOr) return first;
    std::vector<Parsed> items;
    items.push_back(std::move(first));
    while (cur_.type == TokenType::kOr) {
      const auto column = cur_.column;
      if (!Advance()) return {};
      if (!StartsUnary(cur_.type)) {
        return Fail(cur_.column, "syntax",
                    "expected a term after OR at column " + std::to_string(column) + ", found " +
                        DescribeToken(cur_));
      }
      items.push_back(ParseAnd());
      if (!items.back().node) return {};
    }
    if (items.size() == 1) return std::move(items.front());
    return MakeNary(Kind::kOr, std::move(items));
  }

  // Explicit AND, or juxtaposition.
  Parsed ParseAnd() {
    Parsed first = ParseUnary();
    if (!first.node || (cur_.type != TokenType::kAnd && !StartsUnary(cur_.type))) return first;
    std::vector<Parsed> items;
    items.push_back(std::move(first));
    for (;;) {
      if (cur_.type == TokenType::kAnd) {
        const auto column = cur_.column;
        if (!Advance()) return {};
        if (!StartsUnary(cur_.type)) {
          return Fail(cur_.column, "syntax",
                      "expected a term after AND at column " + std::to_string(column) +
                          ", found " + DescribeToken(cur_));
        }
      } else if (!StartsUnary(cur_.type)) {
        break;
      }
      items.push_back(ParseUnary());
      if (!items.back().node) return {};
    }
    if (items.size() == 1) return std::move(items.front());
    return MakeNary(Kind::kAnd, std::move(items));
  }

  // NOT a, -a, +a (required: the same as a, since juxtaposition already means AND).
  Parsed ParseUnary() {
    const TokenType type = cur_.type;
    if (type != TokenType::kNot && type != TokenType::kMinus && type != TokenType::kPlus) {
      return ParseProximity();
    }
    const Token op = cur_;
    if (!Enter(op.column) || !Advance()) return {};
    if (!StartsUnary(cur_.type)) {
      return Fail(cur_.column, "syntax",
                  "expected a term after " + DescribeToken(op) + " at column " +
                      std::to_string(op.column) + ", found " + DescribeToken(cur_));
    }
    Parsed child = ParseUnary();
    --nesting_;
    if (!child.node || type == TokenType::kPlus) return child;
    auto node = std::make_unique<Node>();
    node->kind = Kind::kNot;
    node->column = op.column;
    node->children.push_back(std::move(child.node));
    return Made(std::move(node), child.depth + 1);
  }

  // The scope of a proximity operand, or an error when it is not one: words, phrases, prefixes,
  // proximity expressions, and ORs of those, all in one scope.
  bool ProximityOperand(const Node& n, const std::string& op, Scope* scope) {
    if (IsTextOperandKind(n.kind)) {
      *scope = n.scope;
      return true;
    }
    if (n.kind == Kind::kOr) {
      for (std::size_t i = 0; i < n.children.size(); ++i) {
        Scope s;
        if (!ProximityOperand(*n.children[i], op, &s)) return false;
        if (i > 0 && s != *scope) {
          Fail(n.children[i]->column, "bad_operand",
               "the words of an OR inside " + op + " must all be in the same scope");
          return false;
        }
        *scope = s;
      }
      return true;
    }
    Fail(n.column, "bad_operand",
         op + " takes words, phrases, prefixes or an OR of them, not " + Describe(n));
    return false;
  }

  Parsed MakeProximity(Kind kind, std::int64_t distance, std::vector<Parsed> items,
                       std::vector<Scope> scopes) {
    auto node = std::make_unique<Node>();
    node->kind = kind;
    node->distance = static_cast<std::uint32_t>(distance);
    node->column = items.front().node->column;
    node->scope = scopes.front();
    std::uint32_t depth = 0;
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (scopes[i] != node->scope) {
        return Fail(items[i].node->column, "bad_operand",
                    "the operands of " + ProximityName(kind, distance) +
                        " must be in the same scope (hd:, lead: or neither); "
                        "write hd:(a NEAR/5 b)");
      }
      depth = std::max(depth, items[i].depth);
      node->children.push_back(std::move(items[i].node));
    }
    return Made(std::move(node), depth + 1);
  }

  bool CheckDistance(const Token& op) {
    if (op.prox == Kind::kSame || (op.number >= 1 && op.number <= kMaxDistance)) return true;
    Fail(op.column, "bad_distance",
         "the distance of " + std::string(op.prox == Kind::kNear ? "NEAR/n" : "W/n") +
             " must be a number from 1 to " + std::to_string(kMaxDistance));
    return false;
  }

  // a NEAR/5 b NEAR/5 c is one node; a change of operator or distance starts a new one with the
  // chain so far as its first operand (left to right).
  Parsed ParseProximity() {
    Parsed first = ParseAtLeast();
    if (!first.node || cur_.type != TokenType::kProximity) return first;
    if (!CheckDistance(cur_)) return {};
    std::vector<Parsed> items;
    std::vector<Scope> scopes;
    Kind kind = cur_.prox;
    std::int64_t distance = cur_.number;
    std::string name = ProximityName(kind, distance);
    Scope scope;
    if (!ProximityOperand(*first.node, name, &scope)) return {};
    items.push_back(std::move(first));
    scopes.push_back(scope);
    while (cur_.type == TokenType::kProximity) {
      const Token op = cur_;
      if (!CheckDistance(op)) return {};
      if (op.prox != kind || op.number != distance) {
        Parsed chain = MakeProximity(kind, distance, std::move(items), std::move(scopes));
        if (!chain.node) return {};
        items.clear();
        scopes.clear();
        scopes.push_back(chain.node->scope);
        items.push_back(std::move(chain));
        kind = op.prox;
        distance = op.number;
        name = ProximityName(kind, distance);
      }
      if (!Advance()) return {};
      if (cur_.type == TokenType::kNot || cur_.type == TokenType::kMinus) {
        return Fail(cur_.column, "bad_operand",
                    "a negation cannot be an operand of " + name + "; write (a AND NOT b)");
      }
      if (!StartsUnary(cur_.type) || cur_.type == TokenType::kPlus) {
        return Fail(cur_.column, "syntax",
                    "expected a term after " + name + " at column " + std::to_string(op.column) +
                        ", found " + DescribeToken(cur_));
      }
      Parsed next = ParseAtLeast();
      if (!next.node || !ProximityOperand(*next.node, name, &scope)) return {};
      items.push_back(std::move(next));
      scopes.push_back(scope);
    }
    return MakeProximity(kind, distance, std::move(items), std::move(scopes));
  }

  // ATLEAST n term, ATLEASTn term.
  Parsed ParseAtLeast() {
    if (cur_.type != TokenType::kAtLeast) return ParseScoped();
    const Token op = cur_;
    std::int64_t count = op.number;
    std::uint32_t count_column = op.column;
    if (!Advance()) return {};
    if (count < 0) {
      const bool digits = cur_.type == TokenType::kWord && !cur_.escaped && !cur_.prefix &&
                          !cur_.text.empty() &&
                          std::all_of(cur_.text.begin(), cur_.text.end(),
                                      [](char c) { return c >= '0' && c <= '9'; });
      if (!digits) {
        return Fail(cur_.column, "bad_count",
                    "ATLEAST takes a count, as in ATLEAST 3 inflation");
      }
      count = cur_.text.size() > 7 ? 10000000 : std::stoll(cur_.text);
      count_column = cur_.column;
      if (!Advance()) return {};
    }
    if (count < 1 || count > kMaxDistance) {
      return Fail(count_column, "bad_count",
                  "the count of ATLEAST must be from 1 to " + std::to_string(kMaxDistance));
    }
    const std::string name = "ATLEAST " + std::to_string(count);
    if (cur_.type == TokenType::kNot || cur_.type == TokenType::kMinus) {
      return Fail(cur_.column, "bad_operand", "a negation cannot be counted by " + name);
    }
    if (!StartsUnary(cur_.type) || cur_.type == TokenType::kPlus ||
        cur_.type == TokenType::kAtLeast) {
      return Fail(cur_.column, "syntax",
                  "expected a term after " + name + ", found " + DescribeToken(cur_));
    }
    Parsed child = ParseScoped();
    if (!child.node) return {};
    const Kind k = child.node->kind;
    if (k != Kind::kTerm && k != Kind::kPhrase && k != Kind::kPrefix) {
      return Fail(child.node->column, "bad_operand",
                  name + " counts one word, phrase or prefix, not " + Describe(*child.node));
    }
    auto node = std::make_unique<Node>();
    node->kind = Kind::kAtLeast;
    node->count = static_cast<std::uint32_t>(count);
    node->scope = child.node->scope;
    node->column = op.column;
    node->children.push_back(std::move(child.node));
    return Made(std::move(node), child.depth + 1);
  }

  // hd:x and lead:x put every text node below them in that scope.
  bool ApplyScope(Node* n, Scope scope, std::string_view field) {
    switch (n->kind) {
      case Kind::kAnd: case Kind::kOr: case Kind::kNot:
        for (auto& c : n->children) {
          if (!ApplyScope(c.get(), scope, field)) return false;
        }
        return true;
      case Kind::kTerm: case Kind::kPhrase: case Kind::kPrefix: case Kind::kNear:
      case Kind::kWithin: case Kind::kSame: case Kind::kAtLeast:
        if (n->scope != Scope::kAll && n->scope != scope) {
          Fail(n->column, "bad_operand",
               "a scope cannot be inside a different scope (" + std::string(field) + ":)");
          return false;
        }
        n->scope = scope;
        for (auto& c : n->children) {
          if (!ApplyScope(c.get(), scope, field)) return false;
        }
        return true;
      default:
        Fail(n->column, "bad_operand",
             std::string(field) + ": applies to words, phrases and proximity, not " +
                 Describe(*n));
        return false;
    }
  }

  bool CheckFieldValue(const FieldInfo& f, const Node& n) {
    if (f.type == FieldType::kPriority) {
      const std::string v = AsciiLower(n.text);
      if (n.prefix || (v != "normal" && v != "urgent" && v != "flash")) {
        Fail(n.column, "bad_value", "priority: takes normal, urgent or flash");
        return false;
      }
    } else if (f.type == FieldType::kLang) {
      const bool letters = std::all_of(n.text.begin(), n.text.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      });
      if (n.prefix || !letters || n.text.size() < 2 || n.text.size() > 3) {
        Fail(n.column, "bad_value", "lang: takes a language code such as en, de or ja");
        return false;
      }
    }
    return true;
  }

  // source:x, ticker:(a OR b): each word or phrase below becomes a field filter.
  bool ApplyField(NodePtr& n, const FieldInfo& f) {
    switch (n->kind) {
      case Kind::kAnd: case Kind::kOr: case Kind::kNot:
        for (auto& c : n->children) {
          if (!ApplyField(c, f)) return false;
        }
        return true;
      case Kind::kTerm: case Kind::kPhrase: case Kind::kPrefix: {
        auto field = std::make_unique<Node>();
        field->kind = Kind::kField;
        field->field = std::string(f.name);
        field->column = n->column;
        field->prefix = n->kind == Kind::kPrefix;
        if (n->kind == Kind::kPhrase) {
          for (const auto& w : n->words) {
            if (!field->text.empty()) field->text += ' ';
            field->text += w;
          }
        } else {
          field->text = std::move(n->text);
        }
        if (!CheckFieldValue(f, *field)) return false;
        n = std::move(field);
        return true;
      }
      case Kind::kMatchAll:
        Fail(n->column, "bad_wildcard", std::string(f.name) + ": needs a value before '*'");
        return false;
      default:
        Fail(n->column, "bad_operand",
             std::string(f.name) + ": takes values, not " + Describe(*n));
        return false;
    }
  }

  // One bound of a range in inclusive µs; a date alone covers its whole UTC day.
  bool ParseBound(const std::string& text, std::uint32_t column, bool is_from, bool exclusive,
                  std::int64_t* us) {
    if (text == "*") {
      *us = is_from ? std::numeric_limits<std::int64_t>::min()
                    : std::numeric_limits<std::int64_t>::max();
      return true;
    }
    auto t = ParseRfc3339(text);
    if (!t.ok()) {
      Fail(column, "bad_date",
           "'" + text + "' is not a date (2013-11-01) or an RFC 3339 time (2013-11-01T09:30:00Z)");
      return false;
    }
    const bool day = text.size() == 10;
    if (is_from) {
      *us = *t + (exclusive ? (day ? kDayUs : 1) : 0);
    } else {
      *us = exclusive ? *t - 1 : *t + (day ? kDayUs - 1 : 0);
    }
    // What ToString prints must read back: keep to the years RFC 3339 parsing takes.
    static const std::int64_t kMin = *ParseRfc3339("1000-01-01");
    static const std::int64_t kMax = *ParseRfc3339("9999-12-31") + kDayUs - 1;
    if (*us < kMin || *us > kMax) {
      Fail(column, "bad_date", "'" + text + "' is outside the years 1000 to 9999");
      return false;
    }
    return true;
  }

  Parsed ParsePublished(std::uint32_t column) {
    auto node = std::make_unique<Node>();
    node->kind = Kind::kRange;
    node->field = "published";
    node->column = column;
    if (cur_.type == TokenType::kRange) {
      if (!ParseBound(cur_.from, cur_.from_column, true, cur_.exclusive_from, &node->from_us) ||
          !ParseBound(cur_.to, cur_.to_column, false, cur_.exclusive_to, &node->to_us)) {
        return {};
      }
      if (node->from_us > node->to_us) {
        return Fail(cur_.column, "bad_range", "the range is empty");
      }
    } else if ((cur_.type == TokenType::kWord && !cur_.prefix) ||
               (cur_.type == TokenType::kQuoted && cur_.words.size() == 1)) {
      const std::string text = cur_.type == TokenType::kWord ? cur_.text : cur_.words[0];
      if (!ParseBound(text, cur_.column, true, false, &node->from_us) ||
          !ParseBound(text, cur_.column, false, false, &node->to_us)) {
        return {};
      }
    } else {
      return Fail(cur_.column, "bad_date",
                  "published: takes a date, a time or a range such as "
                  "[2013-11-01 TO 2013-11-03]");
    }
    if (!Advance()) return {};
    return {std::move(node), 0};
  }

  Parsed ParseSince(std::uint32_t column) {
    const std::string& v = cur_.text;
    std::int64_t n = 0;
    std::size_t i = 0;
    while (i < v.size() && i < 8 && v[i] >= '0' && v[i] <= '9') n = n * 10 + (v[i++] - '0');
    std::int64_t unit = 0;
    if (cur_.type == TokenType::kWord && !cur_.prefix && i > 0 && i + 1 == v.size()) {
      switch (v[i]) {
        case 'm': unit = 60; break;
        case 'h': unit = 3600; break;
        case 'd': unit = 86400; break;
        case 'w': unit = 7 * 86400; break;
        default: break;
      }
    }
    if (unit == 0 || n < 1 || n * unit > kMaxSinceSeconds) {
      return Fail(cur_.column, "bad_value",
                  "since: takes a number and a unit m, h, d or w, up to 100 years, "
                  "as in since:2h");
    }
    auto node = std::make_unique<Node>();
    node->kind = Kind::kSince;
    node->field = "since";
    node->seconds = n * unit;
    node->column = column;
    if (!Advance()) return {};
    return {std::move(node), 0};
  }

  // field:value, field:"phrase", field:(group), published:[…], since:2h.
  Parsed ParseScoped() {
    if (cur_.type != TokenType::kField) return ParseAtom();
    const Token op = cur_;
    const std::string name = AsciiLower(op.text);
    const FieldInfo* f = FindField(name);
    if (!f) {
      return Fail(op.column, "unknown_field",
                  "unknown field '" + op.text + ":'; the fields are " + KnownFields());
    }
    // A scope takes text, where a colon starts a field (hd:lead:x is a scope inside a scope);
    // a keyword field takes a value, where it does not (ticker:BRK:B).
    if (f->type != FieldType::kScope) lexer_.ReadNextAsValue();
    if (!Advance()) return {};
    if (f->type == FieldType::kPublished) return ParsePublished(op.column);
    if (f->type == FieldType::kSince) return ParseSince(op.column);
    if (cur_.type == TokenType::kRange) {
      return Fail(cur_.column, "bad_range", "only published: takes a range");
    }
    if (cur_.type == TokenType::kStar) {
      return Fail(cur_.column, "bad_wildcard", name + ": needs a value before '*'");
    }
    const bool scope_in_scope = f->type == FieldType::kScope && cur_.type == TokenType::kField;
    if (cur_.type != TokenType::kWord && cur_.type != TokenType::kQuoted &&
        cur_.type != TokenType::kLParen && !scope_in_scope) {
      return Fail(cur_.column, "syntax",
                  "expected a value after " + name + ": at column " + std::to_string(op.column) +
                      ", found " + DescribeToken(cur_));
    }
    if (scope_in_scope && !Enter(cur_.column)) return {};
    Parsed p = scope_in_scope ? ParseScoped() : ParseAtom();
    if (scope_in_scope) --nesting_;
    if (!p.node) return {};
    if (f->type == FieldType::kScope) {
      if (!ApplyScope(p.node.get(), f->scope, name)) return {};
    } else if (!ApplyField(p.node, *f)) {
      return {};
    }
    p.node->column = op.column;
    return p;
  }

  Parsed ParseAtom() {
    const std::uint32_t column = cur_.column;
    switch (cur_.type) {
      case TokenType::kWord: {
        if (!HasLetterOrDigit(cur_.text)) {
          return Fail(column, "syntax",
                      "'" + cur_.text + (cur_.prefix ? "*" : "") + "' has no letter or digit");
        }
        if (!CountTerms(1, column)) return {};
        auto node = std::make_unique<Node>();
        node->kind = cur_.prefix ? Kind::kPrefix : Kind::kTerm;
        node->text = std::move(cur_.text);
        node->column = column;
        if (!Advance()) return {};
        return {std::move(node), 0};
      }
      case TokenType::kQuoted: {
        auto& words = cur_.words;
        if (std::none_of(words.begin(), words.end(),
                         [](const std::string& w) { return HasLetterOrDigit(w); })) {
          return Fail(column, "syntax", "the quotes hold no letter or digit");
        }
        if (!CountTerms(words.size(), column)) return {};
        auto node = std::make_unique<Node>();
        node->column = column;
        if (words.size() == 1) {
          node->kind = Kind::kTerm;
          node->exact = true;
          node->text = std::move(words[0]);
        } else {
          node->kind = Kind::kPhrase;
          node->words = std::move(words);
        }
        if (!Advance()) return {};
        return {std::move(node), 0};
      }
      case TokenType::kStar: {
        if (!Advance()) return {};
        auto node = std::make_unique<Node>();
        node->kind = Kind::kMatchAll;
        node->column = column;
        return {std::move(node), 0};
      }
      case TokenType::kLParen: {
        if (!Enter(column) || !Advance()) return {};
        if (cur_.type == TokenType::kRParen) return Fail(column, "syntax", "empty parentheses");
        Parsed p = ParseOr();
        if (!p.node) return {};
        if (cur_.type != TokenType::kRParen) {
          return Fail(cur_.column, "unclosed_paren",
                      "expected ')' to close '(' at column " + std::to_string(column));
        }
        --nesting_;
        if (!Advance()) return {};
        return p;
      }
      case TokenType::kRange:
        return Fail(column, "bad_range",
                    "a range needs a field, as in published:[2013-11-01 TO 2013-11-03]");
      default:
        return Fail(column, "syntax", "expected a term, found " + DescribeToken(cur_));
    }
  }

  Lexer lexer_;
  const Limits& limits_;
  Token cur_;
  ParseError error_;
  bool failed_ = false;
  std::size_t nesting_ = 0;
  std::size_t terms_ = 0;
};

ParseError MakeError(std::size_t column, std::string code, const std::string& detail) {
  return {column, std::move(code), "column " + std::to_string(column) + ": " + detail};
}

}  // namespace

ParseResult Parse(std::string_view input, const Limits& limits) {
  if (auto bad = FindInvalidUtf8(input)) {
    std::size_t column = 1;
    for (std::size_t i = 0; i < *bad; ++i) {
      if ((static_cast<unsigned char>(input[i]) & 0xC0) != 0x80) ++column;
    }
    return MakeError(column, "invalid_utf8", "the query is not valid UTF-8");
  }
  std::size_t length = 0;
  for (char c : input) length += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  if (length > limits.max_length) {
    return MakeError(limits.max_length + 1, "too_long",
                     "the query is longer than " + std::to_string(limits.max_length) +
                         " characters");
  }
  return Parser(input, limits).Run();
}

Status ToStatus(const ParseError& error) {
  if (error.code == "too_long" || error.code == "too_many_terms") {
    return Status::TooLarge(error.message, "q");
  }
  return Status::InvalidArgument(error.message, "q");
}

}  // namespace dateline::query
