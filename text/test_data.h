// Real text for the text part's tests, from the shared test data.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace dateline::text {

inline std::string ReadTestFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// The whole of reut2-000.sgm (1,000 Reuters stories with their SGML markup).
inline std::string ReutersSgm() {
  return ReadTestFile(DATELINE_SHARED_DATA "/reuters21578/reut2-000.sgm");
}

// The <BODY> texts of reut2-000.sgm.
inline std::vector<std::string> ReutersBodies() {
  const std::string sgm = ReutersSgm();
  std::vector<std::string> bodies;
  for (std::size_t p = sgm.find("<BODY>"); p != std::string::npos; p = sgm.find("<BODY>", p)) {
    p += 6;
    const std::size_t end = sgm.find("</BODY>", p);
    if (end == std::string::npos) break;
    bodies.push_back(sgm.substr(p, end - p));
    p = end;
  }
  return bodies;
}

// Every BBC News story (2,225 files of business, entertainment, politics, sport and tech).
inline std::vector<std::string> BbcStories() {
  std::vector<std::string> stories;
  const std::filesystem::path root(DATELINE_SHARED_DATA "/bbc");
  if (!std::filesystem::is_directory(root)) return stories;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (entry.is_regular_file() && entry.path().extension() == ".txt") {
      stories.push_back(ReadTestFile(entry.path().string()));
    }
  }
  return stories;
}

}  // namespace dateline::text
