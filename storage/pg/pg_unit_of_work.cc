#include "storage/pg/pg_unit_of_work.h"

#include "storage/audit_sink.h"
#include "storage/audited_change.h"

namespace kb::storage {
namespace {

// Appends the transaction's staged lines to the sink, synced: a row whose line is not durable
// outside the database must not commit.
Status FlushStagedLines(PgDatabase& db, PgConnection& conn) {
  std::vector<std::string>& lines = conn.staged_sink_lines();
  if (lines.empty()) return Ok();
  if (db.audit_sink() == nullptr) {
    return Error{ErrorCode::kInternal, "audit lines were staged without a sink"};
  }
  return db.audit_sink()->Append(lines);
}

}  // namespace

Status RunWriteTransaction(PgDatabase& db, const std::function<Status(PgConnection&)>& work) {
  auto lease = db.Acquire();
  if (!lease) return std::move(lease).error();
  PgConnection& conn = **lease;
  conn.staged_sink_lines().clear();
  if (auto s = conn.Run("BEGIN", "begin"); !s) return s;
  PgParams lock;
  lock.Add(PgDatabase::kWriteLock);
  Status done = Ok();
  if (auto r = conn.Exec("SELECT pg_advisory_xact_lock($1)", lock, "take the write lock"); !r) {
    done = std::move(r).error();
  }
  if (done) done = work(conn);
  if (done) done = FlushStagedLines(db, conn);
  conn.staged_sink_lines().clear();
  if (done) done = conn.Run("COMMIT", "commit");
  // After a failure, or a COMMIT that failed and left the transaction open; a connection that is
  // gone is dropped when the lease ends.
  if (conn.in_transaction()) (void)conn.Run("ROLLBACK", "rollback");
  return done;
}

Status PgUnitOfWork::Run(const std::function<Status(Tx&)>& work) {
  return RunWriteTransaction(db_, [&](PgConnection& conn) {
    PgTx tx(db_, conn);
    return work(tx);
  });
}

Status InSavepoint(Tx& tx, PgDatabase& db, const std::function<Status(PgConnection&)>& change) {
  auto* pg = dynamic_cast<PgTx*>(&tx);
  if (pg == nullptr || &pg->db() != &db) {
    return Error{ErrorCode::kInternal, "a write was given a transaction of another database"};
  }
  PgConnection& conn = pg->connection();
  size_t staged = conn.staged_sink_lines().size();
  if (auto s = conn.Run("SAVEPOINT kb_write", "savepoint"); !s) return s;
  Status done = change(conn);
  if (done) return conn.Run("RELEASE SAVEPOINT kb_write", "release savepoint");
  conn.staged_sink_lines().resize(staged);
  if (auto s = conn.Run("ROLLBACK TO SAVEPOINT kb_write; RELEASE SAVEPOINT kb_write",
                        "roll back savepoint");
      !s) {
    return s;
  }
  return done;
}

Status AuditedWrite(Tx& tx, PgDatabase& db, AuditLog& log, AuditRecord row,
                    const std::function<Status(PgConnection&, AuditRecord&)>& change) {
  return InSavepoint(tx, db, [&](PgConnection& conn) {
    return WithAudit(tx, log, std::move(row), [&](Tx&, AuditRecord& r) { return change(conn, r); });
  });
}

}  // namespace kb::storage
