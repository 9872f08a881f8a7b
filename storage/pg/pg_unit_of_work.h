#pragma once

// The PostgreSQL unit of work: Run leases one connection for the whole of `work`, opens a
// transaction on it, takes the write lock (PgDatabase::kWriteLock) and passes `work` a PgTx
// holding that connection. A store write checks that the Tx it is given is a PgTx of its own
// database and runs as a SAVEPOINT inside it, so that a failed write rolls back only itself, as
// with SQLite (sqlite_unit_of_work.h). Audit-sink lines staged by the transaction are appended
// and synced before COMMIT.

#include <functional>

#include "common/result.h"
#include "storage/audit_log.h"
#include "storage/pg/pg_database.h"
#include "storage/unit_of_work.h"

namespace kb::storage {

class PgTx final : public Tx {
 public:
  // REQUIRES: a transaction is open on `conn` for the PgTx's lifetime.
  PgTx(PgDatabase& db, PgConnection& conn) : db_(db), conn_(conn) {}
  PgDatabase& db() const { return db_; }
  PgConnection& connection() const { return conn_; }

 private:
  PgDatabase& db_;
  PgConnection& conn_;
};

class PgUnitOfWork final : public UnitOfWork {
 public:
  // REQUIRES: `db` outlives the unit of work.
  explicit PgUnitOfWork(PgDatabase& db) : db_(db) {}
  Status Run(const std::function<Status(Tx&)>& work) override;

 private:
  PgDatabase& db_;
};

// Runs `work` in one writing transaction on a leased connection of `db`: BEGIN, the write lock,
// `work`, the staged sink lines, COMMIT; ROLLBACK when anything fails. For the unit of work and
// the release ledger's batches.
Status RunWriteTransaction(PgDatabase& db, const std::function<Status(PgConnection&)>& work);

// Runs `change` as a savepoint of `tx`: kept when it succeeds, rolled back alone when it fails.
// kInternal (and `change` does not run) when `tx` is not a transaction on `db`.
Status InSavepoint(Tx& tx, PgDatabase& db, const std::function<Status(PgConnection&)>& change);

// A store's write that the audit log records: `change` (which may complete `row`) and `row`, as
// one savepoint of `tx`, through WithAudit (audited_change.h).
Status AuditedWrite(Tx& tx, PgDatabase& db, AuditLog& log, AuditRecord row,
                    const std::function<Status(PgConnection&, AuditRecord&)>& change);

}  // namespace kb::storage
