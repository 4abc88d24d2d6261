// FOMC statements (the demo corpus in demo/fomc): plain text, one statement a file, the release
// date as the file name (YYYYMMDD.txt). Each becomes a story from source "fomc".
#pragma once

#include <string_view>

#include "core/status.h"
#include "core/story.h"

namespace dateline {

// `file_name` gives the date ("20160727.txt"); `kind` is "statement" or "implementation_note".
Result<Story> ParseFomcDocument(std::string_view file_name, std::string_view text,
                                std::string_view kind = "statement");

}  // namespace dateline
