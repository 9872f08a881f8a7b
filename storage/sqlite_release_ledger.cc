#include "storage/sqlite_release_ledger.h"

#include "common/result.h"
#include "storage/internal/statement.h"

namespace kb::storage {

using internal::Statement;

Status SqliteReleaseLedger::IssueNonce(ByteSpan nonce, Time expires_at) {
  if (nonce.size() != kNonceSize) return Error{ErrorCode::kInternal, "nonce must be 32 bytes"};
  auto lock = db_.lock();
  auto insert = db_.Prepare("INSERT INTO nonces (nonce, expires_at) VALUES (?1, ?2)");
  if (!insert) return std::move(insert).error();
  Statement row(std::move(*insert));
  row.Bind(1, nonce).Bind(2, expires_at);
  if (row.Step() != SQLITE_DONE) return db_.LastError("issue nonce");
  return Ok();
}

Status SqliteReleaseLedger::CheckLocked(Database& db, ByteSpan nonce, Time now) {
  auto query = db.Prepare("SELECT expires_at, used_at IS NOT NULL FROM nonces WHERE nonce = ?1");
  if (!query) return std::move(query).error();
  Statement row(std::move(*query));
  row.Bind(1, nonce);
  int rc = row.Step();
  if (rc == SQLITE_DONE) return Error{ErrorCode::kNonceUnknown, "nonce was not issued here"};
  if (rc != SQLITE_ROW) return db.LastError("check nonce");
  if (row.Int(1) != 0) return Error{ErrorCode::kNonceReplayed, "nonce was already used"};
  if (row.TimeAt(0) < now) return Error{ErrorCode::kNonceExpired, "nonce has expired"};
  return Ok();
}

Status SqliteReleaseLedger::CheckNonce(ByteSpan nonce, Time now) {
  auto lock = reads_.lock();
  return CheckLocked(reads_, nonce, now);
}

Status SqliteReleaseLedger::ConsumeLocked(ByteSpan nonce, Time now) {
  // One statement: only an unused, unexpired nonce is marked, so two requests racing with the
  // same nonce cannot both succeed.
  auto update = db_.Prepare(
      "UPDATE nonces SET used_at = ?2 WHERE nonce = ?1 AND used_at IS NULL AND expires_at >= ?2");
  if (!update) return std::move(update).error();
  Statement row(std::move(*update));
  row.Bind(1, nonce).Bind(2, now);
  if (row.Step() != SQLITE_DONE) return db_.LastError("consume nonce");
  if (sqlite3_changes(db_.handle()) == 1) return Ok();
  auto why = CheckLocked(db_, nonce, now);
  return why ? Error{ErrorCode::kNonceReplayed, "nonce was already used"} : std::move(why).error();
}

Result<std::vector<LedgerReceipt>> SqliteReleaseLedger::CommitAll(
    std::vector<LedgerEntry> entries) {
  auto lock = db_.lock();
  auto tx = Transaction::Begin(db_);
  if (!tx) return std::move(tx).error();
  std::vector<LedgerReceipt> receipts;
  receipts.reserve(entries.size());
  for (LedgerEntry& entry : entries) {
    Status consumed = entry.nonce.empty() ? Ok() : ConsumeLocked(entry.nonce, entry.now);
    if (!consumed && consumed.error().code == ErrorCode::kInternal) return consumed.error();
    auto seq = audit_.AppendLocked(entry.audit_row(consumed));
    if (!seq) return std::move(seq).error();
    receipts.push_back(LedgerReceipt{*seq, std::move(consumed)});
  }
  if (auto s = tx->Commit(); !s) return std::move(s).error();
  return receipts;
}

Result<uint64_t> SqliteReleaseLedger::PurgeExpired(Time before) {
  auto lock = db_.lock();
  auto del = db_.Prepare("DELETE FROM nonces WHERE expires_at < ?1");
  if (!del) return std::move(del).error();
  Statement row(std::move(*del));
  row.Bind(1, before);
  if (row.Step() != SQLITE_DONE) return db_.LastError("purge nonces");
  return uint64_t(sqlite3_changes(db_.handle()));
}

}  // namespace kb::storage
