#include "storage/database.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "storage/audit_sink.h"
#include "storage/migrations.h"

namespace kb::storage {
namespace {

// Creates a missing database file empty (a valid empty SQLite database) and readable and
// writable by its owner only, whatever the umask. SQLite's unix VFS gives the -wal and -shm
// files it creates the mode (and owner) of the database file, so they are 0600 too. An existing
// file is left as it is; `keybroker serve` refuses one that others can write.
Status CreateOwnerOnly(const std::string& path) {
  if (path.empty() || path == ":memory:" || path.rfind("file:", 0) == 0) return Ok();
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return Ok();
    return Error{ErrorCode::kInternal, path + ": " + std::strerror(errno)};
  }
  int chmod_rc = ::fchmod(fd, 0600);  // the umask may have narrowed it to something unusable
  if (::close(fd) != 0 || chmod_rc != 0) {
    return Error{ErrorCode::kInternal, path + ": " + std::strerror(errno)};
  }
  return Ok();
}

}  // namespace

Result<std::unique_ptr<Database>> Database::Open(const std::string& path, Durability durability) {
  return OpenAtVersion(path, int(Migrations().size()), durability);
}

Result<std::unique_ptr<Database>> Database::OpenHandle(const std::string& path, int flags) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_FULLMUTEX, nullptr);
  SqlitePtr handle(raw);  // owned even when opening failed
  if (rc != SQLITE_OK) {
    return Error{ErrorCode::kInternal,
                 path + ": " + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc))};
  }
  // Another connection (the read connection beside the writer, an admin command beside the
  // server) may hold a lock briefly: wait for it rather than fail.
  sqlite3_busy_timeout(handle.get(), 5000);
  return std::make_unique<Database>(PrivateTag{}, std::move(handle));
}

Result<std::unique_ptr<Database>> Database::OpenReadOnly(const std::string& path) {
  auto db = OpenHandle(path, SQLITE_OPEN_READONLY);
  if (!db) return db;
  auto lock = (*db)->lock();
  auto version = (*db)->ReadSchemaVersion();
  if (!version) return std::move(version).error();
  if (*version != int(Migrations().size())) {
    return Error{ErrorCode::kInternal, path + ": schema version " + std::to_string(*version) +
                                           " is not the current one; start the server once"};
  }
  (*db)->schema_version_ = *version;
  return db;
}

Result<int> Database::ReadSchemaVersion() {
  auto stmt = Prepare("PRAGMA user_version");
  if (!stmt) return std::move(stmt).error();
  if (sqlite3_step(stmt->get()) != SQLITE_ROW) return LastError("reading user_version");
  return sqlite3_column_int(stmt->get(), 0);
}

Result<std::unique_ptr<Database>> Database::OpenAtVersion(const std::string& path,
                                                          int schema_version,
                                                          Durability durability) {
  if (auto s = CreateOwnerOnly(path); !s) return std::move(s).error();
  auto opened = OpenHandle(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (!opened) return opened;
  std::unique_ptr<Database> db = std::move(*opened);
  auto lock = db->lock();
  // WAL lets readers run beside the writer; FULL makes every commit durable before it returns.
  const char* sync =
      durability == Durability::kFull ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL";
  for (const char* pragma : {"PRAGMA journal_mode = WAL", sync, "PRAGMA foreign_keys = ON"}) {
    if (auto s = db->Exec(pragma); !s) return std::move(s).error();
  }
  if (auto s = db->Migrate(schema_version); !s) return std::move(s).error();
  return db;
}

Status Database::Migrate(int target_version) {
  auto version = ReadSchemaVersion();
  if (!version) return std::move(version).error();
  schema_version_ = *version;
  auto migrations = Migrations();
  if (schema_version_ > int(migrations.size())) {
    return Error{ErrorCode::kInternal, "database schema version " +
                                           std::to_string(schema_version_) +
                                           " is newer than this keybroker knows"};
  }
  while (schema_version_ < target_version) {
    auto tx = Transaction::Begin(*this);
    if (!tx) return std::move(tx).error();
    // Another process (a server starting beside `keybroker admin bootstrap`) may have migrated
    // between our read and our write lock: read again under the lock.
    auto current = ReadSchemaVersion();
    if (!current) return std::move(current).error();
    if (*current > schema_version_) {
      schema_version_ = *current;
      continue;
    }
    if (auto s = Exec(migrations[schema_version_]); !s) return s;
    // user_version takes no bound parameter; the value is our own integer.
    std::string bump = "PRAGMA user_version = " + std::to_string(schema_version_ + 1);
    if (auto s = Exec(bump.c_str()); !s) return s;
    if (auto s = tx->Commit(); !s) return s;
    ++schema_version_;
  }
  return Ok();
}

Result<PreparedStatement> Database::Prepare(std::string_view sql) {
  auto slot = statements_.find(sql);
  if (slot == statements_.end()) slot = statements_.emplace(std::string(sql), nullptr).first;
  if (slot->second) return PreparedStatement(slot->second.release(), {this, &slot->second});
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_.get(), sql.data(), int(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                         nullptr) != SQLITE_OK) {
    return LastError("prepare");
  }
  return PreparedStatement(stmt, {this, &slot->second});
}

void Database::Return(sqlite3_stmt* stmt, StmtPtr& slot) {
  // The borrower holds the lock (PreparedStatement's contract).
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  if (slot) {
    sqlite3_finalize(stmt);  // the text was borrowed twice at once; one copy is enough
  } else {
    slot.reset(stmt);
  }
}

void StatementReturner::operator()(sqlite3_stmt* stmt) const { db->Return(stmt, *slot); }

Status Database::Exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : "unknown error";
    sqlite3_free(message);
    return Error{ErrorCode::kInternal, "sqlite: " + text};
  }
  return Ok();
}

Status Database::LockExclusively() {
  auto held = lock();
  // A WAL connection keeps a shared lock on the file while it is open: EXCLUSIVE mode's first
  // transaction then fails at once (no busy wait) while any other connection exists.
  sqlite3_busy_timeout(db_.get(), 0);
  Status exclusive =
      Exec("PRAGMA locking_mode = EXCLUSIVE; PRAGMA secure_delete = ON; BEGIN EXCLUSIVE; COMMIT;");
  sqlite3_busy_timeout(db_.get(), 5000);
  if (exclusive) return Ok();
  (void)Exec("PRAGMA locking_mode = NORMAL");
  return Error{ErrorCode::kConflict,
               "the database is in use by another process (" + exclusive.error().message +
                   "): stop the broker first (systemctl stop keybroker), then run this again"};
}

Status Database::CheckpointAndTruncateWal() {
  auto held = lock();
  return Exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

Status Database::Run(std::string_view statement) {
  auto stmt = Prepare(statement);
  if (!stmt) return std::move(stmt).error();
  if (sqlite3_step(stmt->get()) != SQLITE_DONE) return LastError(statement);
  return Ok();
}

Error Database::LastError(std::string_view context) const {
  return Error{ErrorCode::kInternal,
               "sqlite " + std::string(context) + ": " + sqlite3_errmsg(db_.get())};
}

Result<Transaction> Transaction::Begin(Database& db) {
  bool nested = sqlite3_get_autocommit(db.handle()) == 0;
  if (auto s = db.Run(nested ? "SAVEPOINT nested" : "BEGIN IMMEDIATE"); !s) {
    return std::move(s).error();
  }
  return Transaction(&db, nested, db.staged_lines_.size());
}

Transaction::~Transaction() {
  if (db_ == nullptr) return;
  db_->staged_lines_.resize(staged_mark_);  // their rows roll back: they never took effect
  if (nested_) {
    (void)db_->Run("ROLLBACK TO nested");
    (void)db_->Run("RELEASE nested");
  } else {
    (void)db_->Run("ROLLBACK");
  }
}

Status Transaction::FlushStagedLines() {
  std::vector<std::string>& lines = db_->staged_lines_;
  if (lines.empty()) return Ok();
  if (db_->audit_sink_ == nullptr) {
    return Error{ErrorCode::kInternal, "audit lines were staged without a sink"};
  }
  return db_->audit_sink_->Append(lines);
}

Status Transaction::Commit() {
  if (nested_) {
    Database* db = db_;
    db_ = nullptr;
    return db->Run("RELEASE nested");
  }
  // The sink first: a row whose line is not durable outside the database must not commit. On
  // failure the destructor rolls back (and drops the lines).
  if (auto s = FlushStagedLines(); !s) return s;
  Database* db = db_;
  db_ = nullptr;
  db->staged_lines_.clear();
  auto committed = db->Run("COMMIT");
  if (!committed) (void)db->Run("ROLLBACK");  // a failed COMMIT can leave the transaction open
  return committed;
}

}  // namespace kb::storage
