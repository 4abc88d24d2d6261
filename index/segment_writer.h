// Writes segment files (docs/formats/index-segment.md) from other segments: a flush writes the
// in-memory segment, a merge several segments. Documents that are no longer live are dropped.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "index/segment.h"

namespace dateline::index {

struct SegmentInput {
  const Segment* segment = nullptr;
  std::vector<std::uint8_t> live;   // snapshot of segment->live taken under the index lock
};

struct WrittenSegment {
  std::uint64_t bytes = 0;
  std::uint32_t docs = 0;
};

// Writes the live documents of `inputs` (in order: their docids are concatenated, so inputs must
// be in log order) to `path`, fsync'd. The file is complete or absent: it is written under a
// temporary name and renamed; the caller syncs the directory with the manifest.
Result<WrittenSegment> WriteSegment(const std::vector<SegmentInput>& inputs,
                                    const std::string& path);

// Encodes one posting list (exposed for tests and the fuzzer's seeds). `lengths[docid]` are the
// document lengths for the block weight bounds (nullptr: bounds as for length 0, still valid).
void EncodePostings(const std::vector<std::uint32_t>& docs, const std::vector<std::uint32_t>& tfs,
                    const std::vector<std::uint32_t>& positions, bool positional,
                    std::string& out, const std::uint32_t* lengths = nullptr,
                    double avg_length = 1);
// The same with the positions as position codes (per document the first position, then the
// gaps between successive ones), tfs[i] codes for document i.
void EncodePostingsCoded(const std::vector<std::uint32_t>& docs,
                         const std::vector<std::uint32_t>& tfs,
                         const std::vector<std::uint32_t>& position_codes, bool positional,
                         std::string& out, const std::uint32_t* lengths, double avg_length);

}  // namespace dateline::index
