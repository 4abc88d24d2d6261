#include "store/metadata_db.h"

#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "store/migrations.h"

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

// A database written by a build that knew only migrations 1 and 2.
void WriteVersion2Db(const std::string& path) {
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw,
                         "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, "
                         "applied_at INTEGER NOT NULL)",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  for (const Migration& m : Migrations()) {
    if (m.version > 2) break;
    ASSERT_EQ(sqlite3_exec(raw, m.sql, nullptr, nullptr, nullptr), SQLITE_OK) << m.version;
    const std::string row = "INSERT INTO schema_migrations VALUES (" +
                            std::to_string(m.version) + ", 0)";
    ASSERT_EQ(sqlite3_exec(raw, row.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  }
  ASSERT_EQ(sqlite3_exec(raw,
                         "INSERT INTO users(id, username, password_hash, role, created_at) "
                         "VALUES (1, 'ann', 'x', 'admin', 1);"
                         "INSERT INTO alerts(id, user_id, name, query, delivery, created_at, "
                         "updated_at) VALUES (7, 1, 'fed', 'fed rates', '{}', 1, 1)",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(raw);
}

TEST_F(MetadataDbTest, Migration3KeepsExistingAlertsWithDefaults) {
  WriteVersion2Db(path_);
  auto db = MetadataDb::Open(path_);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  ASSERT_GE((*db)->SchemaVersion(), 3);
  EXPECT_EQ(Scalar(**db, "SELECT name || '|' || query || '|' || live || '|' || rate_max || '|' || "
                         "rate_window_seconds || '|' || suppressed || '|' || "
                         "coalesce(webhook_url, 'none') FROM alerts WHERE id = 7"),
            "fed|fed rates|1|0|0|[]|none");
  for (const char* table : {"alert_inbox", "webhook_deliveries"}) {
    EXPECT_EQ(Scalar(**db, std::string("SELECT count(*) FROM sqlite_master WHERE type='table' "
                                       "AND name='") + table + "'"),
              "1")
        << table;
  }
}

TEST_F(MetadataDbTest, Migration3ConstraintsAndCascades) {
  auto db = MetadataDb::Open(path_);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  MetadataDb& m = **db;
  ASSERT_TRUE(m.Exec("INSERT INTO users(id, username, password_hash, role, created_at) "
                     "VALUES (1, 'ann', 'x', 'admin', 1);"
                     "INSERT INTO alerts(id, user_id, name, query, created_at, updated_at) "
                     "VALUES (1, 1, 'a', 'q', 1, 1)")
                  .ok());
  const std::string inbox =
      "INSERT INTO alert_inbox(alert_id, user_id, kind, story_id, matched_terms, fired_at) "
      "VALUES (1, 1, ";
  EXPECT_TRUE(m.Exec(inbox + "'match', 's1', '[\"fed\"]', 10)").ok());
  EXPECT_FALSE(m.Exec(inbox + "'email', 's1', '[]', 10)").ok()) << "unknown kind";
  EXPECT_FALSE(m.Exec(inbox + "'match', 's1', 'not json', 10)").ok());
  EXPECT_FALSE(m.Exec("INSERT INTO alert_inbox(alert_id, user_id, kind, fired_at) "
                      "VALUES (99, 1, 'match', 10)")
                   .ok())
      << "inbox row of a missing alert";

  const std::string delivery =
      "INSERT INTO webhook_deliveries(alert_id, user_id, url, payload, state, next_attempt_at, "
      "created_at, updated_at) VALUES (1, 1, 'https://example.com/h', ";
  EXPECT_TRUE(m.Exec(delivery + "'{}', 'pending', 0, 0, 0)").ok());
  EXPECT_FALSE(m.Exec(delivery + "'{}', 'lost', 0, 0, 0)").ok()) << "unknown state";
  EXPECT_FALSE(m.Exec(delivery + "'{', 'pending', 0, 0, 0)").ok()) << "payload not JSON";
  EXPECT_FALSE(m.Exec("UPDATE alerts SET rate_max = -1 WHERE id = 1").ok());

  // Deleting the alert takes its inbox and its deliveries with it.
  ASSERT_TRUE(m.Exec("DELETE FROM alerts WHERE id = 1").ok());
  EXPECT_EQ(Scalar(m, "SELECT count(*) FROM alert_inbox"), "0");
  EXPECT_EQ(Scalar(m, "SELECT count(*) FROM webhook_deliveries"), "0");
}

}  // namespace
}  // namespace dateline
