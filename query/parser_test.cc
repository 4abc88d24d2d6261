#include "query/parser.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <limits>
#include <set>
#include <string>

#include "core/time_format.h"

namespace dateline::query {
namespace {

// The limits query/testdata/golden.tsv is written for.
Limits GoldenLimits() {
  Limits limits;
  limits.max_length = 300;
  limits.max_depth = 8;
  limits.max_terms = 40;
  return limits;
}

std::string FromHex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

std::string Outcome(const ParseResult& r) {
  if (!r.ok()) return "error:" + r.error().code + "@" + std::to_string(r.error().column);
  return ToString(*r);
}

TEST(ParserGolden, EveryRowAndItsRoundTrip) {
  std::ifstream in(DATELINE_SOURCE_DIR "/query/testdata/golden.tsv");
  ASSERT_TRUE(in) << "missing query/testdata/golden.tsv";
  std::string line;
  int rows = 0, valid = 0, line_no = 0;
  std::set<std::string> codes;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    const auto tab = line.rfind('\t');
    ASSERT_NE(tab, std::string::npos) << "line " << line_no << " has no tab";
    std::string input = line.substr(0, tab);
    const std::string expected = line.substr(tab + 1);
    if (input.starts_with("hex:")) input = FromHex(input.substr(4));
    ++rows;
    const auto result = Parse(input, GoldenLimits());
    EXPECT_EQ(Outcome(result), expected) << "line " << line_no << ": " << input;
    if (!result.ok()) {
      codes.insert(result.error().code);
      EXPECT_EQ(result.error().message.rfind("column " + std::to_string(result.error().column) +
                                             ": ", 0), 0u)
          << result.error().message;
      continue;
    }
    ++valid;
    // The canonical form may be longer than the input, never deeper or with more terms.
    Limits relaxed = GoldenLimits();
    relaxed.max_length = std::numeric_limits<std::size_t>::max();
    EXPECT_EQ(Outcome(Parse(expected, relaxed)), expected) << "round trip, line " << line_no;
  }
  EXPECT_GE(rows, 150);
  EXPECT_GE(valid, 100);
  for (const char* code : {"empty", "syntax", "unclosed_quote", "unclosed_paren", "unknown_field",
                           "bad_value", "bad_date", "bad_range", "bad_wildcard", "bad_distance",
                           "bad_count", "bad_operand", "too_long", "too_deep", "too_many_terms",
                           "invalid_utf8"}) {
    EXPECT_TRUE(codes.count(code)) << "no golden row for error code " << code;
  }
}

TEST(Parser, MessageNamesWhereAndWhat) {
  auto r = Parse("rates (cut OR hike");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "unclosed_paren");
  EXPECT_EQ(r.error().column, 19u);
  EXPECT_EQ(r.error().message, "column 19: expected ')' to close '(' at column 7");

  r = Parse("inflation bogus:x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().column, 11u);
  EXPECT_NE(r.error().message.find("bogus"), std::string::npos);
  EXPECT_NE(r.error().message.find("ticker"), std::string::npos);  // lists the known fields

  r = Parse("priority:high");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("normal, urgent or flash"), std::string::npos);
}

TEST(Parser, ColumnsCountCodePoints) {
  auto r = Parse("日本銀行 金利 *abc");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "bad_wildcard");
  EXPECT_EQ(r.error().column, 9u);

  r = Parse("café OR 金利");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r).column, 1u);
  EXPECT_EQ((*r).children[1]->column, 9u);
}

TEST(Parser, NodesCarryWhatTheEvaluatorsNeed) {
  auto r = Parse("hd:(\"interest rates\" NEAR/5 cut*) ATLEAST3 \"fed\" ticker:72* -source:x");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const Node& root = *r;
  ASSERT_EQ(root.kind, Kind::kAnd);
  ASSERT_EQ(root.children.size(), 4u);

  const Node& near = *root.children[0];
  EXPECT_EQ(near.kind, Kind::kNear);
  EXPECT_EQ(near.distance, 5u);
  EXPECT_EQ(near.scope, Scope::kHeadline);
  EXPECT_EQ(near.column, 1u);
  ASSERT_EQ(near.children.size(), 2u);
  EXPECT_EQ(near.children[0]->kind, Kind::kPhrase);
  EXPECT_EQ(near.children[0]->words, (std::vector<std::string>{"interest", "rates"}));
  EXPECT_EQ(near.children[0]->scope, Scope::kHeadline);  // the scope reaches every text node
  EXPECT_EQ(near.children[1]->kind, Kind::kPrefix);
  EXPECT_EQ(near.children[1]->text, "cut");
  EXPECT_EQ(near.children[1]->scope, Scope::kHeadline);

  const Node& atleast = *root.children[1];
  EXPECT_EQ(atleast.kind, Kind::kAtLeast);
  EXPECT_EQ(atleast.count, 3u);
  ASSERT_EQ(atleast.children.size(), 1u);
  EXPECT_EQ(atleast.children[0]->kind, Kind::kTerm);
  EXPECT_TRUE(atleast.children[0]->exact);

  const Node& ticker = *root.children[2];
  EXPECT_EQ(ticker.kind, Kind::kField);
  EXPECT_EQ(ticker.field, "ticker");
  EXPECT_EQ(ticker.text, "72");
  EXPECT_TRUE(ticker.prefix);

  const Node& not_source = *root.children[3];
  EXPECT_EQ(not_source.kind, Kind::kNot);
  ASSERT_EQ(not_source.children.size(), 1u);
  EXPECT_EQ(not_source.children[0]->field, "source");
  EXPECT_EQ(not_source.children[0]->text, "x");
}

TEST(Parser, RangesBecomeInclusiveMicroseconds) {
  const std::int64_t day = 86400LL * 1000000;
  const std::int64_t nov1 = *ParseRfc3339("2013-11-01");
  const std::int64_t nov3 = *ParseRfc3339("2013-11-03");

  auto r = Parse("published:[2013-11-01 TO 2013-11-03]");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r).kind, Kind::kRange);
  EXPECT_EQ((*r).field, "published");
  EXPECT_EQ((*r).from_us, nov1);
  EXPECT_EQ((*r).to_us, nov3 + day - 1);  // a date covers its whole day

  r = Parse("published:{2013-11-01 TO 2013-11-03}");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r).from_us, nov1 + day);
  EXPECT_EQ((*r).to_us, nov3 - 1);

  r = Parse("published:{2013-11-01T09:30:00Z TO *]");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r).from_us, *ParseRfc3339("2013-11-01T09:30:00Z") + 1);
  EXPECT_EQ((*r).to_us, std::numeric_limits<std::int64_t>::max());

  r = Parse("published:[* TO 2013-11-03T12:00:00+02:00]");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r).from_us, std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ((*r).to_us, *ParseRfc3339("2013-11-03T10:00:00Z"));
}

TEST(Parser, SinceInSeconds) {
  auto r = Parse("since:90m");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r).kind, Kind::kSince);
  EXPECT_EQ((*r).seconds, 5400);
  r = Parse("since:2w");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r).seconds, 14 * 86400);
}

TEST(Parser, DefaultLimits) {
  std::string longest(20000, 'a');
  EXPECT_TRUE(Parse(longest).ok());
  auto r = Parse(longest + "a");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "too_long");
  EXPECT_EQ(r.error().column, 20001u);

  // The length is counted in code points, not bytes: 10,000 kanji are 30,000 bytes.
  std::string kanji;
  for (int i = 0; i < 10000; ++i) kanji += "株";
  EXPECT_TRUE(Parse(kanji).ok());

  // 4,096 terms (juxtaposed one-letter words, 8,191 characters) pass; one more does not.
  std::string terms = "a";
  for (int i = 1; i < 4096; ++i) terms += " a";
  EXPECT_TRUE(Parse(terms).ok());
  r = Parse(terms + " b");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "too_many_terms");
  EXPECT_EQ(r.error().column, 8193u);
}

TEST(Parser, HostileNestingFailsWithoutRecursingDeep) {
  // 20,000 characters of nesting: each form must stop at max_depth, not overflow the stack.
  for (const std::string unit : {"(", "NOT ", "-", "+", "hd:hd:"}) {
    std::string q;
    while (q.size() + unit.size() <= 20000) q += unit;
    auto r = Parse(q);
    ASSERT_FALSE(r.ok()) << unit;
    EXPECT_EQ(r.error().code, "too_deep") << unit;
  }
  std::string chain = "a";
  for (int i = 1; i <= 200; ++i) chain += " NEAR/" + std::to_string(i) + " a";
  auto r = Parse(chain);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "too_deep");
}

TEST(Parser, ManyOrTermsFlattenIntoOneNode) {
  std::string q;
  int n = 0;
  while (q.size() < 19980) {
    q += (n ? " OR w" : "w") + std::to_string(n);
    ++n;
  }
  Limits limits;
  limits.max_terms = 100000;
  auto r = Parse(q, limits);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ((*r).kind, Kind::kOr);
  EXPECT_EQ((*r).children.size(), static_cast<std::size_t>(n));
}

TEST(Parser, ErrorsBecomeStatuses) {
  auto r = Parse("(a");
  ASSERT_FALSE(r.ok());
  Status s = ToStatus(r.error());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.field(), "q");
  EXPECT_EQ(s.message(), r.error().message);

  r = Parse(std::string(20001, 'a'));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(ToStatus(r.error()).code(), StatusCode::kTooLarge);

  Limits few;
  few.max_terms = 2;
  r = Parse("a b c", few);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().column, 5u);
  EXPECT_EQ(ToStatus(r.error()).code(), StatusCode::kTooLarge);
}

}  // namespace
}  // namespace dateline::query
