// RFC 3339 timestamps ("2013-11-02T09:30:00Z") to and from µs since the Unix epoch.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace dateline {

// "2013-11-02T09:30:00Z", with ".123456" when the time has a fraction of a second.
std::string FormatRfc3339(std::int64_t micros);

// Accepts "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.frac]]" with "Z", "+HH:MM" or "-HH:MM" (no zone
// means UTC). Years 1000..9999.
Result<std::int64_t> ParseRfc3339(std::string_view text);

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d);

}  // namespace dateline
