// Stem (with its per-thread cache) against Snowball called directly, on every word of real text.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "text/analyzer.h"
#include "text/snowball.h"
#include "text/test_data.h"

namespace dateline::text {
namespace {

std::vector<Token> ReutersTokens() {
  std::vector<Token> tokens;
  std::uint32_t next = 0;
  Tokenize(ReutersSgm(), tokens, &next);
  return tokens;
}

TEST(StemCacheTest, AgreesWithSnowballOnReuters) {
  const std::vector<Token> tokens = ReutersTokens();
  ASSERT_GT(tokens.size(), 100'000u) << "missing " DATELINE_SHARED_DATA "/reuters21578";
  // Two passes, so that the second is answered mostly from the cache; several languages share
  // the cache.
  for (int pass = 0; pass < 2; ++pass) {
    for (const Token& t : tokens) {
      for (const char* lang : {"en", "de"}) {
        ASSERT_EQ(Stem(t.exact, lang), StemWithSnowball(t.exact, lang)) << t.exact << " " << lang;
      }
    }
  }
}

TEST(StemCacheTest, ThreadsStemIndependently) {
  const std::vector<Token> tokens = ReutersTokens();
  ASSERT_GT(tokens.size(), 100'000u);
  std::vector<std::string> expected;
  for (const Token& t : tokens) expected.push_back(StemWithSnowball(t.exact, "en"));
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      for (std::size_t k = 0; k < tokens.size(); ++k) {
        if (Stem(tokens[k].exact, i % 2 == 0 ? "en" : "de") !=
            (i % 2 == 0 ? expected[k] : StemWithSnowball(tokens[k].exact, "de"))) {
          ++mismatches[i];
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (int m : mismatches) EXPECT_EQ(m, 0);
}

}  // namespace
}  // namespace dateline::text
