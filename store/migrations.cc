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

// Accounts (auth/): 2FA state on users, the 2FA policy on groups, the built-in `everyone` group,
// sessions, recovery codes, API tokens and the append-only audit log. Secrets are stored only as
// SHA-256 hex (sessions, CSRF, tokens, recovery codes) or argon2id (passwords).
constexpr const char* kMigration2 = R"sql(
ALTER TABLE users ADD COLUMN totp_enabled INTEGER NOT NULL DEFAULT 0 CHECK (totp_enabled IN (0, 1));
ALTER TABLE users ADD COLUMN totp_pending_secret TEXT;
ALTER TABLE users ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT -1;
ALTER TABLE users ADD COLUMN password_changed_at INTEGER NOT NULL DEFAULT 0;

ALTER TABLE groups ADD COLUMN requires_2fa INTEGER NOT NULL DEFAULT 0 CHECK (requires_2fa IN (0, 1));
INSERT OR IGNORE INTO groups(name, created_at) VALUES ('everyone', 0);

CREATE TABLE sessions (
  id            TEXT    PRIMARY KEY,            -- first 16 hex digits of token_hash (not secret)
  token_hash    TEXT    NOT NULL UNIQUE,        -- SHA-256 hex of the session token
  user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf_hash     TEXT    NOT NULL,               -- SHA-256 hex of the CSRF token
  created_at    INTEGER NOT NULL,
  last_seen_at  INTEGER NOT NULL,
  address       TEXT    NOT NULL DEFAULT '',
  user_agent    TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX sessions_by_user ON sessions(user_id, created_at);

CREATE TABLE recovery_codes (
  user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  code_hash  TEXT    NOT NULL,                  -- SHA-256 hex of the normalised code
  used_at    INTEGER,
  PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE api_tokens (
  id            TEXT    PRIMARY KEY,            -- first 16 hex digits of token_hash (not secret)
  token_hash    TEXT    NOT NULL UNIQUE,
  user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name          TEXT    NOT NULL,
  prefix        TEXT    NOT NULL,               -- "dl_" + 4 characters, to recognise the token
  scopes        TEXT    NOT NULL,               -- space-separated scope names
  created_at    INTEGER NOT NULL,
  last_used_at  INTEGER
);
CREATE INDEX api_tokens_by_user ON api_tokens(user_id);

CREATE TABLE audit_log (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  at             INTEGER NOT NULL,
  actor_user_id  INTEGER,                       -- no foreign key: the log outlives users
  actor_name     TEXT    NOT NULL DEFAULT '',
  action         TEXT    NOT NULL,
  target         TEXT    NOT NULL DEFAULT '',
  address        TEXT    NOT NULL DEFAULT '',
  detail         TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(detail))
);
CREATE INDEX audit_log_by_action ON audit_log(action, id);
CREATE INDEX audit_log_by_actor ON audit_log(actor_name, id);
CREATE INDEX audit_log_by_at ON audit_log(at);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
)sql";

// Alerts (alerts/): delivery settings and rate-limit state on alerts, the inbox of fired alerts
// (one row per notification: a match, or a digest summarising matches the rate limit held back)
// and the persisted webhook deliveries, so a restart resumes the pending ones.
constexpr const char* kMigration3 = R"sql(
ALTER TABLE alerts ADD COLUMN live INTEGER NOT NULL DEFAULT 1 CHECK (live IN (0, 1));
ALTER TABLE alerts ADD COLUMN webhook_url TEXT;
ALTER TABLE alerts ADD COLUMN webhook_secret TEXT;
ALTER TABLE alerts ADD COLUMN rate_max INTEGER NOT NULL DEFAULT 0 CHECK (rate_max >= 0);
ALTER TABLE alerts ADD COLUMN rate_window_seconds INTEGER NOT NULL DEFAULT 0
  CHECK (rate_window_seconds >= 0);
ALTER TABLE alerts ADD COLUMN cost INTEGER NOT NULL DEFAULT 0;
-- Rate-limit state, written with each notification so a restart does not reset a window.
ALTER TABLE alerts ADD COLUMN window_start INTEGER NOT NULL DEFAULT 0;
ALTER TABLE alerts ADD COLUMN window_sent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE alerts ADD COLUMN suppressed TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(suppressed));
ALTER TABLE alerts ADD COLUMN suppressed_count INTEGER NOT NULL DEFAULT 0;
CREATE INDEX alerts_by_enabled ON alerts(enabled);

CREATE TABLE alert_inbox (
  id             INTEGER PRIMARY KEY,           -- also the paging cursor (newest first)
  alert_id       INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
  user_id        INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  kind           TEXT    NOT NULL CHECK (kind IN ('match', 'digest')),
  story_id       TEXT    NOT NULL DEFAULT '',   -- match only (a digest lists its stories in digest)
  seq            INTEGER NOT NULL DEFAULT 0,
  headline       TEXT    NOT NULL DEFAULT '',
  matched_terms  TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(matched_terms)),
  digest_count   INTEGER NOT NULL DEFAULT 0,    -- digest: matches held back in the window
  digest         TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(digest)),
  fired_at       INTEGER NOT NULL,
  read_at        INTEGER
);
CREATE INDEX alert_inbox_by_user ON alert_inbox(user_id, id);
CREATE INDEX alert_inbox_by_alert ON alert_inbox(alert_id, id);
CREATE INDEX alert_inbox_unread ON alert_inbox(user_id, alert_id) WHERE read_at IS NULL;

CREATE TABLE webhook_deliveries (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,  -- X-Dateline-Delivery, never reused
  alert_id         INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
  user_id          INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  url              TEXT    NOT NULL,
  payload          TEXT    NOT NULL CHECK (json_valid(payload)),
  state            TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  INTEGER NOT NULL,
  last_error       TEXT    NOT NULL DEFAULT '',
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL
);
CREATE INDEX webhook_deliveries_by_state ON webhook_deliveries(state, next_attempt_at);
CREATE INDEX webhook_deliveries_by_user ON webhook_deliveries(user_id, state, id);
)sql";

// Read counts (server/read_counts.h): who opened which story, once per person and story, so
// the most-read ranking survives a restart. A story id is the log's, not a foreign key.
constexpr const char* kMigration4 = R"sql(
CREATE TABLE story_reads (
  story_id       TEXT    NOT NULL,
  user_id        INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  first_read_at  INTEGER NOT NULL,
  PRIMARY KEY (story_id, user_id)
) WITHOUT ROWID;
CREATE INDEX story_reads_by_user ON story_reads(user_id);
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
      {2, "accounts: 2fa, everyone group, sessions, recovery codes, api tokens, audit log",
       kMigration2},
      {3, "alerts: delivery, rate limit, inbox, webhook deliveries", kMigration3},
      {4, "story reads for the most-read ranking", kMigration4},
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
