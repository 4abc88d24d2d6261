#include "store/metadata_db.h"

#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

namespace dateline {
namespace {

class MetadataDbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/dateline-meta-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/metadata.db";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static std::string Scalar(MetadataDb& db, const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db.handle(), sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql;
    std::string out;
    if (sqlite3_step(stmt) == SQLITE_ROW) {
      const unsigned char* t = sqlite3_column_text(stmt, 0);
      out = t ? reinterpret_cast<const char*>(t) : "";
    }
    sqlite3_finalize(stmt);
    return out;
  }

  std::string dir_;
  std::string path_;
};

TEST_F(MetadataDbTest, FreshDbIsAtLatestVersionWithWalAndTables) {
  auto db = MetadataDb::Open(path_);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_GE(MetadataDb::LatestSchemaVersion(), 1);
  EXPECT_EQ((*db)->SchemaVersion(), MetadataDb::LatestSchemaVersion());
  EXPECT_EQ(Scalar(**db, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(Scalar(**db, "PRAGMA foreign_keys"), "1");
  for (const char* table :
       {"sources", "groups", "users", "user_groups", "source_grants", "alerts",
        "schema_migrations"}) {
    EXPECT_EQ(Scalar(**db, std::string("SELECT count(*) FROM sqlite_master WHERE type='table' "
                                       "AND name='") + table + "'"),
              "1")
        << table;
  }
}

TEST_F(MetadataDbTest, ReopenDoesNotReapply) {
  {
    auto db = MetadataDb::Open(path_);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    ASSERT_TRUE((*db)->Exec("INSERT INTO users(username, password_hash, role, created_at) "
                            "VALUES ('ann', 'x', 'admin', 1)")
                    .ok());
  }
  auto db = MetadataDb::Open(path_);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_EQ((*db)->SchemaVersion(), MetadataDb::LatestSchemaVersion());
  EXPECT_EQ(Scalar(**db, "SELECT count(*) FROM schema_migrations"),
            std::to_string(MetadataDb::LatestSchemaVersion()));
  EXPECT_EQ(Scalar(**db, "SELECT username FROM users"), "ann");
}

TEST_F(MetadataDbTest, ConstraintsAreEnforced) {
  auto db = MetadataDb::Open(path_);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_FALSE((*db)->Exec("INSERT INTO users(username, password_hash, role, created_at) "
                           "VALUES ('bob', 'x', 'root', 1)")
                   .ok());
  // Foreign keys are on: an alert for a missing user is refused.
  EXPECT_FALSE((*db)->Exec("INSERT INTO alerts(user_id, name, query, created_at, updated_at) "
                           "VALUES (42, 'a', 'q', 1, 1)")
                   .ok());
  EXPECT_FALSE((*db)->Exec("INSERT INTO sources(name, kind, config, created_at) "
                           "VALUES ('s', 'rss', 'not json', 1)")
                   .ok());
}

}  // namespace
}  // namespace dateline
