// BBC News (Greene & Cunningham 2006): one story per file, `<category>/<NNN>.txt`, the first line
// the headline and then paragraphs separated by blank lines. Used by tests and benchmarks as a
// second real corpus next to Reuters-21578 (it is not shipped). The files carry no dates, so each
// story gets a deterministic publication time in 2005 derived from its place in the corpus.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/story.h"

namespace dateline {

// One file: `category` ("business") becomes a topic tag, `name` ("001.txt") the source id
// "business/001". Text that is not valid UTF-8 is read as Windows-1252.
Result<Story> ParseBbcStory(std::string_view category, std::string_view name,
                            std::string_view text);

// Every story under `dir` (the folder holding business/, entertainment/, ...), sorted by
// category and file name; published times are 2005-01-01 plus one hour per story in that order.
Result<std::vector<Story>> LoadBbcCorpus(const std::string& dir);

}  // namespace dateline
