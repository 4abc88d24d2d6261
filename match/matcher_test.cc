// The matcher on hand-made stories: each operator, scopes, fields, time, Add/Remove/replace taking
// effect for the next story, the cost budget, matched terms, the costliest-query report and
// changes made while another thread matches.
#include "match/matcher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "match/presearch_keys.h"
#include "match/story_view.h"
#include "query/parser.h"
#include "text/analyzer.h"

namespace dateline::match {
namespace {

constexpr std::int64_t kNow = 1700000000000000;  // 2023-11-14T22:13:20Z

Story MakeStory(std::string headline, std::vector<std::string> paragraphs) {
  Story s;
  s.id = "s1";
  s.source = "Reuters";
  s.language = "en";
  s.headline = std::move(headline);
  for (std::string& p : paragraphs) s.body.push_back(Block{Block::Kind::kParagraph, std::move(p)});
  s.published_us = kNow - 3600LL * 1000000;  // an hour ago
  s.bylines = {"Jane Smith"};
  s.tags = {{"ticker", "7203.T"}, {"country", "JP"}};
  return s;
}

const Story& Sample() {
  static const Story s = MakeStory(
      "Fed signals interest rate cuts",
      {"The Federal Reserve said on Wednesday that inflation was easing and interest rates could "
       "fall next year.",
       "Markets rallied. Inflation expectations dropped, and inflation data will come Friday."});
  return s;
}

query::NodePtr Q(const std::string& text) {
  query::ParseResult r = query::Parse(text);
  EXPECT_TRUE(r.ok()) << text << ": " << r.error().message;
  return r.ok() ? std::move(r.node()) : nullptr;
}

// The ids of the queries of `m` that fire for `story`, increasing.
std::vector<std::uint64_t> FiredIds(Matcher& m, const Story& story = Sample(), MatchStats* stats = nullptr) {
  std::vector<std::uint64_t> out;
  for (const Fired& f : m.Match(story, kNow, stats)) out.push_back(f.query_id);
  return out;
}

// Query 1 (left untouched) and the ids of `fires` marked as firing, increasing: what a story
// must fire after a run of adds and removes.
std::vector<std::uint64_t> ExpectedIds(const std::map<std::uint64_t, bool>& fires) {
  std::vector<std::uint64_t> out{1};
  for (const auto& [id, f] : fires) {
    if (f) out.push_back(id);
  }
  return out;
}

// True when `text`, alone in a matcher, fires for `story`.
bool Fires(const std::string& text, const Story& story = Sample()) {
  Matcher m;
  query::NodePtr q = Q(text);
  if (!q) return false;
  EXPECT_TRUE(m.Add(1, *q).ok()) << text;
  const std::vector<Fired> f = m.Match(story, kNow);
  return f.size() == 1 && f[0].query_id == 1;
}

TEST(Matcher, TermsStemExactAndPhrases) {
  EXPECT_TRUE(Fires("rate"));            // "rates" and "rate" share the stem
  EXPECT_TRUE(Fires("easing"));
  EXPECT_TRUE(Fires("ease"));            // stem of "easing"
  EXPECT_FALSE(Fires("\"ease\""));       // exact form is not in the story
  EXPECT_TRUE(Fires("\"rates\""));
  EXPECT_FALSE(Fires("bonds"));
  EXPECT_TRUE(Fires("\"interest rates\""));
  EXPECT_FALSE(Fires("\"rates interest\""));
  EXPECT_TRUE(Fires("\"federal reserve said\""));
  EXPECT_TRUE(Fires("FED"));             // folded
}

TEST(Matcher, PrefixesAndBooleans) {
  EXPECT_TRUE(Fires("infla*"));
  EXPECT_FALSE(Fires("deflat*"));
  EXPECT_TRUE(Fires("fed inflation"));
  EXPECT_FALSE(Fires("fed deflation"));
  EXPECT_TRUE(Fires("deflation OR inflation"));
  EXPECT_TRUE(Fires("fed -deflation"));
  EXPECT_FALSE(Fires("fed -inflation"));
  EXPECT_TRUE(Fires("-deflation"));      // pure negation: every story without it
  EXPECT_FALSE(Fires("NOT inflation"));
  EXPECT_TRUE(Fires("*"));
  EXPECT_TRUE(Fires("(bonds OR (fed AND cuts)) -(gold OR silver)"));
}

TEST(Matcher, Proximity) {
  // Positions: fed 0, signals 1, interest 2, rate 3, cuts 4, the 5, federal 6, reserve 7 ...
  EXPECT_TRUE(Fires("fed NEAR/3 rate"));
  EXPECT_FALSE(Fires("fed NEAR/2 rate"));
  EXPECT_TRUE(Fires("rate NEAR/3 fed"));   // any order
  EXPECT_FALSE(Fires("rate W/3 fed"));     // W keeps the order
  EXPECT_TRUE(Fires("fed W/3 rate"));
  EXPECT_TRUE(Fires("\"interest rate\" NEAR/1 cuts"));
  EXPECT_TRUE(Fires("fed NEAR/4 rate NEAR/4 cuts"));
  EXPECT_FALSE(Fires("fed NEAR/3 rate NEAR/3 cuts"));  // fed to cuts is 4
  EXPECT_TRUE(Fires("markets SAME friday"));
  EXPECT_FALSE(Fires("fed SAME friday"));
  EXPECT_TRUE(Fires("(gold OR markets) NEAR/2 rallied"));
  EXPECT_TRUE(Fires("ATLEAST 3 inflation"));
  EXPECT_FALSE(Fires("ATLEAST 4 inflation"));
  EXPECT_TRUE(Fires("ATLEAST 2 \"interest rates\" OR ATLEAST 1 \"interest rates\""));
}

TEST(Matcher, Scopes) {
  EXPECT_TRUE(Fires("hd:fed"));
  EXPECT_FALSE(Fires("hd:inflation"));
  EXPECT_TRUE(Fires("lead:inflation"));   // the first 50 words after the headline
  EXPECT_TRUE(Fires("lead:friday"));
  std::string long_text;
  for (int i = 0; i < 50; ++i) long_text += "filler ";
  const Story long_story = MakeStory("Headline words", {long_text + "zebra"});
  EXPECT_FALSE(Fires("lead:zebra", long_story));  // word 51 after the headline
  EXPECT_TRUE(Fires("zebra", long_story));
  EXPECT_TRUE(Fires("lead:filler", long_story));
  EXPECT_FALSE(Fires("lead:headline", long_story));
  EXPECT_TRUE(Fires("hd:(signals NEAR/3 cuts)"));
  EXPECT_FALSE(Fires("hd:(signals NEAR/2 cuts)"));
  EXPECT_FALSE(Fires("hd:(ATLEAST 2 rate)"));
  EXPECT_TRUE(Fires("ATLEAST 2 rate"));
}

TEST(Matcher, FieldsAndTime) {
  EXPECT_TRUE(Fires("source:reuters fed"));
  EXPECT_FALSE(Fires("source:bloomberg fed"));
  EXPECT_TRUE(Fires("lang:en"));
  EXPECT_FALSE(Fires("lang:de"));
  EXPECT_TRUE(Fires("priority:normal"));
  EXPECT_FALSE(Fires("priority:flash"));
  EXPECT_TRUE(Fires("author:smith"));
  EXPECT_TRUE(Fires("author:\"jane smith\""));
  EXPECT_FALSE(Fires("author:\"john smith\""));
  EXPECT_TRUE(Fires("ticker:7203.T"));
  EXPECT_TRUE(Fires("ticker:72*"));
  EXPECT_FALSE(Fires("ticker:73*"));
  EXPECT_TRUE(Fires("country:jp"));
  EXPECT_TRUE(Fires("since:2h"));
  EXPECT_FALSE(Fires("since:30m"));
  EXPECT_TRUE(Fires("published:[2023-11-14 TO *]"));
  EXPECT_FALSE(Fires("published:[* TO 2023-11-13]"));
}

TEST(Matcher, OtherLanguagesStemInTheirOwnLanguage) {
  Story de = MakeStory("Die Zentralbank senkt die Zinsen", {"Die Inflation sinkt weiter."});
  de.language = "de";
  EXPECT_TRUE(Fires("zentralbanken", de));
  EXPECT_FALSE(Fires("\"zins\"", de));
  Story ja = MakeStory("日本銀行が金利を引き上げ", {});
  ja.language = "ja";
  EXPECT_TRUE(Fires("日本銀行", ja));    // a word that analyses into two tokens is their phrase
  EXPECT_TRUE(Fires("lang:ja", ja));
}

TEST(Matcher, AddRemoveReplaceTakeEffectForTheNextStory) {
  Matcher m;
  ASSERT_TRUE(m.Add(7, *Q("inflation")).ok());
  ASSERT_TRUE(m.Add(3, *Q("bonds")).ok());
  ASSERT_TRUE(m.Add(5, *Q("-bonds")).ok());
  auto ids = [&] { return FiredIds(m); };
  EXPECT_EQ(ids(), (std::vector<std::uint64_t>{5, 7}));  // increasing ids
  ASSERT_TRUE(m.Add(3, *Q("fed")).ok());                 // replace
  EXPECT_EQ(ids(), (std::vector<std::uint64_t>{3, 5, 7}));
  EXPECT_TRUE(m.Remove(7));
  EXPECT_FALSE(m.Remove(7));
  EXPECT_FALSE(m.Remove(99));
  EXPECT_EQ(ids(), (std::vector<std::uint64_t>{3, 5}));
  ASSERT_TRUE(m.Add(5, *Q("deflation")).ok());           // always-verified -> presearched
  EXPECT_EQ(ids(), (std::vector<std::uint64_t>{3}));
  EXPECT_EQ(m.Stats().queries, 2u);
  EXPECT_EQ(m.Stats().always_verified, 0u);
  EXPECT_GT(m.Stats().memory_bytes, 0u);
}

TEST(Matcher, CandidatesComeFromThePresearcher) {
  Matcher m;
  for (std::uint64_t i = 0; i < 1000; ++i) {
    ASSERT_TRUE(m.Add(i, *Q("word" + std::to_string(i) + " fed")).ok());
  }
  ASSERT_TRUE(m.Add(5000, *Q("-nothing")).ok());
  MatchStats stats;
  const std::vector<Fired> f = m.Match(Sample(), kNow, &stats);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].query_id, 5000u);
  // "wordN" is longer than "fed", so with no statistics each query is filed under it.
  EXPECT_EQ(stats.candidates, 1u);
  EXPECT_EQ(stats.matched, 1u);
}

TEST(Matcher, RequiredKeyCheckDropsCandidatesBeforeVerification) {
  Matcher m;
  // "quokka" becomes common in the statistics, so queries with it are filed under their other
  // word and "quokka" goes into the entry's check.
  const Story quokkas = MakeStory("Quokka quokka", {"quokka"});
  for (int i = 0; i < 5; ++i) m.Match(quokkas, kNow);
  ASSERT_TRUE(m.Add(1, *Q("quokka fed")).ok());            // stemmed: checked in English stories
  ASSERT_TRUE(m.Add(2, *Q("\"quokka fed\"")).ok());       // exact phrase words: always checked
  ASSERT_TRUE(m.Add(3, *Q("fed rates")).ok());              // both in the story: fires
  ASSERT_TRUE(m.Add(4, *Q("fed NEAR/3 quokka")).ok());      // proximity operands are required
  ASSERT_TRUE(m.Add(5, *Q("fed (quokka OR rates)")).ok());  // an OR requires no one word
  ASSERT_TRUE(m.Add(6, *Q("fed -quokka")).ok());            // nor does a negation
  MatchStats stats;
  std::vector<Fired> f = m.Match(Sample(), kNow, &stats);
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0].query_id, 3u);
  EXPECT_EQ(f[1].query_id, 5u);
  EXPECT_EQ(f[2].query_id, 6u);
  // 1, 2, 3, 5 and 6 are conjunctions of word and word-pair tests, decided from the story's keys
  // without a check or verification (KeyDecidedQueries… below); 4 is dropped by its check.
  EXPECT_EQ(stats.candidates, 0u);
  EXPECT_EQ(stats.checked_out, 1u);
  EXPECT_GE(stats.decided, 5u);

  // A German story has German stems, so the English stem of a stemmed word is not checked there;
  // exact words are.
  Story de = MakeStory("Fed senkt die Zinsen", {"Die Inflation sinkt weiter."});
  de.language = "de";
  f = m.Match(de, kNow, &stats);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].query_id, 6u);
  EXPECT_EQ(stats.candidates, 4u);  // 1, 4 and 5 (verified: no quokka, no rates) and 6; 3 is filed under "rates"
  // (1, 5 and 6 hold English stems, so a German story verifies them.)
  EXPECT_EQ(stats.checked_out, 0u);  // 2 is decided: exact words need no English stems

  // The story that has every word still fires everything that should.
  const Story both = MakeStory("Fed rates", {"The Fed watched a quokka fed by tourists."});
  f = m.Match(both, kNow, &stats);
  std::set<std::uint64_t> ids;
  for (const Fired& x : f) ids.insert(x.query_id);
  EXPECT_EQ(ids, (std::set<std::uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(stats.checked_out, 0u);
}

// Queries that are conjunctions of one-key tests fire from the presearch index alone (the story's
// decision keys), without verification, and give the same answers and matched terms.
TEST(Matcher, KeyDecidedQueriesFireWithoutVerification) {
  struct Case {
    const char* text;
    bool fires;
  };
  const Case cases[] = {
      {"rate inflation", true},             // "rates" and "rate": forms differ, one English stem
      {"eased", true},                      // stem of "easing"
      {"\"ease\"", false},                  // exact: the form is not in the story
      {"\"rates\" fed", true},
      {"fed -deflation", true},
      {"fed -inflation", false},
      {"(deflation OR inflation) fed", true},
      {"(deflation OR bonds) fed", false},
      {"fed -(bonds OR deflation)", true},
      {"fed -(bonds OR inflation)", false},
      {"source:reuters inflation", true},   // field values are keys of their own
      {"source:bloomberg inflation", false},
      {"ticker:7203.t fed", true},
      {"author:smith", true},
      {"author:jones", false},
      {"lang:en fed", true},
      {"lang:de fed", false},
      {"priority:normal", true},
      {"\"interest rates\"", true},       // two exact words: the story's key of the adjacent pair
      {"\"rates interest\"", false},
      {"\"interest rate\" fed", true},
      {"\"interest rate\" -\"rate cuts\"", false},
      {"(\"rate cuts\" OR bonds) inflation", true},
      {"hd:rate", true},                     // headline words and stems are keys of their own
      {"hd:inflation", false},
      {"hd:\"fed\" inflation", true},
      {"hd:\"federal\"", false},
      {"infla* fed", true},                  // word prefixes of the lengths filed
      {"infla* -defla*", true},
      {"fed -infla*", false},
      {"defla* fed", false},
  };
  for (const Case& c : cases) {
    Matcher m;
    ASSERT_TRUE(m.Add(1, *Q(c.text)).ok()) << c.text;
    MatchStats stats;
    const std::vector<Fired> f = m.Match(Sample(), kNow, &stats);
    EXPECT_EQ(f.size(), c.fires ? 1u : 0u) << c.text;
    EXPECT_EQ(stats.candidates, 0u) << c.text << ": verified";
    if (c.fires) {
      EXPECT_GE(stats.decided, 1u) << c.text;
    }
  }
  // Matched terms as verification gives them: every story word of a positive word, none of a
  // negated one, none for fields, words of OR branches that did not decide included.
  Matcher m;
  ASSERT_TRUE(m.Add(1, *Q("rate (deflation OR inflation OR fed) source:reuters -bonds")).ok());
  MatchStats stats;
  std::vector<Fired> f = m.Match(Sample(), kNow, &stats);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(stats.candidates, 0u);
  EXPECT_EQ(f[0].MatchedTerms(), (std::vector<std::string>{"fed", "inflation", "rate", "rates"}));
  // The same query with a positional part is verified and names the same words (and the NEAR's).
  ASSERT_TRUE(m.Add(1, *Q("rate (deflation OR inflation OR fed) source:reuters -bonds fed NEAR/3 signals")).ok());
  f = m.Match(Sample(), kNow, &stats);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(stats.candidates, 1u);
  EXPECT_EQ(f[0].MatchedTerms(), (std::vector<std::string>{"fed", "inflation", "rate", "rates", "signals"}));
  // Headline words: only their headline occurrences ("rates" is in the body only); prefixes:
  // every word with the prefix.
  const Story rates = MakeStory("Rate rises", {"Rates rose, then the rate rose again; inflated inflation."});
  ASSERT_TRUE(m.Add(1, *Q("hd:rate infl* \"rose\"")).ok());
  f = m.Match(rates, kNow, &stats);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(stats.candidates, 0u);
  EXPECT_EQ(f[0].MatchedTerms(), (std::vector<std::string>{"inflated", "inflation", "rate", "rose"}));
  ASSERT_TRUE(m.Add(1, *Q("hd:rate infl* \"rose\" (rose NEAR/2 again)")).ok());  // verified
  f = m.Match(rates, kNow, &stats);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(stats.candidates, 1u);
  EXPECT_EQ(f[0].MatchedTerms(), (std::vector<std::string>{"again", "inflated", "inflation", "rate", "rose"}));
}

TEST(Matcher, TwoWordPhrasesDecideAsVerificationWould) {
  // Positions run on across paragraphs (the headline's last word and the body's first are
  // adjacent), as verification has them.
  std::size_t fired = 0;
  for (const char* pair : {"cuts the", "year markets", "the federal", "federal the", "friday fed"}) {
    Matcher m;
    const std::string phrase = std::string("\"") + pair + "\"";
    ASSERT_TRUE(m.Add(1, *Q(phrase)).ok());             // decided
    ASSERT_TRUE(m.Add(2, *Q(phrase + " (fed NEAR/1 signals)")).ok());  // verified; the NEAR holds
    const std::vector<Fired> f = m.Match(Sample(), kNow);
    std::set<std::uint64_t> ids;
    for (const Fired& x : f) ids.insert(x.query_id);
    EXPECT_EQ(ids.count(1), ids.count(2)) << pair;
    fired += ids.count(1);
  }
  EXPECT_EQ(fired, 3u);
}

TEST(Matcher, KeyDecidedQueriesInOtherLanguages) {
  Story de = MakeStory("Die Zentralbank senkt die Zinsen", {"Die Inflation sinkt weiter."});
  de.language = "de";
  Matcher m;
  ASSERT_TRUE(m.Add(1, *Q("zentralbanken inflation")).ok());  // stemmed: German stems, verified
  ASSERT_TRUE(m.Add(2, *Q("\"zinsen\" lang:de")).ok());       // exact words decide in any language
  ASSERT_TRUE(m.Add(3, *Q("\"zins\"")).ok());
  ASSERT_TRUE(m.Add(4, *Q("\"zinsen\" -\"inflation\"")).ok());
  ASSERT_TRUE(m.Add(5, *Q("\"zinsen\" -inflation")).ok());  // a stemmed negation: verified
  MatchStats stats;
  std::vector<Fired> f = m.Match(de, kNow, &stats);
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].query_id, 1u);
  EXPECT_EQ(f[0].MatchedTerms(), (std::vector<std::string>{"inflation", "zentralbank"}));
  EXPECT_EQ(f[1].query_id, 2u);
  EXPECT_EQ(f[1].MatchedTerms(), (std::vector<std::string>{"zinsen"}));
  EXPECT_EQ(stats.candidates, 2u);  // 1 and 5
  EXPECT_EQ(stats.decided, 3u);     // 2, 3 (filed under "zins", the story's German stem) and 4
}

// The decision compares whole keys, so a word whose check fragment (presearch_keys.h) collides
// with one of the story's keys still decides "absent".
TEST(Matcher, KeyDecisionIsExactWhereTheCheckFragmentCollides) {
  const Story& s = Sample();
  StoryView view;
  BuildStoryView(s, view);
  std::set<std::uint32_t> fragments;
  for (std::uint64_t key : view.keys) fragments.insert(CheckFragment(key));
  std::string colliding;
  for (int i = 0; i < 10000000 && colliding.empty(); ++i) {
    std::string w = "qz";
    for (int n = i; n > 0; n /= 26) w += static_cast<char>('a' + n % 26);
    if (fragments.count(CheckFragment(WordKey(w))) != 0) colliding = w;
  }
  ASSERT_FALSE(colliding.empty());
  Matcher m;
  // Statistics make "fed" rare and the other word common, so the entry is filed under "fed".
  const Story other = MakeStory(colliding + " " + colliding, {colliding});
  for (int i = 0; i < 5; ++i) m.Match(other, kNow);
  ASSERT_TRUE(m.Add(1, *Q("\"" + colliding + "\" fed")).ok());
  ASSERT_TRUE(m.Add(2, *Q("fed -\"" + colliding + "\"")).ok());
  MatchStats stats;
  const std::vector<Fired> f = m.Match(s, kNow, &stats);
  ASSERT_EQ(f.size(), 1u) << colliding;
  EXPECT_EQ(f[0].query_id, 2u);
  EXPECT_EQ(stats.candidates, 0u);
}

TEST(Matcher, KeyDecidedQueriesAddRemoveReplace) {
  Matcher m;
  ASSERT_TRUE(m.Add(1, *Q("fed inflation")).ok());
  ASSERT_TRUE(m.Add(2, *Q("fed rate")).ok());
  ASSERT_TRUE(m.Add(3, *Q("fed bonds")).ok());
  auto ids = [&] { return FiredIds(m); };
  EXPECT_EQ(ids(), (std::vector<std::uint64_t>{1, 2}));
  EXPECT_TRUE(m.Remove(1));
  EXPECT_EQ(ids(), (std::vector<std::uint64_t>{2}));
  ASSERT_TRUE(m.Add(3, *Q("fed NEAR/5 rates")).ok());  // decided -> verified
  EXPECT_EQ(ids(), (std::vector<std::uint64_t>{2, 3}));
  ASSERT_TRUE(m.Add(3, *Q("fed -rates")).ok());        // verified -> decided
  ASSERT_TRUE(m.Add(1, *Q("fed")).ok());
  EXPECT_EQ(ids(), (std::vector<std::uint64_t>{1, 2}));
  EXPECT_TRUE(m.Remove(2));
  EXPECT_TRUE(m.Remove(1));
  EXPECT_TRUE(ids().empty());
  EXPECT_EQ(m.Stats().queries, 1u);
}

TEST(Matcher, CostBudget) {
  EXPECT_EQ(Matcher::Cost(*Q("a b")), 2u);
  EXPECT_EQ(Matcher::Cost(*Q("a*")), 10u);
  EXPECT_EQ(Matcher::Cost(*Q("a NEAR/5 b")), 8u);
  EXPECT_GT(Matcher::Cost(*Q("(a* NEAR b*) W/3 c*")), Matcher::Cost(*Q("a* b* c*")));
  Matcher m(MatcherOptions{.max_query_cost = 30});
  EXPECT_TRUE(m.Add(1, *Q("a* b* c*")).ok());
  const Status s = m.Add(2, *Q("(a* NEAR b*) W/3 c*"));
  EXPECT_EQ(s.code(), StatusCode::kTooLarge);
  EXPECT_EQ(Matcher::Cost(*Q("(a* NEAR b*) W/3 c*")), 360u);
  EXPECT_NE(s.message().find("360"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("30"), std::string::npos) << s.message();
  EXPECT_EQ(m.Stats().queries, 1u);
}

TEST(Matcher, InvalidQueriesNeverReachTheMatcher) {
  for (const char* bad : {"a OR", "in*la", "a NEAR/5 -b", "hd:lead:a", "published:[2013-11-03 TO 2013-11-01]"}) {
    EXPECT_FALSE(query::Parse(bad).ok()) << bad;
  }
}

TEST(Matcher, MatchedTermsAreTheStoryWordsThatSatisfiedPositiveTerms) {
  Matcher m;
  ASSERT_TRUE(m.Add(1, *Q("rate \"interest rates\" infla* -bonds")).ok());
  const std::vector<Fired> f = m.Match(Sample(), kNow);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].MatchedTerms(),
            (std::vector<std::string>{"inflation", "interest", "rate", "rates"}));
}

TEST(Matcher, MatchedTermsOfAStoryStayRightWhileLaterStoriesAreMatched) {
  // Matched terms are assembled when asked for, from what Match kept of its story: a Fired held
  // while the matcher (on this thread and others) goes on to other stories must still name the
  // words of its own story.
  Matcher m;
  ASSERT_TRUE(m.Add(1, *Q("rate (inflation OR fed)")).ok());              // decided
  ASSERT_TRUE(m.Add(2, *Q("rate (inflation OR fed) fed NEAR/3 signals")).ok());  // verified
  const std::vector<Fired> first = m.Match(Sample(), kNow);
  ASSERT_EQ(first.size(), 2u);
  const Story other = MakeStory("Fed signals a rate pause", {"The fed kept its rate; inflation cooled."});
  for (int i = 0; i < 3; ++i) {
    const std::vector<Fired> later = m.Match(other, kNow);
    ASSERT_EQ(later.size(), 2u);
    EXPECT_EQ(later[0].MatchedTerms(), (std::vector<std::string>{"fed", "inflation", "rate"}));
    EXPECT_EQ(later[1].MatchedTerms(), (std::vector<std::string>{"fed", "inflation", "rate", "signals"}));
  }
  std::vector<Fired> copy = first;
  EXPECT_EQ(first[0].MatchedTerms(), (std::vector<std::string>{"fed", "inflation", "rate", "rates"}));
  EXPECT_EQ(first[1].MatchedTerms(), (std::vector<std::string>{"fed", "inflation", "rate", "rates", "signals"}));
  EXPECT_EQ(copy[1].MatchedTerms(), first[1].MatchedTerms());
  EXPECT_TRUE(Fired{}.MatchedTerms().empty());
}

TEST(Matcher, CostliestQueriesReportsVerificationWork) {
  Matcher m;
  ASSERT_TRUE(m.Add(1, *Q("hd:fed")).ok());
  ASSERT_TRUE(m.Add(2, *Q("(inflation OR the OR and) NEAR/1 (inflation OR the OR and)")).ok());
  for (int i = 0; i < 3; ++i) m.Match(Sample(), kNow);
  const auto top = m.CostliestQueries(5);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].first, 2u);
  EXPECT_GT(top[0].second, top[1].second);
  EXPECT_EQ(m.CostliestQueries(1).size(), 1u);
}

TEST(Matcher, ThousandsOfKeysAddedAndRemovedInAnyOrder) {
  // Each query is filed under words of its own, so the tables of keys grow, and removing
  // queries empties keys out of them in scrambled order (closing the gaps they leave).
  std::string body;
  for (int i = 0; i < 6000; i += 5) body += "zzq" + std::to_string(i) + " ";
  const Story story = MakeStory("Many words", {body});
  auto text = [](std::uint64_t i) {
    const std::string w = "zzq" + std::to_string(i);
    return i % 3 == 0 ? w : i % 3 == 1 ? w + " OR yyq" + std::to_string(i) : "\"" + w + "\" -bonds";
  };
  Matcher m;
  std::set<std::uint64_t> live;
  for (std::uint64_t i = 0; i < 6000; ++i) {
    ASSERT_TRUE(m.Add(i + 1, *Q(text(i))).ok());
    live.insert(i + 1);
  }
  auto check = [&] {
    std::set<std::uint64_t> want;
    for (std::uint64_t id : live) {
      if ((id - 1) % 5 == 0) want.insert(id);
    }
    std::set<std::uint64_t> got;
    for (const Fired& f : m.Match(story, kNow)) got.insert(f.query_id);
    EXPECT_EQ(got, want);
  };
  check();
  for (std::uint64_t k = 0; k < 6000; ++k) {
    const std::uint64_t id = 1 + (k * 2731) % 6000;  // a permutation of the ids
    if (k % 3 == 2) continue;
    EXPECT_TRUE(m.Remove(id));
    live.erase(id);
  }
  check();
  for (std::uint64_t i = 0; i < 6000; i += 7) {
    ASSERT_TRUE(m.Add(i + 1, *Q(text(i))).ok());
    live.insert(i + 1);
  }
  check();
  EXPECT_EQ(m.Stats().queries, live.size());
}

TEST(Matcher, FiredHandedToAnotherThreadKeepsItsStory) {
  // A matching thread hands each story's Fired to a consumer thread and goes on to the next story;
  // the consumer reads the matched terms after the matcher has moved on (and drops them, which
  // lets the matching thread reuse that analysis). Each must name its own story's words.
  Matcher m;
  ASSERT_TRUE(m.Add(1, *Q("rate (inflation OR fed)")).ok());                      // decided
  ASSERT_TRUE(m.Add(2, *Q("rate (inflation OR fed) fed NEAR/3 signals")).ok());  // verified
  const Story other = MakeStory("Fed signals a rate pause", {"The fed kept its rate; inflation cooled."});
  const std::vector<std::string> want_sample1{"fed", "inflation", "rate", "rates"};
  const std::vector<std::string> want_sample2{"fed", "inflation", "rate", "rates", "signals"};
  const std::vector<std::string> want_other1{"fed", "inflation", "rate"};
  const std::vector<std::string> want_other2{"fed", "inflation", "rate", "signals"};
  std::mutex mu;
  std::deque<std::pair<int, std::vector<Fired>>> queue;
  bool done = false;
  std::atomic<int> bad{0};
  std::thread consumer([&] {
    for (;;) {
      std::pair<int, std::vector<Fired>> item;
      {
        std::lock_guard lock(mu);
        if (!queue.empty()) {
          item = std::move(queue.front());
          queue.pop_front();
        } else if (done) {
          return;
        }
      }
      if (item.second.empty()) {
        std::this_thread::yield();
        continue;
      }
      const bool sample = item.first % 2 == 0;
      const std::vector<Fired>& f = item.second;
      if (f.size() != 2 || f[0].MatchedTerms() != (sample ? want_sample1 : want_other1) ||
          f[1].MatchedTerms() != (sample ? want_sample2 : want_other2)) {
        bad.fetch_add(1);
      }
    }
  });
  for (int i = 0; i < 400; ++i) {
    std::vector<Fired> f = m.Match(i % 2 == 0 ? Sample() : other, kNow);
    std::lock_guard lock(mu);
    queue.emplace_back(i, std::move(f));
  }
  {
    std::lock_guard lock(mu);
    done = true;
  }
  consumer.join();
  EXPECT_EQ(bad.load(), 0);
}

TEST(Matcher, ReplacedAndRemovedWhileAStoryVerifiesDecidedQueries) {
  // In a German story a decided query with English stems is verified, its compiled query read from
  // its slot: replacing and removing such queries (decided, verified, never firing) meanwhile must
  // neither fire a query that cannot fire nor lose one left untouched.
  Story de = MakeStory("Die Zentralbank senkt die Zinsen", {"Die Inflation sinkt weiter."});
  de.language = "de";
  const std::vector<std::string> texts{"zinsen inflation", "\"zinsen\" \"inflation\"", "zinsen -inflation",
                                       "zinsen NEAR/6 inflation", "zentralbanken zinsen"};
  std::vector<bool> text_fires;
  for (const std::string& t : texts) text_fires.push_back(Fires(t, de));
  Matcher m;
  ASSERT_TRUE(Fires("zentralbanken inflation", de));
  ASSERT_TRUE(m.Add(1, *Q("zentralbanken inflation")).ok());
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::atomic<int> rounds{0};
  std::thread matcher_thread([&] {
    while (!stop.load()) {
      bool one = false;
      for (const Fired& f : m.Match(de, kNow)) {
        one |= f.query_id == 1;
        // Ids 200.. only ever hold the query that never fires.
        if (f.query_id >= 200) bad.fetch_add(1);
      }
      if (!one) bad.fetch_add(1);
      rounds.fetch_add(1);
    }
  });
  std::map<std::uint64_t, bool> fires;
  for (std::uint64_t i = 0; i < 2000; ++i) {
    const std::uint64_t id = 100 + i % 40;
    const std::size_t t = i % texts.size();
    ASSERT_TRUE(m.Add(id, *Q(texts[t])).ok());
    fires[id] = text_fires[t];
    ASSERT_TRUE(m.Add(200 + i % 40, *Q("zinsen -inflation")).ok());
    if (i % 7 == 0) {
      const std::uint64_t gone = 100 + (i * 13) % 40;
      EXPECT_EQ(m.Remove(gone), fires.erase(gone) == 1);
      m.Remove(200 + (i * 11) % 40);
    }
  }
  while (rounds.load() < 3) std::this_thread::yield();
  stop.store(true);
  matcher_thread.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(FiredIds(m, de), ExpectedIds(fires));
}

TEST(Matcher, SampledTermStatisticsChangeNoResult) {
  // Past its first 4,096 stories the matcher counts every fourth into the statistics that choose
  // the key a query is filed under. A matcher that has seen 6,000 stories (so its frequencies are
  // sampled and skewed) must fire exactly what a fresh one (no statistics) fires.
  auto story = [](std::uint64_t i) {
    std::string body;
    for (std::uint64_t k = 0; k < 12; ++k) body += "w" + std::to_string((i * 7 + k * k * 13) % (k < 6 ? 8 : 300)) + " ";
    return MakeStory("Story " + std::to_string(i % 50), {body});
  };
  Matcher seasoned;
  for (std::uint64_t i = 0; i < 6000; ++i) seasoned.Match(story(i), kNow);
  Matcher fresh;
  for (std::uint64_t q = 0; q < 300; ++q) {
    const std::string a = "w" + std::to_string(q % 8), b = "w" + std::to_string((q * 31) % 300);
    const std::string c = "w" + std::to_string((q * 17 + 5) % 300);
    const std::string text = q % 4 == 0   ? a + " " + b
                             : q % 4 == 1 ? "(" + a + " OR " + c + ") " + b
                             : q % 4 == 2 ? "\"" + b + " " + c + "\" OR " + a + " -" + c
                                          : a + " " + b + " " + c + " -story";
    ASSERT_TRUE(seasoned.Add(q + 1, *Q(text)).ok()) << text;
    ASSERT_TRUE(fresh.Add(q + 1, *Q(text)).ok()) << text;
  }
  std::size_t fired = 0;
  std::uint64_t fresh_work = 0, seasoned_work = 0;  // entries read: the filing did differ
  for (std::uint64_t i = 0; i < 200; ++i) {
    MatchStats fs, ss;
    const std::vector<std::uint64_t> want = FiredIds(fresh, story(i * 29), &fs);
    const std::vector<std::uint64_t> got = FiredIds(seasoned, story(i * 29), &ss);
    ASSERT_EQ(got, want) << "story " << i * 29;
    fired += got.size();
    fresh_work += fs.candidates + fs.checked_out + fs.decided;
    seasoned_work += ss.candidates + ss.checked_out + ss.decided;
  }
  EXPECT_GT(fired, 200u);
  EXPECT_NE(fresh_work, seasoned_work);
}

TEST(StoryView, DecideTableTakesKeysWithOrWithoutReset) {
  // Keys as the story's decision keys are (flag bits clear), enough to grow the table many times.
  auto key = [](std::uint64_t i) { return Hash64("key" + std::to_string(i)) & ~kDecideFlags; };
  DecideTable fresh;  // never Reset: starts with a single slot
  EXPECT_EQ(fresh.Find(key(0)), DecideTable::kMissing);
  DecideTable reset;
  reset.Reset(0);
  for (std::uint32_t i = 1; i <= 3000; ++i) {
    fresh.Insert(key(i), i);
    reset.Insert(key(i), i);
  }
  for (std::uint32_t i = 1; i <= 3000; ++i) {
    ASSERT_EQ(fresh.Find(key(i)), i);
    ASSERT_EQ(reset.Find(key(i)), i);
  }
  for (std::uint32_t i = 3001; i <= 6000; ++i) {
    ASSERT_EQ(fresh.Find(key(i)), DecideTable::kMissing);
    ASSERT_EQ(reset.Find(key(i)), DecideTable::kMissing);
  }
  reset.Reset(4);  // emptied, filter too
  EXPECT_EQ(reset.Find(key(1)), DecideTable::kMissing);
}

TEST(StoryView, CachedStemAgreesWithTheStemmerAcrossLanguagesAndGrowth) {
  // Thousands of distinct words (the cache's table is rehashed several times) in two languages,
  // asked twice: the same word in each language keeps its own stem, with or without the hash.
  const std::vector<std::string> stems{"running", "rates", "zinsen", "banken", "inflation"};
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 3000; ++i) {
      const std::string w = stems[static_cast<std::size_t>(i) % stems.size()] + std::to_string(i);
      for (const char* lang : {"en", "de"}) {
        ASSERT_EQ(CachedStem(w, lang), text::Stem(w, lang)) << w << " " << lang;
        ASSERT_EQ(CachedStem(w, lang, Hash64(w)), text::Stem(w, lang)) << w << " " << lang;
      }
    }
  }
  EXPECT_EQ(CachedStem("rates", "en"), text::Stem("rates", "en"));
  EXPECT_EQ(CachedStem("banken", "de"), text::Stem("banken", "de"));
}

TEST(Matcher, ChangesWhileAnotherThreadMatches) {
  Matcher m;
  ASSERT_TRUE(m.Add(1, *Q("inflation")).ok());
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::atomic<int> rounds{0};
  std::thread matcher_thread([&] {
    while (!stop.load()) {
      const std::vector<Fired> f = m.Match(Sample(), kNow);
      // Query 1 is never touched, so it fires every time.
      if (f.empty() || f[0].query_id != 1) bad.fetch_add(1);
      rounds.fetch_add(1);
    }
  });
  std::map<std::uint64_t, bool> fires;  // final state: id -> whether it fires on Sample()
  for (std::uint64_t i = 0; i < 3000; ++i) {
    const std::uint64_t id = 100 + i % 50;
    ASSERT_TRUE(m.Add(id, *Q(i % 3 ? "fed" : "-fed")).ok());
    fires[id] = i % 3 != 0;
    if (i % 7 == 0) {
      const std::uint64_t gone = 100 + (i * 13) % 50;
      EXPECT_EQ(m.Remove(gone), fires.erase(gone) == 1);
    }
  }
  while (rounds.load() < 3) std::this_thread::yield();
  stop.store(true);
  matcher_thread.join();
  EXPECT_EQ(bad.load(), 0);
  // Afterwards a story sees exactly the final set.
  EXPECT_EQ(FiredIds(m), ExpectedIds(fires));
  EXPECT_EQ(m.Stats().queries, 1 + fires.size());
}

}  // namespace
}  // namespace dateline::match
