// Wire text: a news page captured as plain text (what a scraper or a terminal's "print" gives),
// with the story wrapped in site chrome. ParseWireText finds the story and returns it clean:
//
//   Japan and Russia Agree on Navy Cooperation in Bid to Build Trust        <- headline
//   Nov. 2 (Bloomberg) -- Japan's and Russia's foreign and defense ...      <- dateline + 1st para
//   Island Dispute                                                          <- subheading
//   To contact the reporter on this story: Isabel Reynolds in Tokyo at      <- contact
//
// Everything before the headline (login links, product menus, support phone numbers) and after
// the contact lines (browser notices) is chrome and is dropped.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/story.h"

namespace dateline {

struct WireTextOptions {
  // Datelines carry month and day only ("Nov. 2"); the year is the one that puts the date
  // closest before this reference time (µs since epoch). 0 means now.
  std::int64_t reference_time_us = 0;
  // Source when the dateline names none; the dateline's "(Bloomberg)" becomes "bloomberg".
  std::string default_source = "wire";
  // The source's story id; empty derives one from the content.
  std::string source_id;
};

// InvalidArgument (with a message saying what was missing) when no headline + dateline is found.
Result<Story> ParseWireText(std::string_view text, const WireTextOptions& options = {});

}  // namespace dateline
