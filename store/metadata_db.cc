#include "store/metadata_db.h"

#include <sqlite3.h>

#include "store/migrations.h"

namespace dateline {

Result<std::unique_ptr<MetadataDb>> MetadataDb::Open(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                           nullptr);
  // The object owns the handle from here on, even when open failed (sqlite3 wants it closed).
  std::unique_ptr<MetadataDb> db(new MetadataDb(raw));
  if (rc != SQLITE_OK) {
    return Status::IOError("metadata db " + path + ": " +
                           (raw ? sqlite3_errmsg(raw) : "out of memory"));
  }
  sqlite3_busy_timeout(raw, 5000);
  // WAL lets readers run while a writer commits; NORMAL sync is durable enough in WAL mode
  // for metadata (a crash may lose the last commit, never corrupt the database).
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL",
                             "PRAGMA foreign_keys=ON"}) {
    if (Status s = db->Exec(pragma); !s.ok()) return s;
  }
  if (Status s = ApplyMigrations(raw); !s.ok()) return s;
  return db;
}

MetadataDb::~MetadataDb() {
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

int MetadataDb::SchemaVersion() const {
  auto v = AppliedSchemaVersion(db_);
  return v.ok() ? *v : 0;
}

int MetadataDb::LatestSchemaVersion() {
  return Migrations().empty() ? 0 : Migrations().back().version;
}

Status MetadataDb::Exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    return Status::IOError("metadata db: " + msg);
  }
  return Status::Ok();
}

}  // namespace dateline
