// Parser for the query language (docs/query-language.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "query/ast.h"

namespace dateline::query {

// Limits that keep a query from making search or alert matching slow for everyone.
struct Limits {
  std::size_t max_length = 20000;   // characters (code points) of the query text
  std::size_t max_depth = 32;       // nesting of operators
  std::size_t max_terms = 4096;     // terms, phrase words, prefixes and field values (a
                                    // 20,000-character stored search of short words has ~3,000)
  std::size_t max_expansion = 1000; // words a prefix (infla*) may expand to; enforced by index/match
};

// A query that could not be parsed: where and what was expected. The parser reports the first
// problem from the left.
struct ParseError {
  std::size_t column = 0;    // 1-based, in code points
  // empty, syntax, unclosed_quote, unclosed_paren, unknown_field, bad_value, bad_date,
  // bad_range, bad_wildcard, bad_distance, bad_count, bad_operand, too_long, too_deep,
  // too_many_terms, invalid_utf8 (each with an example in docs/query-language.md, "Errors")
  std::string code;
  std::string message;       // "column 14: expected ')' to close '(' at column 3"
};

class ParseResult {
 public:
  ParseResult(NodePtr node) : node_(std::move(node)) {}       // NOLINT
  ParseResult(ParseError error) : error_(std::move(error)) {} // NOLINT
  bool ok() const { return node_ != nullptr; }
  const ParseError& error() const { return error_; }
  NodePtr& node() { return node_; }
  const Node& operator*() const { return *node_; }

 private:
  NodePtr node_;
  ParseError error_;
};

// Never recurses deeper than limits.max_depth and runs in time linear in the input. On success
// ToString(*result) parses again to the same tree, with the same limits except max_length: the
// canonical form spells out what the input abbreviated (source:(a OR b), dates), so it can be
// longer, but it is never deeper and never has more terms.
ParseResult Parse(std::string_view input, const Limits& limits = {});

// The ParseError as a Status (kInvalidArgument or kTooLarge, field "q").
Status ToStatus(const ParseError& error);

}  // namespace dateline::query
