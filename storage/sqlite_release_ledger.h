#pragma once

#include "storage/database.h"
#include "storage/release_ledger.h"
#include "storage/sqlite_audit_log.h"

namespace kb::storage {

class SqliteReleaseLedger final : public ReleaseLedger {
 public:
  // Appends through `audit` (the broker's one audit log on `db`, keyed, with its sink), so a
  // batch's rows reach the sink in one append and one sync. REQUIRES: `db` and `audit` outlive
  // the ledger.
  SqliteReleaseLedger(Database& db, SqliteAuditLog& audit) : SqliteReleaseLedger(db, db, audit) {}
  // CheckNonce reads through `reads` (a second, read-only connection to the same file), so
  // that the early check on the request path never waits for a commit holding `db`.
  SqliteReleaseLedger(Database& db, Database& reads, SqliteAuditLog& audit)
      : db_(db), reads_(reads), audit_(audit) {}

  Status IssueNonce(ByteSpan nonce, Time expires_at) override;
  Status CheckNonce(ByteSpan nonce, Time now) override;
  Result<std::vector<LedgerReceipt>> CommitAll(std::vector<LedgerEntry> entries) override;
  Result<uint64_t> PurgeExpired(Time before) override;

 private:
  // REQUIRES: lock held.
  static Status CheckLocked(Database& db, ByteSpan nonce, Time now);
  Status ConsumeLocked(ByteSpan nonce, Time now);

  Database& db_;
  Database& reads_;
  SqliteAuditLog& audit_;
};

}  // namespace kb::storage
