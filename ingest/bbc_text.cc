#include "ingest/bbc_text.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/utf8.h"
#include "ingest/text_util.h"

namespace dateline {
namespace {

using namespace ingest_internal;  // NOLINT(google-build-using-namespace): internal helpers

constexpr std::int64_t kMicrosPerHour = 3'600'000'000;
constexpr std::int64_t k2005 = 1'104'537'600'000'000;  // 2005-01-01T00:00:00Z

}  // namespace

Result<Story> ParseBbcStory(std::string_view category, std::string_view name,
                            std::string_view text) {
  std::string utf8 = ToUtf8Lenient(text);
  std::vector<std::string_view> lines = SplitLines(utf8);
  std::size_t i = 0;
  while (i < lines.size() && Trim(lines[i]).empty()) ++i;
  if (i == lines.size()) {
    return Status::InvalidArgument("BBC story " + std::string(category) + "/" +
                                   std::string(name) + " is empty");
  }
  Story story;
  story.source = "bbc";
  std::string_view stem = name.substr(0, name.rfind('.'));
  story.source_id = std::string(category) + "/" + std::string(stem);
  story.headline = CollapseSpaces(lines[i++]);
  story.language = "en";
  story.tags.push_back({"topic", std::string(category)});
  std::string paragraph;
  auto flush = [&] {
    std::string p = CollapseSpaces(paragraph);
    if (!p.empty()) story.body.push_back({Block::Kind::kParagraph, std::move(p)});
    paragraph.clear();
  };
  for (; i < lines.size(); ++i) {
    if (Trim(lines[i]).empty()) {
      flush();
    } else {
      paragraph.append(lines[i]);
      paragraph.push_back(' ');
    }
  }
  flush();
  CompleteIdentity(story);
  return story;
}

Result<std::vector<Story>> LoadBbcCorpus(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Status::NotFound("no BBC corpus folder at " + dir);
  std::vector<std::pair<std::string, std::string>> files;  // category, file name
  for (const auto& cat : fs::directory_iterator(dir, ec)) {
    if (!cat.is_directory()) continue;
    for (const auto& f : fs::directory_iterator(cat.path(), ec)) {
      if (f.path().extension() == ".txt") {
        files.emplace_back(cat.path().filename().string(), f.path().filename().string());
      }
    }
  }
  if (ec) return Status::IOError("cannot list " + dir + ": " + ec.message());
  std::sort(files.begin(), files.end());
  std::vector<Story> stories;
  stories.reserve(files.size());
  for (const auto& [category, name] : files) {
    std::string path = dir + "/" + category + "/" + name;
    std::ifstream in(path, std::ios::binary);
    if (!in) return Status::IOError("cannot read " + path);
    std::stringstream buf;
    buf << in.rdbuf();
    Result<Story> story = ParseBbcStory(category, name, buf.str());
    if (!story.ok()) return story.status();
    story->published_us = k2005 + static_cast<std::int64_t>(stories.size()) * kMicrosPerHour;
    stories.push_back(std::move(story).value());
  }
  return stories;
}

}  // namespace dateline
