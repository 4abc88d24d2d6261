// The matcher against brute force on real text: tens of thousands of random standing queries,
// drawn from the vocabulary, bigrams, field values and dates of Reuters-21578 and BBC News, each
// evaluated on every sampled story with the reference evaluator (index/linear_scan.h). The fired
// set of every story must be exactly the brute-force set: the presearcher may never drop a match
// and the verifier must agree with the reference on every operator. Then a third of the queries
// is removed and a third replaced, and the next stories must see exactly the new set. A second
// test does the same with the alert mix of the benchmark (mostly ANDs, phrases, companies, long
// ORs narrowed by a word), where most candidates are dropped by their required-key check.
//
// Knobs (environment):
//   DATELINE_MATCH_TEST_QUERIES  standing queries; default 20,000 in optimised builds, 10,000
//                                in debug/sanitizer builds
//   DATELINE_MATCH_TEST_STORIES  stories matched; default 500 in optimised builds, 100 in
//                                debug/sanitizer builds (spread over Reuters and BBC)
// Brute force dominates the run time (queries x stories reference evaluations).
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "index/analyzed_story.h"
#include "index/linear_scan.h"
#include "index/test_corpus.h"
#include "match/matcher.h"
#include "match/random_queries.h"
#include "query/parser.h"

namespace dateline::match {
namespace {

using index::testing::EnvSize;
using index::testing::LoadCorpus;

#ifdef NDEBUG
constexpr std::size_t kDefaultQueries = 20000;
constexpr std::size_t kDefaultStories = 500;
#else
constexpr std::size_t kDefaultQueries = 10000;
constexpr std::size_t kDefaultStories = 100;
#endif

struct Saved {
  std::string text;
  query::NodePtr node;
};

// Every query the matcher fires for `story` must be the brute-force set; returns the number of
// differences (printing the first few).
std::size_t Compare(const Matcher& matcher, const std::map<std::uint64_t, Saved>& queries,
                    const Story& story, std::int64_t now_us, std::uint64_t* candidates,
                    std::uint64_t* fired_total, std::uint64_t* checked_out = nullptr) {
  const index::AnalyzedStory analyzed = index::Analyze(story);
  std::set<std::uint64_t> expected;
  for (const auto& [id, q] : queries) {
    if (index::Matches(*q.node, analyzed, now_us)) expected.insert(id);
  }
  MatchStats stats;
  std::set<std::uint64_t> got;
  for (const Fired& f : matcher.Match(story, now_us, &stats)) got.insert(f.query_id);
  *candidates += stats.candidates;
  if (checked_out != nullptr) *checked_out += stats.checked_out;
  *fired_total += got.size();
  EXPECT_EQ(stats.matched, got.size());
  std::size_t differences = 0;
  for (std::uint64_t id : expected) {
    if (got.count(id) == 0 && ++differences <= 5) {
      ADD_FAILURE() << "story " << story.id << " should fire " << queries.at(id).text;
    }
  }
  for (std::uint64_t id : got) {
    if (expected.count(id) == 0 && ++differences <= 5) {
      ADD_FAILURE() << "story " << story.id << " should not fire " << queries.at(id).text;
    }
  }
  return differences;
}

TEST(MatcherDifferential, FiredSetsEqualBruteForceOnReutersAndBbc) {
  const std::vector<Story> corpus = LoadCorpus(1000000);
  ASSERT_GT(corpus.size(), 23000u) << "Reuters-21578 and BBC News are needed";
  const Vocabulary vocabulary = BuildVocabulary(corpus, 7);
  ASSERT_GT(vocabulary.bigrams.size(), 1000u);
  ASSERT_GT(vocabulary.fields.size(), 100u);

  const std::size_t query_count = EnvSize("DATELINE_MATCH_TEST_QUERIES", kDefaultQueries);
  const std::size_t story_count = std::min(corpus.size(), EnvSize("DATELINE_MATCH_TEST_STORIES", kDefaultStories));
  // Stories spread over the whole corpus, BBC included; `now` inside the corpus's time span so
  // since: matches some stories and not others.
  std::vector<const Story*> sample;
  for (std::size_t i = 0; i < story_count; ++i) sample.push_back(&corpus[i * corpus.size() / story_count]);
  sample.push_back(&corpus.back());
  const std::int64_t now_us = vocabulary.min_time + (vocabulary.max_time - vocabulary.min_time) / 2;

  Matcher matcher;
  // Statistics first, as a running matcher has them: presearch then files queries under rare words.
  for (std::size_t i = 0; i < corpus.size(); i += 50) matcher.Match(corpus[i], now_us);

  RandomQueries gen(vocabulary, 11);
  std::map<std::uint64_t, Saved> queries;
  std::size_t rejected = 0;
  auto add = [&](std::uint64_t id) {
    for (;;) {
      std::string text = gen.Any();
      query::ParseResult parsed = query::Parse(text);
      if (!parsed.ok()) {
        ++rejected;
        continue;
      }
      ASSERT_TRUE(matcher.Add(id, *parsed).ok()) << text;
      queries[id] = Saved{std::move(text), std::move(parsed.node())};
      return;
    }
  };
  for (std::uint64_t id = 1; id <= query_count; ++id) add(id * 3);
  EXPECT_LT(rejected, query_count / 20) << "the generator should write valid queries";
  const MatcherStats st = matcher.Stats();
  EXPECT_EQ(st.queries, query_count);
  // Pure negations, *, time and negated-only filters have no presearch term; the rest do.
  EXPECT_GT(st.always_verified, 0u);
  EXPECT_LT(st.always_verified, query_count / 5);

  std::uint64_t candidates = 0, fired = 0;
  std::size_t differences = 0;
  for (const Story* s : sample) differences += Compare(matcher, queries, *s, now_us, &candidates, &fired);
  EXPECT_EQ(differences, 0u);
  EXPECT_GT(fired, sample.size()) << "the random queries should fire on real stories";
  // The presearcher has to leave most queries out.
  EXPECT_LT(candidates / sample.size(), query_count / 4);
  std::printf("%zu queries, %zu stories: %.1f candidates and %.1f fired per story, %llu always verified\n",
              query_count, sample.size(), static_cast<double>(candidates) / sample.size(),
              static_cast<double>(fired) / sample.size(), static_cast<unsigned long long>(st.always_verified));

  // Remove a third, replace a third under the same ids: the next story sees the new set.
  std::mt19937 rng(5);
  std::vector<std::uint64_t> ids;
  for (const auto& [id, q] : queries) ids.push_back(id);
  for (std::uint64_t id : ids) {
    const unsigned r = rng() % 3;
    if (r == 0) {
      EXPECT_TRUE(matcher.Remove(id));
      EXPECT_FALSE(matcher.Remove(id));
      queries.erase(id);
    } else if (r == 1) {
      add(id);
    }
  }
  EXPECT_EQ(matcher.Stats().queries, queries.size());
  differences = 0;
  for (std::size_t i = 0; i < sample.size(); i += 3) {
    differences += Compare(matcher, queries, *sample[i], now_us, &candidates, &fired);
  }
  EXPECT_EQ(differences, 0u);
}

TEST(MatcherDifferential, AlertMixFiresExactlyTheBruteForceSet) {
  const std::vector<Story> corpus = LoadCorpus(1000000);
  ASSERT_GT(corpus.size(), 23000u) << "Reuters-21578 and BBC News are needed";
  const Vocabulary vocabulary = BuildVocabulary(corpus, 9);
  const std::size_t query_count = EnvSize("DATELINE_MATCH_TEST_QUERIES", kDefaultQueries) / 4;
  const std::size_t story_count = std::min(corpus.size(), EnvSize("DATELINE_MATCH_TEST_STORIES", kDefaultStories));
  std::vector<const Story*> sample;
  for (std::size_t i = 0; i < story_count; ++i) sample.push_back(&corpus[i * corpus.size() / story_count]);
  const std::int64_t now_us = vocabulary.max_time;

  Matcher matcher;
  for (std::size_t i = 0; i < corpus.size(); i += 50) matcher.Match(corpus[i], now_us);
  // A few companies, some with multi-word names (phrases) and tickers (fields).
  const RandomQueries::Companies companies = {
      {"AAPL", "Apple Inc."}, {"MSFT", "Microsoft"}, {"GM", "General Motors"}, {"F", "Ford Motor Company"},
      {"XOM", "Exxon Mobil"}, {"IBM", "International Business Machines"}, {"BA", "Boeing"}};
  RandomQueries gen(vocabulary, 13);
  std::map<std::uint64_t, Saved> queries;
  for (std::uint64_t id = 1; queries.size() < query_count; ++id) {
    std::string text = id % 500 == 0 ? gen.Long(3000) : gen.Alert(companies);
    query::ParseResult parsed = query::Parse(text);
    if (!parsed.ok()) continue;
    ASSERT_TRUE(matcher.Add(id, *parsed).ok()) << text;
    queries[id] = Saved{std::move(text), std::move(parsed.node())};
  }
  std::uint64_t candidates = 0, fired = 0, checked_out = 0;
  std::size_t differences = 0;
  for (const Story* s : sample) {
    differences += Compare(matcher, queries, *s, now_us, &candidates, &fired, &checked_out);
  }
  EXPECT_EQ(differences, 0u);
  EXPECT_GT(fired, 0u);
  // The check must actually be exercised: ANDs filed under one word and needing another.
  EXPECT_GT(checked_out, 0u);
  std::printf("%zu alert-mix queries, %zu stories: %.1f candidates verified, %.1f dropped by their "
              "required-key check and %.1f fired per story\n",
              query_count, sample.size(), static_cast<double>(candidates) / sample.size(),
              static_cast<double>(checked_out) / sample.size(), static_cast<double>(fired) / sample.size());
}

}  // namespace
}  // namespace dateline::match
