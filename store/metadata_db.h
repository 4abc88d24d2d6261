// MetadataDb: the SQLite database (WAL mode) for accounts, sources, alerts and everything else
// that is not a story. The schema is created and upgraded by numbered migrations
// (store/migrations.cc), each applied once inside a transaction and recorded in schema_migrations.
#pragma once

#include <memory>
#include <string>

#include "core/status.h"

struct sqlite3;

namespace dateline {

class MetadataDb {
 public:
  // Opens or creates `path`, enables WAL and foreign keys, applies pending migrations.
  static Result<std::unique_ptr<MetadataDb>> Open(const std::string& path);
  ~MetadataDb();
  MetadataDb(const MetadataDb&) = delete;
  MetadataDb& operator=(const MetadataDb&) = delete;

  int SchemaVersion() const;          // the highest applied migration
  static int LatestSchemaVersion();   // the highest migration this build knows
  sqlite3* handle() const { return db_; }

  // Runs SQL without results (for migrations and tests).
  Status Exec(const std::string& sql);

  // Turns off SQLite's automatic WAL checkpoint for this connection: its commits never stop to
  // fsync the database file. A WalCheckpointer must then run (store/wal_checkpointer.h); the
  // last connection to close checkpoints what is left.
  Status LeaveCheckpointsToBackground() { return Exec("PRAGMA wal_autocheckpoint=0"); }

 private:
  explicit MetadataDb(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

}  // namespace dateline
