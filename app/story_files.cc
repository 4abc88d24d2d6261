#include "app/story_files.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ingest/fomc.h"
#include "ingest/reuters_sgml.h"
#include "ingest/story_json.h"
#include "ingest/wire_text.h"

namespace dateline {

namespace fs = std::filesystem;

Result<FileFormat> ParseFileFormat(const std::string& name) {
  if (name == "auto") return FileFormat::kAuto;
  if (name == "wire") return FileFormat::kWire;
  if (name == "reuters") return FileFormat::kReuters;
  if (name == "fomc") return FileFormat::kFomc;
  if (name == "json") return FileFormat::kJson;
  if (name == "ndjson") return FileFormat::kNdjson;
  return Status::InvalidArgument("unknown format \"" + name +
                                     "\" (auto, wire, reuters, fomc, json, ndjson)",
                                 "format");
}

FileFormat DetectFormat(const std::string& path, std::string_view head) {
  const std::string name = fs::path(path).filename().string();
  const std::string ext = fs::path(path).extension().string();
  if (ext == ".sgm" || head.find("<REUTERS") != std::string_view::npos) return FileFormat::kReuters;
  if (ext == ".ndjson" || ext == ".jsonl") return FileFormat::kNdjson;
  if (ext == ".json") return FileFormat::kJson;
  const bool dated = name.size() == 12 && ext == ".txt" &&
                     std::all_of(name.begin(), name.begin() + 8, [](char c) { return c >= '0' && c <= '9'; });
  if (dated && path.find("fomc") != std::string::npos) return FileFormat::kFomc;
  return FileFormat::kWire;
}

std::vector<InputFile> ExpandPaths(const std::vector<std::string>& paths) {
  static const char* const kExtensions[] = {".sgm", ".txt", ".json", ".ndjson", ".jsonl"};
  std::vector<InputFile> out;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (const auto& e : fs::recursive_directory_iterator(p, ec)) {
        const std::string ext = e.path().extension().string();
        if (e.is_regular_file() &&
            std::find(std::begin(kExtensions), std::end(kExtensions), ext) != std::end(kExtensions)) {
          found.push_back(e.path().string());
        }
      }
      std::sort(found.begin(), found.end());
      for (auto& f : found) out.push_back({std::move(f), true});
    } else {
      out.push_back({p, false});
    }
  }
  return out;
}

Result<std::vector<Story>> ReadStoryFile(const std::string& path, const FileReadOptions& opt) {
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  if (ec) return Status::NotFound(path + ": " + ec.message());
  if (size > opt.max_file_bytes) {
    return Status::TooLarge(path + ": " + std::to_string(size) + " bytes, above the limit of " +
                            std::to_string(opt.max_file_bytes));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError(path + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();

  FileFormat format = opt.format;
  if (format == FileFormat::kAuto) format = DetectFormat(path, std::string_view(text).substr(0, 4096));

  auto with_file = [&](const Status& st) {
    return Status(st.code(), path + ": " + st.message(), st.field());
  };
  std::vector<Story> out;
  switch (format) {
    case FileFormat::kReuters: {
      auto stories = ParseReutersSgml(text);
      if (!stories.ok()) return with_file(stories.status());
      out = std::move(*stories);
      break;
    }
    case FileFormat::kFomc: {
      const std::string kind =
          path.find("implementation") != std::string::npos ? "implementation_note" : "statement";
      auto story = ParseFomcDocument(fs::path(path).filename().string(), text, kind);
      if (!story.ok()) return with_file(story.status());
      out.push_back(std::move(*story));
      break;
    }
    case FileFormat::kJson: {
      auto story = ParseStoryJson(text);
      if (!story.ok()) return with_file(story.status());
      out.push_back(std::move(*story));
      break;
    }
    case FileFormat::kNdjson: {
      auto stories = ParseStoryNdjson(text);
      if (!stories.ok()) return with_file(stories.status());
      out = std::move(*stories);
      break;
    }
    case FileFormat::kWire:
    case FileFormat::kAuto: {
      WireTextOptions wopt;
      wopt.reference_time_us = opt.reference_time_us;
      if (!opt.source.empty()) wopt.default_source = opt.source;
      auto story = ParseWireText(text, wopt);
      if (!story.ok()) return with_file(story.status());
      out.push_back(std::move(*story));
      return out;  // the source override was applied as the default
    }
  }
  if (!opt.source.empty()) {
    for (Story& s : out) {
      s.source = opt.source;
      CompleteIdentity(s);
    }
  }
  return out;
}

}  // namespace dateline
