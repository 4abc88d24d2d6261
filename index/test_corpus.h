// Real text for the index tests: Reuters-21578 (all 21,578 stories) followed by BBC News, with
// log seqs 1, 2, ... in that order. Fails the calling test loudly when the data is missing.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/story.h"
#include "ingest/bbc_text.h"
#include "ingest/reuters_sgml.h"

namespace dateline::index::testing {

inline std::vector<Story> LoadCorpus(std::size_t max_stories) {
  std::vector<Story> out;
  const std::string dir = DATELINE_SHARED_DATA "/reuters21578";
  for (int i = 0; i <= 21 && out.size() < max_stories; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "/reut2-%03d.sgm", i);
    std::ifstream in(dir + name, std::ios::binary);
    EXPECT_TRUE(in.good()) << "missing " << dir + name;
    if (!in) return out;
    std::stringstream ss;
    ss << in.rdbuf();
    auto stories = ParseReutersSgml(ss.str());
    EXPECT_TRUE(stories.ok()) << stories.status().ToString();
    if (!stories.ok()) return out;
    for (Story& s : *stories) {
      if (out.size() < max_stories) out.push_back(std::move(s));
    }
  }
  if (out.size() < max_stories) {
    auto bbc = LoadBbcCorpus(DATELINE_SHARED_DATA "/bbc");
    EXPECT_TRUE(bbc.ok()) << bbc.status().ToString();
    if (bbc.ok()) {
      for (Story& s : *bbc) {
        if (out.size() < max_stories) out.push_back(std::move(s));
      }
    }
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i].seq = i + 1;
    out[i].version = 1;
    if (out[i].received_us == 0) out[i].received_us = 536457600000000 + static_cast<std::int64_t>(i);
  }
  return out;
}

// An environment knob with a default.
inline std::size_t EnvSize(const char* name, std::size_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::strtoull(v, nullptr, 10) : fallback;
}

}  // namespace dateline::index::testing
