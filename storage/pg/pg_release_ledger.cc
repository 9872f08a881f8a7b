#include "storage/pg/pg_release_ledger.h"

#include "storage/pg/pg_unit_of_work.h"

namespace kb::storage {

Status PgReleaseLedger::IssueNonce(ByteSpan nonce, Time expires_at) {
  if (nonce.size() != kNonceSize) return Error{ErrorCode::kInternal, "nonce must be 32 bytes"};
  auto conn = db_.Acquire();
  if (!conn) return std::move(conn).error();
  PgParams row;
  row.Add(nonce).Add(expires_at);
  auto inserted = (*conn)->Command("INSERT INTO nonces (nonce, expires_at) VALUES ($1, $2)", row,
                                   "issue nonce");
  if (!inserted) return std::move(inserted).error();
  return Ok();
}

Status PgReleaseLedger::Check(PgConnection& conn, ByteSpan nonce, Time now) {
  PgParams key;
  key.Add(nonce);
  auto row = conn.Exec("SELECT expires_at, used_at IS NOT NULL FROM nonces WHERE nonce = $1", key,
                       "check nonce");
  if (!row) return std::move(row).error();
  if (row->rows() == 0) return Error{ErrorCode::kNonceUnknown, "nonce was not issued here"};
  if (row->Int(0, 1) != 0) return Error{ErrorCode::kNonceReplayed, "nonce was already used"};
  if (row->TimeAt(0, 0) < now) return Error{ErrorCode::kNonceExpired, "nonce has expired"};
  return Ok();
}

Status PgReleaseLedger::CheckNonce(ByteSpan nonce, Time now) {
  auto conn = db_.Acquire();
  if (!conn) return std::move(conn).error();
  return Check(**conn, nonce, now);
}

Status PgReleaseLedger::Consume(PgConnection& conn, ByteSpan nonce, Time now) {
  // One statement: only an unused, unexpired nonce is marked. A concurrent UPDATE of the same
  // row from another replica waits for this transaction and then finds used_at set.
  PgParams consume;
  consume.Add(nonce).Add(now);
  auto changed = conn.Command(
      "UPDATE nonces SET used_at = $2 WHERE nonce = $1 AND used_at IS NULL AND expires_at >= $2",
      consume, "consume nonce");
  if (!changed) return std::move(changed).error();
  if (*changed == 1) return Ok();
  auto why = Check(conn, nonce, now);
  return why ? Error{ErrorCode::kNonceReplayed, "nonce was already used"} : std::move(why).error();
}

Result<std::vector<LedgerReceipt>> PgReleaseLedger::CommitAll(std::vector<LedgerEntry> entries) {
  std::vector<LedgerReceipt> receipts;
  auto done = RunWriteTransaction(db_, [&](PgConnection& conn) -> Status {
    receipts.clear();
    receipts.reserve(entries.size());
    for (LedgerEntry& entry : entries) {
      Status consumed = entry.nonce.empty() ? Ok() : Consume(conn, entry.nonce, entry.now);
      if (!consumed && consumed.error().code == ErrorCode::kInternal) return consumed.error();
      auto seq = audit_.AppendOn(conn, entry.audit_row(consumed));
      if (!seq) return std::move(seq).error();
      receipts.push_back(LedgerReceipt{*seq, std::move(consumed)});
    }
    return Ok();
  });
  if (!done) return std::move(done).error();
  return receipts;
}

Result<uint64_t> PgReleaseLedger::PurgeExpired(Time before) {
  auto conn = db_.Acquire();
  if (!conn) return std::move(conn).error();
  PgParams cutoff;
  cutoff.Add(before);
  return (*conn)->Command("DELETE FROM nonces WHERE expires_at < $1", cutoff, "purge nonces");
}

}  // namespace kb::storage
