// Route-level tests of the API without the network (the integration tests cover the wire).
#include "server/api.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "store/metadata_db.h"
#include "store/sql.h"
#include <nlohmann/json.hpp>

namespace dateline {
namespace {

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("dateline-api-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    StoreOptions opt;
    opt.dir = dir_.string();
    auto s = StoryStore::Open(opt);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    hub_ = std::make_unique<PushHub>(store_->LastDurableSeq());
    auto db = MetadataDb::Open((dir_ / "metadata.db").string());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
    AuthOptions auth_opt;
    auth_opt.password_cost = PasswordHashCost::Minimum();
    auth_ = std::make_unique<AuthService>(*db_, clock_, auth_opt);
    NewUser admin;
    admin.username = "desk-admin";
    admin.password = "a long enough test password";
    admin.role = Role::kAdmin;
    admin.must_change_password = false;
    ASSERT_TRUE(auth_->AddUser(Actor::System(), admin).ok());
    auto token = auth_->CreateTokenForUser(Actor::System(), "desk-admin", "test", kAllScopes);
    ASSERT_TRUE(token.ok()) << token.status().ToString();
    bearer_ = "Bearer " + token->token;
    api_ = std::make_unique<Api>(*store_, *auth_, metrics_, *hub_, ApiServices{});
  }
  void TearDown() override {
    store_->Close();
    std::filesystem::remove_all(dir_);
  }

  ApiRequest Request(std::string_view method, std::string_view target,
                     std::string_view content_type = {}, std::string_view body = {}) const {
    ApiRequest r;
    r.method = method;
    r.target = target;
    r.content_type = content_type;
    r.body = body;
    r.authorization = bearer_;
    return r;
  }

  ApiResponse Ingest(std::string_view content_type, std::string_view body) {
    ApiRequest req = Request("POST", "/api/v1/stories", content_type, body);
    auto who = api_->Authorize(req, "/api/v1/stories");
    if (auto* err = std::get_if<ApiResponse>(&who)) return *err;
    auto stories = api_->ParseIngest(req, std::get<AuthContext>(who));
    if (!stories.ok()) return ApiResponse::Error(stories.status());
    std::vector<Result<AppendOutcome>> out;
    for (auto& s : *stories) out.push_back(store_->AppendAndWait(std::move(s)));
    return api_->IngestResponse(Api::IsBatchIngest(content_type), out);
  }
  ApiResponse Get(std::string_view target) const { return api_->Handle(Request("GET", target)); }

  std::filesystem::path dir_;
  ManualClock clock_{1'700'000'000'000'000};
  std::unique_ptr<MetadataDb> db_;
  std::unique_ptr<AuthService> auth_;
  std::string bearer_;
  std::unique_ptr<StoryStore> store_;
  Metrics metrics_;
  std::unique_ptr<PushHub> hub_;
  std::unique_ptr<Api> api_;
};

TEST_F(ApiTest, PostGetListAndVersions) {
  auto r = Ingest("application/json", R"({"source":"s","source_id":"1","headline":"First"})");
  ASSERT_EQ(r.status, 201) << r.body;
  auto j = nlohmann::json::parse(r.body);
  const std::string id = j["id"];
  EXPECT_EQ(j["version"], 1);
  EXPECT_EQ(j["seq"], 1);

  // Identical re-send: same answer, 200, nothing new written.
  r = Ingest("Application/JSON; charset=utf-8", R"({"source":"s","source_id":"1","headline":"First"})");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(nlohmann::json::parse(r.body)["seq"], 1);
  EXPECT_TRUE(nlohmann::json::parse(r.body)["duplicate"]);

  // Changed content: version 2, chained.
  r = Ingest("application/json", R"({"source":"s","source_id":"1","headline":"First, updated"})");
  ASSERT_EQ(r.status, 201);
  EXPECT_EQ(nlohmann::json::parse(r.body)["version"], 2);

  auto got = nlohmann::json::parse(Get("/api/v1/stories/" + id).body);
  EXPECT_EQ(got["headline"], "First, updated");
  EXPECT_EQ(got["previous_seq"], 1);
  got = nlohmann::json::parse(Get("/api/v1/stories/" + id + "?version=1").body);
  EXPECT_EQ(got["headline"], "First");
  auto versions = nlohmann::json::parse(Get("/api/v1/stories/" + id + "/versions").body);
  EXPECT_EQ(versions["versions"].size(), 2u);

  auto list = nlohmann::json::parse(Get("/api/v1/stories?after=1&limit=10").body);
  ASSERT_EQ(list["stories"].size(), 1u);
  EXPECT_EQ(list["stories"][0]["seq"], 2);
}

TEST_F(ApiTest, ErrorsHaveTheRightStatusAndField) {
  auto r = Ingest("application/json", R"({"source":"s"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(nlohmann::json::parse(r.body)["error"]["field"], "headline");
  EXPECT_EQ(Ingest("application/json", "{bad").status, 400);
  EXPECT_EQ(Ingest("text/plain", R"({"source":"s","headline":"h"})").status, 415);
  EXPECT_EQ(Ingest("application/json", "{\"source\":\"s\",\"headline\":\"\xff\"}").status, 422);
  EXPECT_EQ(Get("/api/v1/stories/0123456789abcdef01234567").status, 404);
  EXPECT_EQ(Get("/api/v1/stories/not-an-id").status, 404);
  EXPECT_EQ(Get("/api/v1/stories?limit=0").status, 400);
  EXPECT_EQ(Get("/api/v1/stories?after=-1").status, 400);
  EXPECT_EQ(Get("/nope").status, 404);
  EXPECT_EQ(Get("/api/v1/stream").status, 426);
  auto del = api_->Handle(Request("DELETE", "/api/v1/stories"));
  EXPECT_EQ(del.status, 405);
  ApiRequest anonymous = Request("GET", "/api/v1/stories");
  anonymous.authorization = {};
  EXPECT_EQ(api_->Handle(anonymous).status, 401);
  anonymous.authorization = "Bearer dl_not-a-token";
  EXPECT_EQ(api_->Handle(anonymous).status, 401);
}

TEST_F(ApiTest, NdjsonBatch) {
  auto r = Ingest("application/x-ndjson",
                  "{\"source\":\"s\",\"headline\":\"a\"}\n{\"source\":\"s\",\"headline\":\"b\"}\n");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(nlohmann::json::parse(r.body)["stories"].size(), 2u);
  r = Ingest("application/x-ndjson", "{\"source\":\"s\",\"headline\":\"c\"}\n{\"source\":\"s\"}\n");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(store_->LastDurableSeq(), 2u);  // nothing of the bad batch was stored
}

TEST_F(ApiTest, HealthAndMetrics) {
  auto h = nlohmann::json::parse(Get("/healthz").body);
  EXPECT_EQ(h["status"], "ok");
  EXPECT_EQ(h.size(), 1u);  // public: nothing about stories
  auto m = Get("/metrics");
  EXPECT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("dateline_stories_ingested_total"), std::string::npos);
  EXPECT_NE(m.body.find("dateline_ingest_latency_seconds_bucket{le=\"+Inf\"}"), std::string::npos);
  EXPECT_NE(m.body.find("dateline_connected_clients"), std::string::npos);
  EXPECT_NE(Get("/").body.find("/api/v1/stream"), std::string::npos);
}

}  // namespace
}  // namespace dateline

namespace dateline {
namespace {

// READ: a person opening a story counts once however often; a token reading it does not.
TEST_F(ApiTest, MostReadCountsPeopleOncePerStory) {
  std::string ids[3];
  for (int i = 0; i < 3; ++i) {
    auto r = Ingest("application/json", R"({"source":"s","source_id":")" + std::to_string(i) +
                                            R"(","headline":"Story )" + std::to_string(i) + "\"}");
    ASSERT_EQ(r.status, 201) << r.body;
    ids[i] = nlohmann::json::parse(r.body)["id"];
  }
  NewUser reader;
  reader.username = "reader-two";
  reader.password = "another long test password";
  reader.must_change_password = false;
  ASSERT_TRUE(auth_->AddUser(Actor::System(), reader).ok());
  auto session = [&](const std::string& user, const std::string& password) {
    LoginRequest lr;
    lr.username = user;
    lr.password = password;
    auto out = auth_->Login(lr);
    EXPECT_TRUE(out.ok());
    return std::string(kSessionCookie) + "=" + out.session_token;
  };
  const std::string admin_cookie = session("desk-admin", "a long enough test password");
  const std::string reader_cookie = session("reader-two", "another long test password");
  auto open = [&](const std::string& cookie, const std::string& target) {
    ApiRequest r = Request("GET", target);
    r.authorization = {};
    r.cookie = cookie;
    return api_->Handle(r);
  };
  // Story 1: two people (one of them three times); story 2: one person; story 0: a token only.
  for (int i = 0; i < 3; ++i) ASSERT_EQ(open(admin_cookie, "/api/v1/stories/" + ids[1]).status, 200);
  ASSERT_EQ(open(reader_cookie, "/api/v1/stories/" + ids[1]).status, 200);
  ASSERT_EQ(open(reader_cookie, "/api/v1/stories/" + ids[2]).status, 200);
  ASSERT_EQ(Get("/api/v1/stories/" + ids[0]).status, 200);

  auto r = open(reader_cookie, "/api/v1/stories/most-read?limit=10");
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = nlohmann::json::parse(r.body);
  ASSERT_EQ(j["stories"].size(), 2u) << r.body;
  EXPECT_EQ(j["stories"][0]["id"], ids[1]);
  EXPECT_EQ(j["stories"][0]["reads"], 2);
  EXPECT_EQ(j["stories"][0]["headline"], "Story 1");
  EXPECT_EQ(j["stories"][1]["id"], ids[2]);
  EXPECT_EQ(j["stories"][1]["reads"], 1);
  EXPECT_EQ(nlohmann::json::parse(Get("/api/v1/stories/most-read?limit=1").body)["stories"].size(), 1u);
  EXPECT_EQ(Get("/api/v1/stories/most-read?limit=0").status, 400);
}

// READ's counts in the metadata database: a new server (a fresh connection, fresh counts and
// API over the same file) ranks as the old one did, and a person re-opening a story after the
// restart still counts once.
TEST_F(ApiTest, MostReadSurvivesARestart) {
  std::string ids[2];
  for (int i = 0; i < 2; ++i) {
    auto r = Ingest("application/json", R"({"source":"s","source_id":"r)" + std::to_string(i) +
                                            R"(","headline":"Read )" + std::to_string(i) + "\"}");
    ASSERT_EQ(r.status, 201) << r.body;
    ids[i] = nlohmann::json::parse(r.body)["id"];
  }
  NewUser reader;
  reader.username = "reader-three";
  reader.password = "yet another long test password";
  reader.must_change_password = false;
  ASSERT_TRUE(auth_->AddUser(Actor::System(), reader).ok());
  auto session = [&](const std::string& user, const std::string& password) {
    LoginRequest lr;
    lr.username = user;
    lr.password = password;
    auto out = auth_->Login(lr);
    EXPECT_TRUE(out.ok());
    return std::string(kSessionCookie) + "=" + out.session_token;
  };
  const std::string admin_cookie = session("desk-admin", "a long enough test password");
  const std::string reader_cookie = session("reader-three", "yet another long test password");
  auto open = [](const Api& api, const std::string& cookie, const std::string& target) {
    ApiRequest r;
    r.method = "GET";
    r.target = target;
    r.cookie = cookie;
    return api.Handle(r);
  };
  const std::string path = (dir_ / "metadata.db").string();
  {
    auto conn = MetadataDb::Open(path);
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    auto reads = ReadCounts::Open(**conn);
    ASSERT_TRUE(reads.ok()) << reads.status().ToString();
    Api api(*store_, *auth_, metrics_, *hub_, ApiServices{nullptr, nullptr, reads->get()});
    ASSERT_EQ(open(api, admin_cookie, "/api/v1/stories/" + ids[1]).status, 200);
    ASSERT_EQ(open(api, reader_cookie, "/api/v1/stories/" + ids[1]).status, 200);
    ASSERT_EQ(open(api, reader_cookie, "/api/v1/stories/" + ids[0]).status, 200);
  }
  // The restart.
  auto conn = MetadataDb::Open(path);
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  auto reads = ReadCounts::Open(**conn);
  ASSERT_TRUE(reads.ok()) << reads.status().ToString();
  EXPECT_EQ((*reads)->Count(ids[1]), 2u);
  EXPECT_EQ((*reads)->Count(ids[0]), 1u);
  Api api(*store_, *auth_, metrics_, *hub_, ApiServices{nullptr, nullptr, reads->get()});
  ASSERT_EQ(open(api, reader_cookie, "/api/v1/stories/" + ids[0]).status, 200);  // again: no change
  ASSERT_EQ(open(api, admin_cookie, "/api/v1/stories/" + ids[0]).status, 200);   // new: 2
  ASSERT_EQ(open(api, admin_cookie, "/api/v1/stories/" + ids[1]).status, 200);   // again: still 2
  auto r = open(api, reader_cookie, "/api/v1/stories/most-read?limit=10");
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = nlohmann::json::parse(r.body);
  ASSERT_EQ(j["stories"].size(), 2u) << r.body;
  // Two readers each; ties by id.
  EXPECT_EQ(j["stories"][0]["reads"], 2);
  EXPECT_EQ(j["stories"][1]["reads"], 2);
  std::size_t rows = 0;
  sql::Stmt count(db_->handle(), "SELECT count(*) FROM story_reads");
  if (count.Step()) rows = static_cast<std::size_t>(count.Int(0));
  EXPECT_EQ(rows, 4u) << "one row per person and story";
}

// Without a database the counts are kept in memory only; a full table says so.
TEST(ReadCountsTest, AFullTableRefusesNewStoriesButCountsKnownOnes) {
  ReadCounts counts(1);
  EXPECT_TRUE(counts.Record("a", 1).ok());
  EXPECT_EQ(counts.Record("b", 1).code(), StatusCode::kTooLarge);
  EXPECT_TRUE(counts.Record("a", 2).ok());
  EXPECT_EQ(counts.Count("a"), 2u);
  EXPECT_EQ(counts.Count("b"), 0u);
}

TEST_F(ApiTest, ServesTheWebTerminalWithoutLoginButNotTheApi) {
  const auto web_dir = dir_ / "web";
  std::filesystem::create_directories(web_dir / "assets");
  std::ofstream(web_dir / "index.html") << "<!doctype html><title>terminal</title>";
  std::ofstream(web_dir / "assets" / "app-12ab.js") << "export {};";
  auto web = WebAssets::Load(web_dir.string());
  ASSERT_TRUE(web.ok()) << web.status().ToString();
  ApiOptions opt;
  opt.web = *web;
  Api api(*store_, *auth_, metrics_, *hub_, ApiServices{}, opt);
  auto anonymous = [&](std::string_view method, std::string_view target) {
    ApiRequest r;
    r.method = method;
    r.target = target;
    return api.Handle(r);
  };
  auto r = anonymous("GET", "/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(r.body, "<!doctype html><title>terminal</title>");
  auto header = [](const ApiResponse& res, std::string_view name) {
    for (const auto& [k, v] : res.headers) if (k == name) return v;
    return std::string();
  };
  EXPECT_EQ(header(r, "Cache-Control"), "no-cache");
  EXPECT_NE(header(r, "Content-Security-Policy").find("script-src 'self';"), std::string::npos);
  r = anonymous("GET", "/search?q=fed");  // an app screen: index.html
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "<!doctype html><title>terminal</title>");
  r = anonymous("GET", "/assets/app-12ab.js");
  EXPECT_EQ(r.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(header(r, "Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(anonymous("GET", "/assets/missing.js").status, 404);
  EXPECT_EQ(anonymous("POST", "/").status, 405);
  EXPECT_EQ(anonymous("GET", "/api/v1/stories").status, 401);
  EXPECT_EQ(anonymous("GET", "/healthz").status, 200);
  EXPECT_TRUE(Api::IsPublic("GET", "/alerts"));
  EXPECT_FALSE(Api::IsPublic("GET", "/api/v1/alerts"));
  EXPECT_FALSE(Api::IsPublic("GET", "/metrics"));
}

}  // namespace
}  // namespace dateline
