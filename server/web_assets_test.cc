// The web terminal's files: content types, cache headers, the index.html fallback for app
// screens, and the API routes it must never shadow.
#include "server/web_assets.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "server/api.h"

namespace dateline {
namespace {

namespace fs = std::filesystem;

class WebAssetsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dateline-web-test-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "assets");
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Write(const std::string& rel, const std::string& text) {
    std::ofstream(dir_ / rel, std::ios::binary) << text;
  }
  fs::path dir_;
};

TEST_F(WebAssetsTest, NeedsIndexHtml) {
  auto web = WebAssets::Load(dir_.string());
  ASSERT_FALSE(web.ok());
  EXPECT_EQ(web.status().code(), StatusCode::kNotFound);
  EXPECT_NE(web.status().message().find("index.html"), std::string::npos);
}

TEST_F(WebAssetsTest, ServesFilesWithTypesAndCacheHeaders) {
  Write("index.html", "<!doctype html><title>t</title>");
  Write("check.js", "var x;");
  Write("assets/index-1a2b3c.js", "export {};");
  Write("assets/index-1a2b3c.css", "body{}");
  auto web = WebAssets::Load(dir_.string());
  ASSERT_TRUE(web.ok()) << web.status().ToString();
  EXPECT_EQ((*web)->size(), 4u);

  const WebAsset* index = (*web)->Find("/");
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->content_type, "text/html; charset=utf-8");
  EXPECT_EQ(index->cache_control, "no-cache");
  EXPECT_EQ(index->body, "<!doctype html><title>t</title>");

  const WebAsset* js = (*web)->Find("/assets/index-1a2b3c.js");
  ASSERT_NE(js, nullptr);
  EXPECT_EQ(js->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(js->cache_control, "public, max-age=31536000, immutable");
  EXPECT_EQ((*web)->Find("/assets/index-1a2b3c.css")->content_type, "text/css; charset=utf-8");
  // Not hashed: revalidated every time.
  EXPECT_EQ((*web)->Find("/check.js")->cache_control, "no-cache");
}

TEST_F(WebAssetsTest, AppRoutesFallBackToIndexButFilesAndApiDoNot) {
  Write("index.html", "INDEX");
  auto web = WebAssets::Load(dir_.string());
  ASSERT_TRUE(web.ok());
  for (const char* route : {"/search", "/alerts", "/story/3f2a9c0e", "/help"}) {
    const WebAsset* f = (*web)->Find(route);
    ASSERT_NE(f, nullptr) << route;
    EXPECT_EQ(f->body, "INDEX") << route;
  }
  for (const char* path : {"/missing.js", "/assets/gone-1234.css", "/api/v1/nothing", "/api",
                           "/healthz", "/metrics", "/../etc/passwd"}) {
    EXPECT_EQ((*web)->Find(path), nullptr) << path;
  }
}

TEST(ContentTypeFor, KnownAndUnknown) {
  EXPECT_EQ(ContentTypeFor("a.svg"), "image/svg+xml");
  EXPECT_EQ(ContentTypeFor("a.woff2"), "font/woff2");
  EXPECT_EQ(ContentTypeFor("a.bin"), "application/octet-stream");
  EXPECT_EQ(ContentTypeFor("noext"), "application/octet-stream");
}

}  // namespace
}  // namespace dateline
