#include "store/migrations.h"

#include <sqlite3.h>

#include <ctime>
#include <string>

namespace dateline {
namespace {

// Times are µs since the Unix epoch (UTC), like everywhere else in Dateline. JSON columns hold
// text checked with json_valid so a bad write is refused instead of stored.
constexpr const char* kMigration1 = R"sql(
CREATE TABLE sources (
  id          INTEGER PRIMARY KEY,
  name        TEXT    NOT NULL UNIQUE,
  kind        TEXT    NOT NULL,
  config      TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(config)),
  created_at  INTEGER NOT NULL
);

CREATE TABLE groups (
  id          INTEGER PRIMARY KEY,
  name        TEXT    NOT NULL UNIQUE,
  created_at  INTEGER NOT NULL
);

CREATE TABLE users (
  id                    INTEGER PRIMARY KEY,
  username              TEXT    NOT NULL UNIQUE,
  password_hash         TEXT    NOT NULL,
  role                  TEXT    NOT NULL CHECK (role IN ('admin', 'editor', 'reader')),
  totp_secret           TEXT,
  disabled              INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
  must_change_password  INTEGER NOT NULL DEFAULT 0 CHECK (must_change_password IN (0, 1)),
  created_at            INTEGER NOT NULL
);

CREATE TABLE user_groups (
  user_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  group_id  INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
  PRIMARY KEY (user_id, group_id)
);
CREATE INDEX user_groups_by_group ON user_groups(group_id);

CREATE TABLE source_grants (
  group_id   INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
  source_id  INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
  PRIMARY KEY (group_id, source_id)
);
CREATE INDEX source_grants_by_source ON source_grants(source_id);

CREATE TABLE alerts (
  id          INTEGER PRIMARY KEY,
  user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name        TEXT    NOT NULL,
  query       TEXT    NOT NULL,
  delivery    TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(delivery)),
  enabled     INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
CREATE INDEX alerts_by_user ON alerts(user_id);
)sql";

Status Exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db);
    sqlite3_free(err);
    return Status::IOError("metadata db: " + msg);
  }
  return Status::Ok();
}

}  // namespace

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> kAll = {
      {1, "sources, groups, users, user_groups, source_grants, alerts", kMigration1},
  };
  return kAll;
}

Result<int> AppliedSchemaVersion(sqlite3* db) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", -1, &stmt,
                         nullptr) != SQLITE_OK) {
    return Status::IOError(std::string("metadata db: ") + sqlite3_errmsg(db));
  }
  int version = 0;
  int rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW) version = sqlite3_column_int(stmt, 0);
  sqlite3_finalize(stmt);
  if (rc != SQLITE_ROW) return Status::IOError(std::string("metadata db: ") + sqlite3_errmsg(db));
  return version;
}

Status ApplyMigrations(sqlite3* db) {
  if (Status s = Exec(db,
                      "CREATE TABLE IF NOT EXISTS schema_migrations ("
                      " version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
      !s.ok()) {
    return s;
  }
  auto current = AppliedSchemaVersion(db);
  if (!current.ok()) return current.status();
  const int latest = Migrations().empty() ? 0 : Migrations().back().version;
  if (*current > latest) {
    return Status::Unsupported("metadata db is at schema version " + std::to_string(*current) +
                               ", newer than this build knows (" + std::to_string(latest) + ")");
  }
  for (const Migration& m : Migrations()) {
    if (m.version <= *current) continue;
    // IMMEDIATE takes the write lock up front, so two processes never both apply a migration.
    if (Status s = Exec(db, "BEGIN IMMEDIATE"); !s.ok()) return s;
    Status s = Exec(db, m.sql);
    if (s.ok()) {
      s = Exec(db, "INSERT INTO schema_migrations(version, applied_at) VALUES (" +
                       std::to_string(m.version) + ", " +
                       std::to_string(static_cast<long long>(std::time(nullptr))) + ")");
    }
    if (s.ok()) s = Exec(db, "COMMIT");
    if (!s.ok()) {
      (void)Exec(db, "ROLLBACK");
      return Status(s.code(), "migration " + std::to_string(m.version) + " (" + m.description +
                                  "): " + s.message());
    }
  }
  return Status::Ok();
}

}  // namespace dateline
