#pragma once

// One SQLite database file: opened with WAL, foreign keys on and synchronous=FULL, migrated to
// the current schema at open, and used through prepared statements only.
//
// Thread safety: a Database serialises its statements with an internal mutex. Writes run inside
// a SqliteUnitOfWork (sqlite_unit_of_work.h), which holds the mutex for its whole transaction;
// reads take it for one query.

#include <sqlite3.h>

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "storage/durability.h"
#include "storage/internal/sqlite_ptr.h"

namespace kb::storage {

class AuditSink;  // audit_sink.h
class Database;

// Hands a borrowed statement back to its database's cache (reset, bindings cleared).
struct StatementReturner {
  Database* db;
  StmtPtr* slot;  // the cache's entry for the statement's text; map nodes do not move
  void operator()(sqlite3_stmt* stmt) const;
};
// A prepared statement borrowed from Database::Prepare. REQUIRES: destroyed while the database
// lock is held, like every other use of the statement.
using PreparedStatement = std::unique_ptr<sqlite3_stmt, StatementReturner>;

class Database {
  // The constructor is public for std::make_unique, but only this class can name its tag.
  struct PrivateTag {};

 public:
  // Opens (creating if needed) and migrates to the newest schema. Refuses a database whose
  // schema is newer than this program knows.
  static Result<std::unique_ptr<Database>> Open(const std::string& path,
                                                Durability durability = Durability::kFull);
  // Opens and migrates only up to `schema_version` (tests of migrations on older databases).
  static Result<std::unique_ptr<Database>> OpenAtVersion(const std::string& path,
                                                         int schema_version,
                                                         Durability durability = Durability::kFull);
  // Read-only, without migrating: for inspection (`keybroker audit verify`). Refuses a database
  // whose schema is not the current one.
  static Result<std::unique_ptr<Database>> OpenReadOnly(const std::string& path);

  Database(PrivateTag, SqlitePtr db) : db_(std::move(db)) {}
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  int schema_version() const { return schema_version_; }

  // Holds the database file for this connection alone until it closes, for offline maintenance
  // (`keybroker kek rotate`): no other process can read or write it meanwhile. kConflict at
  // once, without waiting, when another connection has it open (a running broker holds its
  // connection open, so this is how a command finds out that the broker is not stopped).
  // Also turns on secure_delete for this connection: what a maintenance command deletes or
  // overwrites (values sealed under a retired KEK) is zeroed in the file, not left in free pages.
  Status LockExclusively();
  // Copies the WAL into the database file and truncates the WAL to zero bytes, so that no page
  // from before the last commit is left in it. REQUIRES: lock() not held.
  Status CheckpointAndTruncateWal();

  // A prepared statement for one SQL statement, from a cache keyed by the SQL text: each text
  // is compiled once (SQLite recompiles it by itself after a schema change). REQUIRES: the
  // caller holds lock(). A text already borrowed (by an enclosing call) is compiled afresh.
  Result<PreparedStatement> Prepare(std::string_view sql);
  // Runs SQL without parameters, possibly several statements (schema, pragmas). REQUIRES:
  // lock() held.
  Status Exec(const char* sql);
  // Runs one statement without parameters or results through the statement cache
  // (BEGIN/COMMIT on every transaction). REQUIRES: lock() held.
  Status Run(std::string_view statement);
  // kInternal with SQLite's message.
  Error LastError(std::string_view context) const;

  // The sink that every audit row written through this connection also goes to (audit_sink.h),
  // or nullptr (the default): none. REQUIRES: `sink` outlives the database; set before use.
  void set_audit_sink(AuditSink* sink) { audit_sink_ = sink; }
  AuditSink* audit_sink() const { return audit_sink_; }
  // Queues `line` for the sink. The outer Transaction appends its lines to the sink, synced,
  // before COMMIT, and does not commit if that fails; lines staged inside a rolled-back
  // transaction or savepoint are dropped. REQUIRES: lock() held, a transaction open, a sink set.
  void StageSinkLine(std::string line) { staged_lines_.push_back(std::move(line)); }

  // Not recursive: a write inside a unit of work uses the unit's transaction (its Tx) and never
  // takes the lock again.
  std::unique_lock<std::mutex> lock() { return std::unique_lock<std::mutex>(mu_); }
  sqlite3* handle() { return db_.get(); }

 private:
  static Result<std::unique_ptr<Database>> OpenHandle(const std::string& path, int flags);
  Result<int> ReadSchemaVersion();
  Status Migrate(int target_version);

  friend struct StatementReturner;
  void Return(sqlite3_stmt* stmt, StmtPtr& slot);

  SqlitePtr db_;
  std::mutex mu_;
  // Declared after db_: finalized before the connection closes. Guarded by mu_.
  std::map<std::string, StmtPtr, std::less<>> statements_;
  int schema_version_ = 0;
  AuditSink* audit_sink_ = nullptr;
  std::vector<std::string> staged_lines_;  // guarded by mu_; for the open transaction

  friend class Transaction;
};

// BEGIN IMMEDIATE on construction, ROLLBACK on destruction unless Commit() succeeded. Inside an
// open transaction (a unit of work's store writes) it is a SAVEPOINT instead: Commit releases it
// into the outer transaction, destruction rolls back to it; only the outer COMMIT makes anything
// durable. Sink lines staged while it is open (Database::StageSinkLine) are appended to the sink
// before the outer COMMIT, and dropped with whatever rolls back. REQUIRES: the database lock is
// held for the transaction's lifetime.
class Transaction {
 public:
  static Result<Transaction> Begin(Database& db);
  Transaction(Transaction&& other) noexcept
      : db_(other.db_), nested_(other.nested_), staged_mark_(other.staged_mark_) {
    other.db_ = nullptr;
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();
  Status Commit();

 private:
  Transaction(Database* db, bool nested, size_t staged_mark)
      : db_(db), nested_(nested), staged_mark_(staged_mark) {}
  // Appends the staged lines to the sink (one append, one sync) before the outer COMMIT.
  Status FlushStagedLines();
  Database* db_;
  bool nested_;
  size_t staged_mark_;  // staged lines before this transaction began: kept on rollback
};

}  // namespace kb::storage
