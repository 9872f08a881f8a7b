#pragma once

// The release ledger on PostgreSQL. A nonce issued through one replica is a row every replica
// sees; consuming it is one conditional UPDATE (`used_at IS NULL AND expires_at >= now`): when
// two replicas race for one nonce, PostgreSQL makes the second UPDATE wait for the first's
// commit and then re-checks the row, so exactly one of them consumes it. A batch consumes its
// nonces and appends its rows in one writing transaction (pg_unit_of_work.h): one commit, one
// WAL flush, per batch and per replica.

#include "storage/pg/pg_audit_log.h"
#include "storage/pg/pg_database.h"
#include "storage/release_ledger.h"

namespace kb::storage {

class PgReleaseLedger final : public ReleaseLedger {
 public:
  // Appends through `audit` (the broker's keyed audit log on `db`). REQUIRES: `db` and `audit`
  // outlive the ledger.
  PgReleaseLedger(PgDatabase& db, PgAuditLog& audit) : db_(db), audit_(audit) {}

  Status IssueNonce(ByteSpan nonce, Time expires_at) override;
  Status CheckNonce(ByteSpan nonce, Time now) override;
  Result<std::vector<LedgerReceipt>> CommitAll(std::vector<LedgerEntry> entries) override;
  Result<uint64_t> PurgeExpired(Time before) override;

 private:
  static Status Check(PgConnection& conn, ByteSpan nonce, Time now);
  static Status Consume(PgConnection& conn, ByteSpan nonce, Time now);

  PgDatabase& db_;
  PgAuditLog& audit_;
};

}  // namespace kb::storage
