// QR codes as standalone SVG documents (libqrencode), for showing a TOTP enrolment URI.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace dateline {

// Encodes `text` (8-bit mode, error correction level M, smallest version that fits) and renders
// it as an SVG document: a white background, a 4-module quiet zone and one <path> holding every
// dark module, in a viewBox of (modules + 8) units; `module_px` sets width/height attributes.
// Errors: kTooLarge when `text` does not fit a QR code (about 2,300 bytes at level M),
// kInvalidArgument when it contains a NUL byte. Thread-safe.
Result<std::string> QrSvg(std::string_view text, int module_px = 4);

}  // namespace dateline
