// The index manifest (INDEX-MANIFEST): which segment files are live and the highest log seq
// they hold. Replaced atomically (temp file, fsync, rename, fsync of the directory), so a crash
// leaves either the old or the new list. Format: docs/formats/index-segment.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace dateline::index {

struct Manifest {
  std::uint64_t flushed_seq = 0;
  std::uint64_t next_file = 1;            // number of the next segment file
  std::vector<std::string> segments;      // file names, in log order
};

inline constexpr char kManifestName[] = "INDEX-MANIFEST";

// nullopt when the directory has no manifest (a new index); kCorruption when it is damaged.
Result<std::optional<Manifest>> ReadManifest(const std::string& dir);
Status WriteManifest(const std::string& dir, const Manifest& manifest);

// "seg-000042.dix"
std::string SegmentFileName(std::uint64_t number);

Status SyncDirectory(const std::string& dir);

}  // namespace dateline::index
