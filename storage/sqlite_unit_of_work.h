#pragma once

// The SQLite unit of work: Run holds the database's mutex and a BEGIN IMMEDIATE transaction for
// the whole of `work`, and passes it a SqliteTx naming the database. A store write checks that
// the Tx it is given is a SqliteTx of its own database, and runs as a SAVEPOINT inside it, so
// that a failed write rolls back only itself (its caller decides whether the unit fails).

#include <functional>

#include "common/result.h"
#include "storage/audit_log.h"
#include "storage/database.h"
#include "storage/unit_of_work.h"

namespace kb::storage {

class SqliteTx final : public Tx {
 public:
  // REQUIRES: `db`'s lock is held and a transaction is open on it for the SqliteTx's lifetime.
  explicit SqliteTx(Database& db) : db_(db) {}
  Database& db() const { return db_; }

 private:
  Database& db_;
};

class SqliteUnitOfWork final : public UnitOfWork {
 public:
  // REQUIRES: `db` outlives the unit of work.
  explicit SqliteUnitOfWork(Database& db) : db_(db) {}
  Status Run(const std::function<Status(Tx&)>& work) override;

 private:
  Database& db_;
};

// Runs `change` as a savepoint of `tx` on `db`: kept when it succeeds, rolled back alone when it
// fails. kInternal (and `change` does not run) when `tx` is not a transaction on `db`.
Status InSavepoint(Tx& tx, Database& db, const std::function<Status()>& change);

// A store's write that the audit log records: `change` (which may complete `row`) and `row`, as
// one savepoint of `tx`, through WithAudit (audited_change.h).
Status AuditedWrite(Tx& tx, Database& db, AuditLog& log, AuditRecord row,
                    const std::function<Status(AuditRecord&)>& change);

}  // namespace kb::storage
