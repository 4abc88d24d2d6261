#include "auth/requests.h"

#include <gtest/gtest.h>

namespace dateline {
namespace {

TEST(AuthRequests, Login) {
  auto ok = ParseLoginBody("application/json", R"({"username":"alice","password":"pw","code":"123456"})");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->username, "alice");
  EXPECT_EQ(ok->code, "123456");
  EXPECT_TRUE(ParseLoginBody("application/json; charset=utf-8", R"({"username":"a","password":"b"})").ok());

  EXPECT_EQ(ParseLoginBody("application/json", R"({"password":"pw"})").status().field(), "username");
  EXPECT_EQ(ParseLoginBody("application/json", R"({"username":"a","password":7})").status().field(), "password");
  EXPECT_EQ(ParseLoginBody("text/plain", "{}").status().code(), StatusCode::kUnsupported);
  EXPECT_EQ(ParseLoginBody("application/json", "{\"username\":\"\xff\"}").status().code(), StatusCode::kInvalidUtf8);
  EXPECT_EQ(ParseLoginBody("application/json", "[1]").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseLoginBody("application/json", "{bad").status().code(), StatusCode::kInvalidArgument);
  std::string huge = R"({"username":"a","password":")" + std::string(2000, 'x') + "\"}";
  EXPECT_EQ(ParseLoginBody("application/json", huge).status().field(), "password");
}

TEST(AuthRequests, Token) {
  auto ok = ParseTokenBody("application/json", R"({"name":"feed","scopes":["stories:read","admin"]})");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->scopes, static_cast<ScopeSet>(static_cast<ScopeSet>(Scope::kStoriesRead) |
                                              static_cast<ScopeSet>(Scope::kAdmin)));
  EXPECT_EQ(ParseTokenBody("application/json", R"({"name":"x","scopes":[]})").status().field(), "scopes");
  EXPECT_EQ(ParseTokenBody("application/json", R"({"name":"x","scopes":["root"]})").status().field(), "scopes[0]");
  EXPECT_EQ(ParseTokenBody("application/json", R"({"scopes":["alerts"]})").status().field(), "name");
}

TEST(AuthRequests, PasswordChange) {
  EXPECT_TRUE(ParsePasswordChangeBody("application/json", R"({"old_password":"a","new_password":"b"})").ok());
  EXPECT_EQ(ParsePasswordChangeBody("application/json", R"({"old_password":"a"})").status().field(), "new_password");
}

}  // namespace
}  // namespace dateline
