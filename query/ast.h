// The query language's abstract syntax tree, shared by search (index/) and standing alerts
// (match/). The parser produces it, `ToString` prints its canonical form (deterministic, and
// parsing the canonical form gives the same tree), and evaluators walk it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace dateline::query {

// Where a text operand is looked for.
enum class Scope : std::uint8_t {
  kAll = 0,       // headline, summary and body
  kHeadline = 1,  // hd:
  kLead = 2,      // lead: the first 50 words of the body (summary counts as body)
};

enum class Kind : std::uint8_t {
  kMatchAll,  // "*" alone
  kTerm,      // bare word: matches any form with the same stem (exact=false) or the exact folded
              // form (exact=true, from a quoted single word)
  kPhrase,    // "quoted words": exact folded forms at consecutive positions
  kPrefix,    // infla*: any exact folded form starting with `text`
  kAnd,       // all children
  kOr,        // any child
  kNot,       // one child; only meaningful inside AND (a top-level NOT matches all-but)
  kNear,      // two or more children within `distance` words of each other, any order (NEAR/n)
  kWithin,    // two or more children in the given order, each within `distance` words (W/n)
  kSame,      // two or more children in the same paragraph (SAME)
  kAtLeast,   // child term occurs at least `count` times (ATLEAST n term)
  kField,     // keyword field equals `text` (source:, lang:, priority:, author:, ticker:, ...);
              // `prefix` set for ticker:72*
  kRange,     // published:[from TO to]; bounds in µs since epoch, inclusive after normalisation
  kSince,     // since:2h -> published >= now - seconds
};

struct Node {
  Kind kind = Kind::kMatchAll;
  Scope scope = Scope::kAll;          // for kTerm, kPhrase, kPrefix, kNear, kWithin, kSame, kAtLeast;
                                      // hd:(…) sets it on every text node below, so a proximity
                                      // node and all its operands share one scope
  bool exact = false;                 // kTerm only
  bool prefix = false;                // kField only
  std::string field;                  // kField, kRange: "source", "published", ...
  std::string text;                   // kTerm, kPrefix, kField: the word as typed (not folded,
                                      // escapes removed); a quoted field value's words are
                                      // joined by single spaces (author:"Jane Smith")
  std::vector<std::string> words;     // kPhrase: the words as typed
  std::vector<std::unique_ptr<Node>> children;
  std::uint32_t distance = 0;         // kNear, kWithin: 1..1000 (bare NEAR is 10); kSame: 0
  std::uint32_t count = 0;            // kAtLeast
  std::int64_t from_us = 0;           // kRange (inclusive); INT64_MIN when open
  std::int64_t to_us = 0;             // kRange (inclusive); INT64_MAX when open
  std::int64_t seconds = 0;           // kSince
  std::uint32_t column = 0;           // 1-based column where the node starts in the input
};

using NodePtr = std::unique_ptr<Node>;

// Canonical form: fully parenthesised, upper-case operators, fields lower-case, words as typed
// (escaped with '\' where the lexer would read them otherwise). Rules and examples:
// docs/query-language.md, "Canonical form".
std::string ToString(const Node& node);

// Deep copy.
NodePtr Clone(const Node& node);

}  // namespace dateline::query
