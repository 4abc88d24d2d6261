// The schema of the metadata database as an ordered list of numbered migrations.
//
// A migration is never edited once released: schema changes are new entries at the end. Each is
// applied once, inside a transaction together with its row in schema_migrations, so a crash
// leaves the database at a whole version.
#pragma once

#include <vector>

#include "core/status.h"

struct sqlite3;

namespace dateline {

struct Migration {
  int version;              // 1, 2, ... without gaps
  const char* description;  // one line, recorded nowhere but useful in logs
  const char* sql;          // one or more statements
};

// All migrations this build knows, by version.
const std::vector<Migration>& Migrations();

// Creates schema_migrations if needed and applies every migration above the recorded version.
// Fails (and leaves the database at the last whole version) if one of them fails, or if the
// database is newer than this build.
Status ApplyMigrations(sqlite3* db);

// The highest version recorded in schema_migrations (0 when none).
Result<int> AppliedSchemaVersion(sqlite3* db);

}  // namespace dateline
