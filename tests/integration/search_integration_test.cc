// GET/POST /api/v1/search against the real binary: results equal a linear scan of the posted
// stories, a story is searchable as soon as its POST returns, entitlements hide a source from
// hits, totals and facets, bad queries get errors with the column, and the index survives
// kill -9, detects a corrupt segment and is rebuilt by `dateline reindex`.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "index/linear_scan.h"
#include "ingest/reuters_sgml.h"
#include "ingest/story_json.h"
#include "query/parser.h"
#include "server/url.h"
#include "tests/support/dateline_process.h"
#include "tests/support/net_client.h"

namespace dateline::testing {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

std::string Encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::vector<Story> ReutersStories(std::size_t n) {
  std::ifstream in(DATELINE_SHARED_DATA "/reuters21578/reut2-000.sgm", std::ios::binary);
  EXPECT_TRUE(in) << "missing shared data: " DATELINE_SHARED_DATA "/reuters21578/reut2-000.sgm";
  std::stringstream buf;
  buf << in.rdbuf();
  auto parsed = ParseReutersSgml(buf.str());
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  std::vector<Story> out = parsed.ok() ? std::move(*parsed) : std::vector<Story>{};
  if (out.size() > n) out.resize(n);
  return out;
}

void PostAll(std::uint16_t port, const std::vector<Story>& stories) {
  for (std::size_t i = 0; i < stories.size(); i += 100) {
    std::string ndjson;
    for (std::size_t j = i; j < std::min(stories.size(), i + 100); ++j) {
      ndjson += StoryToJson(stories[j]);
      ndjson += '\n';
    }
    auto r = HttpRequest(port, "POST", "/api/v1/stories", ndjson, "application/x-ndjson");
    ASSERT_TRUE(r.status == 200 || r.status == 201) << r.status << " " << r.body.substr(0, 300);
  }
}

// Every hit of `q` (following next_cursor), as story ids; also checks that pages do not repeat.
std::vector<std::string> AllHits(std::uint16_t port, const std::string& q,
                                 const std::string& sort = "newest", std::uint64_t* total = nullptr,
                                 const HttpOptions& options = {}) {
  std::vector<std::string> ids;
  std::string cursor;
  for (int page = 0; page < 100; ++page) {
    std::string target = "/api/v1/search?q=" + Encode(q) + "&sort=" + sort + "&limit=100";
    if (!cursor.empty()) target += "&cursor=" + Encode(cursor);
    auto r = HttpRequest(port, "GET", target, {}, {}, options);
    EXPECT_EQ(r.status, 200) << q << ": " << r.body;
    if (r.status != 200) break;
    auto j = json::parse(r.body);
    if (total) *total = j["total"];
    for (const auto& h : j["hits"]) ids.push_back(h["id"]);
    if (j["next_cursor"].is_null()) break;
    cursor = j["next_cursor"];
  }
  return ids;
}

std::set<std::string> ScanMatches(const std::vector<Story>& stories, const std::string& q) {
  auto parsed = query::Parse(q);
  EXPECT_TRUE(parsed.ok()) << q << ": " << parsed.error().message;
  std::set<std::string> out;
  if (!parsed.ok()) return out;
  for (const Story& s : stories) {
    if (index::Matches(*parsed, index::Analyze(s), /*now_us=*/0)) out.insert(s.id);
  }
  return out;
}

const std::vector<std::string> kQueries = {
    "oil",
    "oil prices",
    "\"oil prices\"",
    "crude NEAR/5 prices",
    "opec W/3 output",
    "bank SAME rates",
    "ATLEAST 3 wheat",
    "hd:coffee",
    "lead:grain",
    "topic:earn",
    "place:usa AND hd:trade",
    "source:reuters AND -topic:earn AND dollar",
    "infla*",
    "(gold OR silver) AND NOT mining",
    "published:[1987-02-26 TO 1987-03-01] AND shares",
    "\"interest rates\" OR yen",
    "dollar -yen",
    "japan SAME (tariff OR tariffs)",
    "hd:(profit OR loss) AND topic:earn",
    "*",
};

class SearchIntegration : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = DatelineProcess::Serve(dir_.path() + "/data");
    ASSERT_TRUE(server_);
    port_ = server_->port();
  }
  TempDir dir_;
  std::unique_ptr<DatelineProcess> server_;
  std::uint16_t port_ = 0;
};

TEST_F(SearchIntegration, ResultsEqualALinearScanOfThePostedStories) {
  const std::vector<Story> stories = ReutersStories(1000);
  ASSERT_EQ(stories.size(), 1000u);
  PostAll(port_, stories);
  for (const std::string& q : kQueries) {
    std::uint64_t total = 0;
    std::vector<std::string> hits = AllHits(port_, q, "newest", &total);
    std::set<std::string> got(hits.begin(), hits.end());
    EXPECT_EQ(got.size(), hits.size()) << q << ": a story came back twice";
    EXPECT_EQ(got, ScanMatches(stories, q)) << q;
    EXPECT_EQ(total, hits.size()) << q;
    // Relevance order returns the same set.
    std::vector<std::string> by_relevance = AllHits(port_, q, "relevance");
    EXPECT_EQ(std::set<std::string>(by_relevance.begin(), by_relevance.end()), got) << q;
  }
}

TEST_F(SearchIntegration, HitsCarryTheStoryAndAHighlightedSnippetAndFacets) {
  PostAll(port_, ReutersStories(300));
  auto r = HttpGet(port_, "/api/v1/search?q=" + Encode("oil AND topic:crude") +
                              "&limit=5&facets=source,topic,place");
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = json::parse(r.body);
  ASSERT_GT(j["total"].get<int>(), 0);
  ASSERT_FALSE(j["hits"].empty());
  const auto& hit = j["hits"][0];
  for (const char* key : {"id", "source", "source_id", "headline", "published", "snippet", "score"}) {
    EXPECT_TRUE(hit.contains(key)) << key;
  }
  EXPECT_NE(hit["snippet"].get<std::string>().find("<em>"), std::string::npos) << hit.dump();
  EXPECT_TRUE(j.contains("took_ms"));
  ASSERT_TRUE(j["facets"].contains("source"));
  EXPECT_EQ(j["facets"]["source"][0]["value"], "reuters");
  EXPECT_EQ(j["facets"]["source"][0]["count"], j["total"]);
  // Every story matched has topic crude, so that facet value counts them all.
  bool crude = false;
  for (const auto& v : j["facets"]["topic"]) {
    if (v["value"] == "crude") crude = v["count"] == j["total"];
  }
  EXPECT_TRUE(crude) << j["facets"].dump();
  // Newest first: published times do not increase.
  auto newest = json::parse(HttpGet(port_, "/api/v1/search?q=oil&limit=50").body);
  for (std::size_t i = 1; i < newest["hits"].size(); ++i) {
    EXPECT_GE(newest["hits"][i - 1]["published"].get<std::string>(),
              newest["hits"][i]["published"].get<std::string>());
  }
}

TEST_F(SearchIntegration, AStoryIsSearchableAsSoonAsItsPostReturns) {
  for (int i = 0; i < 50; ++i) {
    const std::string word = "zanzibarite" + std::to_string(i);
    Story s;
    s.source = "wire";
    s.source_id = "now-" + std::to_string(i);
    s.headline = "Breaking: " + word + " output halted";
    s.body.push_back({Block::Kind::kParagraph, "Production of " + word + " stopped today."});
    ASSERT_EQ(PostJson(port_, StoryToJson(s)).status, 201);
    auto r = json::parse(HttpGet(port_, "/api/v1/search?q=" + word).body);
    ASSERT_EQ(r["total"], 1) << word;
    EXPECT_EQ(r["hits"][0]["headline"], s.headline);
  }
  // A new version replaces the old one in results.
  Story s;
  s.source = "wire";
  s.source_id = "now-0";
  s.headline = "Update: output resumed";
  s.body.push_back({Block::Kind::kParagraph, "Production restarted."});
  ASSERT_EQ(PostJson(port_, StoryToJson(s)).status, 201);
  EXPECT_EQ(json::parse(HttpGet(port_, "/api/v1/search?q=zanzibarite0").body)["total"], 0);
  auto updated = json::parse(HttpGet(port_, "/api/v1/search?q=resumed").body);
  ASSERT_EQ(updated["total"], 1);
  EXPECT_EQ(updated["hits"][0]["version"], 2);
}

TEST_F(SearchIntegration, BadInputGetsErrorsThatNameTheFieldAndColumn) {
  auto error_of = [&](const HttpResult& r) { return json::parse(r.body)["error"]; };
  auto r = HttpGet(port_, "/api/v1/search");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_of(r)["field"], "q");
  r = HttpGet(port_, "/api/v1/search?q=" + Encode("(oil AND"));
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(error_of(r)["code"], "invalid_query");
  EXPECT_GT(error_of(r)["column"].get<int>(), 0);
  EXPECT_NE(error_of(r)["message"].get<std::string>().find("column"), std::string::npos);
  r = HttpGet(port_, "/api/v1/search?q=" + Encode("oil AND bogus:field"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_of(r)["column"], 9) << r.body;
  r = HttpGet(port_, "/api/v1/search?q=oil&sort=oldest");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_of(r)["field"], "sort");
  r = HttpGet(port_, "/api/v1/search?q=oil&limit=0");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_of(r)["field"], "limit");
  r = HttpGet(port_, "/api/v1/search?q=oil&facets=colour");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_of(r)["field"], "facets");
  r = HttpGet(port_, "/api/v1/search?q=oil&cursor=not-a-cursor");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(HttpRequest(port_, "DELETE", "/api/v1/search?q=oil").status, 405);
  // The longest stored searches are 20,000 characters: that passes (POST), one more does not.
  std::string longest = "oil";
  while (longest.size() + 7 <= 20000) longest += " OR oil";
  longest.resize(20000, ' ');
  r = HttpRequest(port_, "POST", "/api/v1/search", json{{"q", longest}}.dump(), "application/json");
  EXPECT_EQ(r.status, 200) << r.body.substr(0, 300);
  r = HttpRequest(port_, "POST", "/api/v1/search", json{{"q", longest + "x"}}.dump(),
                  "application/json");
  EXPECT_EQ(r.status, 413) << r.body.substr(0, 300);
  EXPECT_EQ(error_of(r)["reason"], "too_long");
  r = HttpRequest(port_, "POST", "/api/v1/search", json{{"q", "oil"}, {"limit", "ten"}}.dump(),
                  "application/json");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_of(r)["field"], "limit");
  r = HttpRequest(port_, "POST", "/api/v1/search", "{\"q\": ", "application/json");
  EXPECT_EQ(r.status, 400);
  r = HttpGet(port_, "/api/v1/search?q=oil&total=no");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_of(r)["field"], "total");
  r = HttpRequest(port_, "POST", "/api/v1/search", json{{"q", "oil"}, {"total", "false"}}.dump(),
                  "application/json");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_of(r)["field"], "total");
}

// total=false (and no facets): the same pages, hits and scores, with "total": null.
TEST_F(SearchIntegration, WithoutTheTotalThePagesAreTheSame) {
  PostAll(port_, ReutersStories(600));
  for (const char* q : {"\"crude oil\"", "oil NEAR/5 prices", "\"interest rates\" AND bank",
                        "oil", "oil AND prices", "oil OR gold", "\"the company\""}) {
    for (const char* sort : {"relevance", "newest"}) {
      std::string cursor_with, cursor_without;
      for (int page = 0; page < 3; ++page) {
        const std::string base =
            "/api/v1/search?q=" + Encode(q) + "&sort=" + sort + "&limit=7&facets=";
        auto with = HttpGet(port_, base + (page > 0 ? "&cursor=" + Encode(cursor_with) : ""));
        auto without = HttpGet(port_, base + "&total=false" +
                                          (page > 0 ? "&cursor=" + Encode(cursor_without) : ""));
        ASSERT_EQ(with.status, 200) << with.body;
        ASSERT_EQ(without.status, 200) << without.body;
        const json a = json::parse(with.body), b = json::parse(without.body);
        const std::string what = std::string(q) + " " + sort + " page " + std::to_string(page);
        EXPECT_TRUE(a["total"].is_number()) << what;
        EXPECT_TRUE(b["total"].is_null()) << what;
        ASSERT_EQ(a["hits"].size(), b["hits"].size()) << what;
        for (std::size_t i = 0; i < a["hits"].size(); ++i) {
          EXPECT_EQ(a["hits"][i]["id"], b["hits"][i]["id"]) << what << " hit " << i;
          EXPECT_EQ(a["hits"][i]["score"], b["hits"][i]["score"]) << what << " hit " << i;
        }
        EXPECT_EQ(a["next_cursor"], b["next_cursor"]) << what;
        if (a["next_cursor"].is_null()) break;
        cursor_with = a["next_cursor"].get<std::string>();
        cursor_without = b["next_cursor"].get<std::string>();
      }
    }
  }
  // The same in a POST body.
  auto r = HttpRequest(port_, "POST", "/api/v1/search",
                       json{{"q", "\"crude oil\""}, {"total", false}, {"facets", json::array()}}
                           .dump(),
                       "application/json");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(json::parse(r.body)["total"].is_null());
  EXPECT_FALSE(json::parse(r.body)["hits"].empty());
}

TEST_F(SearchIntegration, EntitlementsHideASourceFromHitsTotalsAndFacets) {
  auto admin = [&](const std::string& method, const std::string& target, const json& body) {
    return HttpRequest(port_, method, target, body.dump(), "application/json");
  };
  auto story = [](const std::string& source, const std::string& id, const std::string& headline) {
    Story s;
    s.source = source;
    s.source_id = id;
    s.headline = headline;
    return StoryToJson(s);
  };
  ASSERT_EQ(PostJson(port_, story("premium", "p1", "Premium copper outlook")).status, 201);
  ASSERT_EQ(PostJson(port_, story("premium", "p2", "Premium copper exclusive")).status, 201);
  ASSERT_EQ(PostJson(port_, story("wire", "w1", "Copper falls on the wire")).status, 201);
  ASSERT_EQ(admin("DELETE", "/api/v1/admin/grants", {{"group", "everyone"}, {"source", "premium"}}).status, 204);
  ASSERT_EQ(admin("POST", "/api/v1/admin/users",
                  {{"username", "reader1"}, {"password", "reader one's long password"}, {"role", "reader"}})
                .status,
            201);
  std::string out;
  ASSERT_EQ(RunDateline({"token", "create", "reader1", "--scope", "stories:read", "--data",
                         dir_.path() + "/data"},
                        &out),
            0)
      << out;
  const std::string token = out.substr(out.find("dl_"), out.find('\n', out.find("dl_")) - out.find("dl_"));
  HttpOptions reader;
  reader.default_token = false;
  reader.headers["Authorization"] = "Bearer " + token;
  auto r = HttpRequest(port_, "GET", "/api/v1/search?q=copper&facets=source", {}, {}, reader);
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = json::parse(r.body);
  EXPECT_EQ(j["total"], 1);
  ASSERT_EQ(j["hits"].size(), 1u);
  EXPECT_EQ(j["hits"][0]["source"], "wire");
  EXPECT_EQ(j["facets"]["source"].size(), 1u) << j.dump();
  EXPECT_EQ(r.body.find("premium"), std::string::npos);
  // Even a query that names the source finds nothing, exactly like an unknown source.
  auto named = json::parse(
      HttpRequest(port_, "GET", "/api/v1/search?q=source:premium", {}, {}, reader).body);
  EXPECT_EQ(named["total"], 0);
  // The admin (granted through everyone? no: revoked for everyone) — admins are not exempt.
  auto admin_view = json::parse(HttpGet(port_, "/api/v1/search?q=copper").body);
  EXPECT_EQ(admin_view["total"], 1);
  ASSERT_EQ(admin("POST", "/api/v1/admin/grants", {{"group", "everyone"}, {"source", "premium"}}).status, 204);
  EXPECT_EQ(json::parse(HttpGet(port_, "/api/v1/search?q=copper").body)["total"], 3);
}

std::string LargestFile(const std::string& dir) {
  std::string best;
  std::uintmax_t size = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() && e.file_size() > size) {
      size = e.file_size();
      best = e.path().string();
    }
  }
  return best;
}

TEST(SearchRecovery, KillNineRestartCorruptSegmentAndReindex) {
  TempDir dir;
  const std::string data = dir.path() + "/data";
  const std::vector<Story> stories = ReutersStories(600);
  std::uint64_t oil_before = 0;
  {
    auto server = DatelineProcess::Serve(data);
    ASSERT_TRUE(server);
    PostAll(server->port(), std::vector<Story>(stories.begin(), stories.begin() + 300));
    server->Terminate();  // flushes the index
  }
  {
    auto server = DatelineProcess::Serve(data);
    ASSERT_TRUE(server);
    PostAll(server->port(), std::vector<Story>(stories.begin() + 300, stories.end()));
    AllHits(server->port(), "oil", "newest", &oil_before);
    server->Kill9();  // the last 300 are only in the log and the lost in-memory segment
  }
  EXPECT_EQ(oil_before, ScanMatches(stories, "oil").size());
  {
    auto server = DatelineProcess::Serve(data);
    ASSERT_TRUE(server);
    std::uint64_t total = 0;
    AllHits(server->port(), "oil", "newest", &total);
    EXPECT_EQ(total, oil_before) << "the restart re-indexes what the log holds";
    EXPECT_EQ(AllHits(server->port(), "*").size(), 600u);
    server->Terminate();
  }
  // Damage the biggest index file: the server refuses to start and says how to rebuild.
  const std::string victim = LargestFile(data + "/index");
  ASSERT_FALSE(victim.empty());
  {
    std::fstream f(victim, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(victim) / 2));
    char c = 0;
    f.read(&c, 1);
    f.seekp(static_cast<std::streamoff>(fs::file_size(victim) / 2));
    c = static_cast<char>(c ^ 0x5A);
    f.write(&c, 1);
  }
  std::string out;
  EXPECT_NE(RunDateline({"serve", "--data", data, "--listen", "127.0.0.1:0"}, &out), 0);
  EXPECT_NE(out.find("dateline reindex --data"), std::string::npos) << out;
  EXPECT_NE(out.find(fs::path(victim).filename().string()), std::string::npos) << out;
  ASSERT_EQ(RunDateline({"reindex", "--data", data}, &out), 0) << out;
  EXPECT_NE(out.find("reindexed 600 stories"), std::string::npos) << out;
  auto server = DatelineProcess::Serve(data);
  ASSERT_TRUE(server);
  std::uint64_t total = 0;
  AllHits(server->port(), "oil", "newest", &total);
  EXPECT_EQ(total, oil_before);
}

}  // namespace
}  // namespace dateline::testing
