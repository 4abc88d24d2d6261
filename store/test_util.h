// Helpers shared by the store tests: a temporary data folder and story factories.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "core/story.h"

namespace dateline::testing_util {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/dateline-store-XXXXXX";
    if (mkdtemp(tmpl) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline Story MakeStory(const std::string& source_id, const std::string& headline) {
  Story s;
  s.source = "wire";
  s.source_id = source_id;
  s.headline = headline;
  s.summary = "Summary of " + headline;
  s.body = {{Block::Kind::kParagraph, "First paragraph of " + headline},
            {Block::Kind::kSubheading, "Sub"},
            {Block::Kind::kParagraph, "Second paragraph"}};
  s.language = "en";
  s.tags = {{"topic", "test"}};
  CompleteIdentity(s);
  return s;
}

}  // namespace dateline::testing_util
