#pragma once

// The audit log on PostgreSQL: one chain for every replica. Appends run inside a writing
// transaction, which holds the write lock (PgDatabase::kWriteLock) from its start to its commit,
// so each append reads the head that the last committed append left and no two replicas ever
// extend the same head. Keyed and unkeyed as SqliteAuditLog (sqlite_audit_log.h), with the same
// rows, chain values and sink lines.

#include <optional>

#include "storage/audit_log.h"
#include "storage/pg/pg_database.h"
#include "storage/sqlite_audit_log.h"  // AuditRekey

namespace kb::storage {

class PgAuditLog final : public AuditLog {
 public:
  // Unkeyed: appends and verifies only while the chain is plain SHA-256. REQUIRES: `db`
  // outlives the log.
  explicit PgAuditLog(PgDatabase& db) : db_(db) {}
  // Keyed: appends and verifies HMAC-SHA-256 rows, staging each for the database's audit sink
  // when it has one. Appending fails until the chain is keyed (KeyLegacyChain).
  PgAuditLog(PgDatabase& db, AuditChainKey key) : db_(db), key_(std::move(key)) {}

  Result<uint64_t> Append(AuditRecord record) override;
  Result<uint64_t> Append(Tx& tx, AuditRecord record) override;
  Result<std::vector<AuditRecord>> Read(uint64_t after, size_t limit) override;
  Result<AuditVerification> Verify() override;

  // Appends on `conn`, inside its open writing transaction (the release ledger's batches).
  Result<uint64_t> AppendOn(PgConnection& conn, AuditRecord record);
  // Marks an empty chain keyed (HMAC-SHA-256), once, by whichever broker or command comes first.
  // Unlike SQLite, a plain chain that holds rows is refused, not converted: nothing writes plain
  // rows to PostgreSQL (`admin bootstrap` needs the KEK there), so such rows were written around
  // the broker. (Named as SqliteAuditLog's, for the start-up code both share.) REQUIRES: keyed.
  Result<AuditRekey> KeyLegacyChain(Time now);
  // The last row, or nullopt when the log is empty.
  Result<std::optional<AuditRecord>> Last();
  // The chain value `record` must carry here: its MAC when keyed, else its SHA-256.
  Result<Sha256Digest> ChainValue(const AuditRecord& record) const {
    return ValueOf(record, key_.has_value());
  }

 private:
  Result<bool> Keyed(PgConnection& conn);
  Status CheckWritable(PgConnection& conn);
  Result<std::vector<AuditRecord>> ReadOn(PgConnection& conn, uint64_t after, size_t limit);
  Result<Sha256Digest> ValueOf(const AuditRecord& record, bool keyed) const;
  Result<AuditVerification> VerifyOn(PgConnection& conn, bool keyed);

  PgDatabase& db_;
  std::optional<AuditChainKey> key_;
};

}  // namespace kb::storage
