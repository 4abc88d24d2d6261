// The canonical form. Every choice here serves one promise: parsing what ToString prints gives a
// tree that prints the same. So words are escaped wherever the lexer would read them differently
// (operators, structure characters, a leading + or -), and a scope is printed once, on the
// outermost node that carries it.
#include "query/ast.h"

#include "core/time_format.h"
#include "query/lexer.h"

#include <limits>

namespace dateline::query {

namespace {

bool IsTextKind(Kind k) {
  return k == Kind::kTerm || k == Kind::kPhrase || k == Kind::kPrefix || k == Kind::kNear ||
         k == Kind::kWithin || k == Kind::kSame || k == Kind::kAtLeast;
}

std::string_view ScopePrefix(Scope s) {
  switch (s) {
    case Scope::kHeadline: return "hd:";
    case Scope::kLead: return "lead:";
    default: return "";
  }
}

// A bare word that reads back as the same word.
void AppendWord(std::string_view text, std::string* out) {
  const std::vector<char32_t> cps = DecodeUtf8(text);
  const bool op = IsOperatorWord(text);
  for (std::size_t i = 0; i < cps.size(); ++i) {
    const char32_t c = cps[i];
    const bool special = IsQuerySpace(c) || c == '(' || c == ')' || c == '"' || c == ':' ||
                         c == '\\' || c == '*' ||
                         (i == 0 && (op || c == '+' || c == '-' || c == '[' || c == '{'));
    if (special) out->push_back('\\');
    AppendUtf8(c, out);
  }
}

void AppendQuoted(std::string_view text, std::string* out) {
  out->push_back('"');
  for (char c : text) {
    if (c == '"' || c == '\\') out->push_back('\\');
    out->push_back(c);
  }
  out->push_back('"');
}

// A value with single spaces between words reads more easily quoted; anything else (a value
// typed with escaped spaces) is escaped so that it keeps every character.
void AppendFieldValue(const Node& n, std::string* out) {
  bool quote = !n.prefix && n.text.find(' ') != std::string::npos && n.text.front() != ' ' &&
               n.text.back() != ' ' && n.text.find("  ") == std::string::npos;
  if (quote) {
    for (char32_t c : DecodeUtf8(n.text)) {
      if (c != ' ' && IsQuerySpace(c)) quote = false;
    }
  }
  if (quote) {
    AppendQuoted(n.text, out);
  } else {
    AppendWord(n.text, out);
    if (n.prefix) out->push_back('*');
  }
}

std::string SinceValue(std::int64_t seconds) {
  if (seconds > 0 && seconds % (7 * 86400) == 0) return std::to_string(seconds / (7 * 86400)) + "w";
  if (seconds > 0 && seconds % 86400 == 0) return std::to_string(seconds / 86400) + "d";
  if (seconds > 0 && seconds % 3600 == 0) return std::to_string(seconds / 3600) + "h";
  return std::to_string(seconds / 60) + "m";
}

void Print(const Node& n, Scope context, std::string* out) {
  const bool scoped = IsTextKind(n.kind) && n.scope != context;
  if (scoped) *out += ScopePrefix(n.scope);
  switch (n.kind) {
    case Kind::kMatchAll:
      *out += '*';
      break;
    case Kind::kTerm:
      if (n.exact) {
        AppendQuoted(n.text, out);
      } else {
        AppendWord(n.text, out);
      }
      break;
    case Kind::kPhrase: {
      std::string joined;
      for (const auto& w : n.words) {
        if (!joined.empty()) joined += ' ';
        joined += w;
      }
      AppendQuoted(joined, out);
      break;
    }
    case Kind::kPrefix:
      AppendWord(n.text, out);
      *out += '*';
      break;
    case Kind::kAnd:
    case Kind::kOr:
    case Kind::kNear:
    case Kind::kWithin:
    case Kind::kSame: {
      std::string op;
      switch (n.kind) {
        case Kind::kAnd: op = " AND "; break;
        case Kind::kOr: op = " OR "; break;
        case Kind::kNear: op = " NEAR/" + std::to_string(n.distance) + " "; break;
        case Kind::kWithin: op = " W/" + std::to_string(n.distance) + " "; break;
        default: op = " SAME "; break;
      }
      const Scope inner = IsTextKind(n.kind) ? n.scope : context;
      *out += '(';
      for (std::size_t i = 0; i < n.children.size(); ++i) {
        if (i > 0) *out += op;
        Print(*n.children[i], inner, out);
      }
      *out += ')';
      break;
    }
    case Kind::kNot:
      *out += "NOT ";
      if (!n.children.empty()) Print(*n.children[0], context, out);
      break;
    case Kind::kAtLeast:
      // hd:ATLEAST would read as hd: applied to the word ATLEAST, so a scope needs parentheses.
      if (scoped) *out += '(';
      *out += "ATLEAST " + std::to_string(n.count) + " ";
      if (!n.children.empty()) Print(*n.children[0], n.scope, out);
      if (scoped) *out += ')';
      break;
    case Kind::kField:
      *out += n.field;
      *out += ':';
      AppendFieldValue(n, out);
      break;
    case Kind::kRange:
      *out += n.field + ":[";
      *out += n.from_us == std::numeric_limits<std::int64_t>::min() ? "*"
                                                                    : FormatRfc3339(n.from_us);
      *out += " TO ";
      *out += n.to_us == std::numeric_limits<std::int64_t>::max() ? "*" : FormatRfc3339(n.to_us);
      *out += ']';
      break;
    case Kind::kSince:
      *out += "since:" + SinceValue(n.seconds);
      break;
  }
}

}  // namespace

std::string ToString(const Node& node) {
  std::string out;
  Print(node, Scope::kAll, &out);
  return out;
}

NodePtr Clone(const Node& node) {
  auto copy = std::make_unique<Node>();
  copy->kind = node.kind;
  copy->scope = node.scope;
  copy->exact = node.exact;
  copy->prefix = node.prefix;
  copy->field = node.field;
  copy->text = node.text;
  copy->words = node.words;
  copy->distance = node.distance;
  copy->count = node.count;
  copy->from_us = node.from_us;
  copy->to_us = node.to_us;
  copy->seconds = node.seconds;
  copy->column = node.column;
  copy->children.reserve(node.children.size());
  for (const auto& c : node.children) copy->children.push_back(Clone(*c));
  return copy;
}

}  // namespace dateline::query
