// The reference evaluator: the query language applied to one analysed story with plain loops
// over its word list, no postings and no cleverness. The index is tested against it
// (index_differential_test.cc), and standing alerts can use it as their brute-force baseline.
//
// Rules the language document leaves to the evaluator, shared with the index:
// - An occurrence of a word, phrase or prefix is a span [first, last] of positions; an OR has
//   the occurrences of all its operands; a proximity expression used as an operand
//   (`(a NEAR/5 b) W/3 c`) has one occurrence per combination of its operands' occurrences that
//   satisfies it, spanning from the earliest start to the latest end. Other operands (AND, NOT,
//   fields; the parser refuses them) have no occurrences, so the operator does not match.
// - An occurrence is in a scope when its whole span is; a scoped operand inside a proximity
//   operator must satisfy both scopes.
// - SAME places an occurrence in the paragraph of its first word.
// - `author:x*` matches when some byline word starts with Fold(x); `author:a b` needs every
//   word. `lang:` values compare by primary subtag (text::PrimaryLanguage).
#pragma once

#include <cstdint>

#include "index/analyzed_story.h"
#include "query/ast.h"

namespace dateline::index {

// True when `story` matches `query`; `now_us` is "now" for since:.
bool Matches(const query::Node& query, const AnalyzedStory& story, std::int64_t now_us);

// Words of a field value as the author field compares them.
bool FieldMatches(const query::Node& node, const AnalyzedStory& story);

}  // namespace dateline::index
