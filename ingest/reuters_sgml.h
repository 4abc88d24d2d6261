// Reuters-21578 SGML (reut2-*.sgm): the 1987 Reuters newswire, 1,000 <REUTERS> documents a file.
// Each document becomes a story: source "reuters", source_id NEWID, headline TITLE (the first
// line of the text when there is none), dateline place from DATELINE, byline from AUTHOR, body
// paragraphs from BODY, published time from DATE, and the hand-assigned TOPICS, PLACES, PEOPLE,
// ORGS and EXCHANGES as tags (fields "topic", "place", "person", "org", "exchange"). Entities
// (&lt; &amp; &#3; ...) are decoded and control characters removed.
#pragma once

#include <functional>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/story.h"

namespace dateline {

// Calls `sink` for each document in order. A document that cannot be parsed is an
// InvalidArgument naming its NEWID (or byte offset) and stops the parse.
Status ParseReutersSgml(std::string_view sgml, const std::function<void(Story)>& sink);

// Convenience: all documents of one file's contents.
Result<std::vector<Story>> ParseReutersSgml(std::string_view sgml);

}  // namespace dateline
