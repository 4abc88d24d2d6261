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

// A file to read; `from_folder` is true when it was found by expanding a folder (such files may
// be skipped when they hold no story, files named explicitly may not).
struct InputFile {
  std::string path;
  bool from_folder = false;
};

// Expands folders (recursively, sorted) into the story files they hold: those ending in .sgm,
// .txt, .json, .ndjson or .jsonl.
std::vector<InputFile> ExpandPaths(const std::vector<std::string>& paths);

}  // namespace dateline
