// Reads story files of every format Dateline ingests from disk: wire text pages, Reuters-21578
// SGML, FOMC statements, JSON and NDJSON.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/story.h"

namespace dateline {

enum class FileFormat { kAuto, kWire, kReuters, kFomc, kJson, kNdjson };
Result<FileFormat> ParseFileFormat(const std::string& name);

struct FileReadOptions {
  FileFormat format = FileFormat::kAuto;
  std::string source;                   // overrides the source (wire text: the default source)
  std::int64_t reference_time_us = 0;   // wire text datelines carry no year
  std::uint64_t max_file_bytes = 256ull << 20;
};

// Guesses the format from the name and the first bytes.
FileFormat DetectFormat(const std::string& path, std::string_view head);

// Every story in the file; errors name the file.
Result<std::vector<Story>> ReadStoryFile(const std::string& path, const FileReadOptions& options);

// Expands folders (recursively, sorted) into the files they hold.
std::vector<std::string> ExpandPaths(const std::vector<std::string>& paths);

}  // namespace dateline
