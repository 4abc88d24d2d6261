// A minimal RAII wrapper over sqlite3 prepared statements and write transactions, shared by the
// parts that keep rows in the metadata database (auth/, alerts/). Not thread-safe by itself:
// each user serialises its statements on its own connection.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace dateline::sql {

class Stmt {
 public:
  Stmt(sqlite3* db, std::string_view sql) : db_(db) {
    rc_ = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr);
  }
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& Bind(int i, std::int64_t v) {
    if (ok()) rc_ = sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Stmt& Bind(int i, int v) { return Bind(i, static_cast<std::int64_t>(v)); }
  Stmt& Bind(int i, std::string_view v) {
    if (ok())
      rc_ = sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& Bind(int i, const char* v) { return Bind(i, std::string_view(v)); }
  Stmt& Bind(int i, const std::string& v) { return Bind(i, std::string_view(v)); }
  Stmt& BindNull(int i) {
    if (ok()) rc_ = sqlite3_bind_null(stmt_, i);
    return *this;
  }

  // Makes a prepared statement ready to run again with new bindings (preparing costs far more
  // than running a simple statement; a loop prepares once and resets per row).
  //
  // Also call it once the row a statement stepped to has been read and the connection will
  // write next outside a Transaction. A statement left on a row keeps its read snapshot; if
  // another connection to the database (the server holds several) committed since, SQLite
  // refuses to turn that stale snapshot into a write, with SQLITE_BUSY_SNAPSHOT and no wait.
  Stmt& Reset() {
    if (stmt_ != nullptr) {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
      rc_ = SQLITE_OK;
      done_ = false;
    }
    return *this;
  }

  // True while a row is available; false at the end or on error (see status()).
  bool Step() {
    if (!ok()) return false;
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    rc_ = rc == SQLITE_DONE ? SQLITE_OK : rc;
    done_ = true;
    return false;
  }
  // Runs a statement without results.
  Status Run() {
    while (Step()) {
    }
    return status();
  }

  std::int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::string Text(int col) const {
    const unsigned char* t = sqlite3_column_text(stmt_, col);
    return t ? std::string(reinterpret_cast<const char*>(t),
                           static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string();
  }

  bool ok() const { return rc_ == SQLITE_OK; }
  Status status() const {
    if (ok()) return Status::Ok();
    return Status::IOError(std::string("metadata db: ") + sqlite3_errmsg(db_));
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int rc_ = SQLITE_OK;
  bool done_ = false;
};

inline std::int64_t Changes(sqlite3* db) { return sqlite3_changes(db); }

// A write transaction; rolls back unless Commit() succeeded.
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) {
    began_ = sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK;
  }
  ~Transaction() {
    if (began_ && !committed_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  Status status() const {
    return began_ ? Status::Ok()
                  : Status::IOError(std::string("metadata db: ") + sqlite3_errmsg(db_));
  }
  Status Commit() {
    if (!began_) return status();
    if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
      return Status::IOError(std::string("metadata db: ") + sqlite3_errmsg(db_));
    }
    committed_ = true;
    return Status::Ok();
  }

 private:
  sqlite3* db_;
  bool began_ = false;
  bool committed_ = false;
};

}  // namespace dateline::sql
