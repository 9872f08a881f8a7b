#include "storage/sqlite_unit_of_work.h"

#include "storage/audited_change.h"

namespace kb::storage {

Status SqliteUnitOfWork::Run(const std::function<Status(Tx&)>& work) {
  auto lock = db_.lock();
  auto tx = Transaction::Begin(db_);
  if (!tx) return std::move(tx).error();
  SqliteTx handle(db_);
  if (auto s = work(handle); !s) return s;
  return tx->Commit();
}

Status InSavepoint(Tx& tx, Database& db, const std::function<Status()>& change) {
  auto* sqlite = dynamic_cast<SqliteTx*>(&tx);
  if (sqlite == nullptr || &sqlite->db() != &db) {
    return Error{ErrorCode::kInternal, "a write was given a transaction of another database"};
  }
  auto savepoint = Transaction::Begin(db);
  if (!savepoint) return std::move(savepoint).error();
  if (auto s = change(); !s) return s;
  return savepoint->Commit();
}

Status AuditedWrite(Tx& tx, Database& db, AuditLog& log, AuditRecord row,
                    const std::function<Status(AuditRecord&)>& change) {
  return InSavepoint(tx, db, [&] {
    return WithAudit(tx, log, std::move(row), [&](Tx&, AuditRecord& r) { return change(r); });
  });
}

}  // namespace kb::storage
