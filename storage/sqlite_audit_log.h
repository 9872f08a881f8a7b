#pragma once

#include <optional>

#include "storage/audit_log.h"
#include "storage/database.h"

namespace kb::storage {

// Outcome of KeyLegacyChain.
struct AuditRekey {
  uint64_t rows = 0;            // plain SHA-256 rows re-keyed (0: the chain was keyed already)
  Sha256Digest legacy_head{};   // their last SHA-256 value, as recorded in the audit.rekey row
  bool changed_format = false;  // false when the chain was keyed already
};

class SqliteAuditLog final : public AuditLog {
 public:
  // Unkeyed: reads, verifies and appends only while the chain is still plain SHA-256 (offline
  // commands that have no KEK); any write to a keyed chain fails. REQUIRES: `db` outlives it.
  explicit SqliteAuditLog(Database& db) : db_(db) {}
  // Keyed: appends and verifies HMAC-SHA-256 rows, and writes each row to the database's audit
  // sink when it has one. Appending fails until the chain is keyed (KeyLegacyChain).
  SqliteAuditLog(Database& db, AuditChainKey key) : db_(db), key_(std::move(key)) {}

  Result<uint64_t> Append(AuditRecord record) override;
  Result<uint64_t> Append(Tx& tx, AuditRecord record) override;
  Result<std::vector<AuditRecord>> Read(uint64_t after, size_t limit) override;
  // Keyed, a chain still plain SHA-256 fails verification (anyone could have recomputed it);
  // unkeyed, a keyed chain is an error (kInternal: the key is needed).
  Result<AuditVerification> Verify() override;

  // Appends within the caller's transaction, for the release ledger, which holds the lock and
  // its own transaction. REQUIRES: lock held and a transaction open.
  Result<uint64_t> AppendLocked(AuditRecord record);

  // The chain value `record` must carry here: its MAC when keyed, else its SHA-256.
  Result<Sha256Digest> ChainValue(const AuditRecord& record) const;

  // Converts a plain SHA-256 chain to HMAC-SHA-256, in one transaction: verifies it, recomputes
  // every row's values with the key, marks the chain keyed and appends an "audit.rekey" row
  // (actor "keybroker") naming the rows and the old head; with a sink, every re-keyed row goes
  // to it. Refused (kInternal) when the old chain does not verify, and when the sink already
  // holds lines: a keyed broker has written there, so a plain chain now means the database
  // was replaced (a downgrade). A keyed chain is left alone. REQUIRES: keyed.
  Result<AuditRekey> KeyLegacyChain(Time now);

  // Re-keys a keyed chain from `old_key` to this log's key within `tx`, for KEK rotation
  // (`keybroker kek rotate`): verifies every row under `old_key` first and refuses (kInternal,
  // nothing written) a chain that does not verify or is still plain SHA-256; then recomputes
  // every row with this log's key (to the sink too when there is one). Returns the old chain's
  // verification (its rows and head). REQUIRES: keyed.
  Result<AuditVerification> RekeyChain(Tx& tx, AuditChainKey old_key);
  // The last row, or nullopt when the log is empty.
  Result<std::optional<AuditRecord>> Last();
  // Verify(), within `tx` (whose unit of work holds the lock): a check before a commit.
  Result<AuditVerification> Verify(Tx& tx);

 private:
  Result<std::vector<AuditRecord>> ReadLocked(uint64_t after, size_t limit);
  Result<bool> KeyedLocked();
  Status CheckWritableLocked();
  Status LinkToHeadLocked(AuditRecord& record);
  Result<Sha256Digest> ValueOf(const AuditRecord& record, bool keyed) const;
  Result<AuditVerification> VerifyChain(bool keyed);
  Status RekeyRowsLocked();

  Database& db_;
  std::optional<AuditChainKey> key_;
};

}  // namespace kb::storage
