#include "storage/sqlite_audit_log.h"

#include "storage/audit_sink.h"
#include "storage/internal/statement.h"
#include "storage/sqlite_unit_of_work.h"

namespace kb::storage {

using internal::Statement;

namespace {

#define KB_AUDIT_ROW_COLUMNS                                                                  \
  "SELECT seq, time, actor, action, key_id, key_version, policy, policy_version, "            \
  "evidence_type, evidence_sha256, claims_sha256, decision, reasons, request_id, prev_hash, " \
  "hash FROM audit_log "
constexpr char kSelectRows[] = KB_AUDIT_ROW_COLUMNS "WHERE seq > ?1 ORDER BY seq LIMIT ?2";
constexpr char kSelectLastRow[] = KB_AUDIT_ROW_COLUMNS "ORDER BY seq DESC LIMIT 1";
#undef KB_AUDIT_ROW_COLUMNS

AuditRecord FromRow(const Statement& r) {
  AuditRecord a;
  a.seq = uint64_t(r.Int(0));
  a.time = r.TimeAt(1);
  a.actor = r.Text(2);
  a.action = r.Text(3);
  a.key_id = r.Text(4);
  a.key_version = uint32_t(r.Int(5));
  a.policy = r.Text(6);
  a.policy_version = uint32_t(r.Int(7));
  a.evidence_type = r.Text(8);
  a.evidence_sha256 = r.Blob(9);
  a.claims_sha256 = r.Blob(10);
  a.decision = r.Text(11);
  a.reasons = r.Text(12);
  a.request_id = r.Text(13);
  Bytes prev = r.Blob(14), hash = r.Blob(15);
  if (prev.size() == 32) std::copy(prev.begin(), prev.end(), a.prev_hash.begin());
  if (hash.size() == 32) std::copy(hash.begin(), hash.end(), a.hash.begin());
  return a;
}

}  // namespace

Result<Sha256Digest> SqliteAuditLog::ChainValue(const AuditRecord& record) const {
  return ValueOf(record, key_.has_value());
}

Result<Sha256Digest> SqliteAuditLog::ValueOf(const AuditRecord& record, bool keyed) const {
  if (keyed) return AuditRowMac(*key_, record);
  return AuditRowHash(record);
}

Result<bool> SqliteAuditLog::KeyedLocked() {
  auto query = db_.Prepare("SELECT format FROM audit_chain WHERE id = 1");
  if (!query) return std::move(query).error();
  Statement row(std::move(*query));
  if (row.Step() != SQLITE_ROW) return db_.LastError("read the audit chain's format");
  return row.Text(0) == "hmac-sha256";
}

// The row's form must be the chain's: a keyless writer must not extend a keyed chain with a
// plain hash (it would break it), and a keyed one waits for the conversion.
Status SqliteAuditLog::CheckWritableLocked() {
  auto keyed = KeyedLocked();
  if (!keyed) return std::move(keyed).error();
  if (*keyed && !key_) return AuditNeedsKeyError();
  if (!*keyed && key_) {
    return Error{ErrorCode::kInternal, "the audit chain is not keyed yet (KeyLegacyChain)"};
  }
  if (db_.audit_sink() != nullptr && !key_) {
    return Error{ErrorCode::kInternal, "an audit sink needs the keyed chain"};
  }
  return Ok();
}

// Fills seq and prev_hash from the last row.
Status SqliteAuditLog::LinkToHeadLocked(AuditRecord& a) {
  auto last = db_.Prepare("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
  if (!last) return std::move(last).error();
  Statement head(std::move(*last));
  int rc = head.Step();
  if (rc == SQLITE_DONE) {
    a.seq = 1;
    a.prev_hash.fill(0);
    return Ok();
  }
  if (rc != SQLITE_ROW) return db_.LastError("read audit head");
  a.seq = uint64_t(head.Int(0)) + 1;
  Bytes prev = head.Blob(1);
  if (prev.size() != 32) return Error{ErrorCode::kInternal, "audit head hash is corrupt"};
  std::copy(prev.begin(), prev.end(), a.prev_hash.begin());
  return Ok();
}

Result<uint64_t> SqliteAuditLog::AppendLocked(AuditRecord a) {
  if (auto s = CheckWritableLocked(); !s) return std::move(s).error();
  if (auto s = LinkToHeadLocked(a); !s) return std::move(s).error();
  auto value = ChainValue(a);
  if (!value) return std::move(value).error();
  a.hash = *value;
  auto insert = db_.Prepare(
      "INSERT INTO audit_log VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
      "?15, ?16)");
  if (!insert) return std::move(insert).error();
  Statement row(std::move(*insert));
  row.Bind(1, int64_t(a.seq)).Bind(2, a.time).Bind(3, a.actor).Bind(4, a.action);
  row.Bind(5, a.key_id).Bind(6, int64_t(a.key_version)).Bind(7, a.policy);
  row.Bind(8, int64_t(a.policy_version)).Bind(9, a.evidence_type);
  row.Bind(10, ByteSpan(a.evidence_sha256)).Bind(11, ByteSpan(a.claims_sha256));
  row.Bind(12, a.decision).Bind(13, a.reasons).Bind(14, a.request_id);
  row.Bind(15, ByteSpan(a.prev_hash)).Bind(16, ByteSpan(a.hash));
  if (row.Step() != SQLITE_DONE) return db_.LastError("append audit row");
  if (db_.audit_sink() != nullptr) db_.StageSinkLine(AuditLine(a));
  return a.seq;
}

Result<uint64_t> SqliteAuditLog::Append(AuditRecord record) {
  auto lock = db_.lock();
  auto tx = Transaction::Begin(db_);
  if (!tx) return std::move(tx).error();
  auto seq = AppendLocked(std::move(record));
  if (!seq) return seq;
  if (auto s = tx->Commit(); !s) return std::move(s).error();
  return seq;
}

Result<uint64_t> SqliteAuditLog::Append(Tx& tx, AuditRecord record) {
  uint64_t seq = 0;
  auto appended = InSavepoint(tx, db_, [&]() -> Status {
    auto appended_seq = AppendLocked(std::move(record));
    if (!appended_seq) return std::move(appended_seq).error();
    seq = *appended_seq;
    return Ok();
  });
  if (!appended) return std::move(appended).error();
  return seq;
}

Result<std::vector<AuditRecord>> SqliteAuditLog::Read(uint64_t after, size_t limit) {
  auto lock = db_.lock();
  return ReadLocked(after, limit);
}

Result<std::vector<AuditRecord>> SqliteAuditLog::ReadLocked(uint64_t after, size_t limit) {
  auto query = db_.Prepare(kSelectRows);
  if (!query) return std::move(query).error();
  Statement rows(std::move(*query));
  rows.Bind(1, int64_t(after)).Bind(2, int64_t(limit));
  std::vector<AuditRecord> out;
  int rc;
  while ((rc = rows.Step()) == SQLITE_ROW) out.push_back(FromRow(rows));
  if (rc != SQLITE_DONE) return db_.LastError("read audit log");
  return out;
}

Result<std::optional<AuditRecord>> SqliteAuditLog::Last() {
  auto lock = db_.lock();
  auto query = db_.Prepare(kSelectLastRow);
  if (!query) return std::move(query).error();
  Statement row(std::move(*query));
  int rc = row.Step();
  if (rc == SQLITE_DONE) return std::optional<AuditRecord>();
  if (rc != SQLITE_ROW) return db_.LastError("read the last audit row");
  return std::optional<AuditRecord>(FromRow(row));
}

Result<AuditVerification> SqliteAuditLog::Verify() {
  auto lock = db_.lock();  // one consistent view: the format and the rows
  auto keyed = KeyedLocked();
  if (!keyed) return std::move(keyed).error();
  if (*keyed && !key_) return AuditNeedsKeyError();
  if (!*keyed && key_) {
    AuditVerification v;
    v.ok = false;
    v.reason =
        "the chain is not keyed (plain SHA-256): whoever can write the database could have "
        "recomputed it; `keybroker serve` keys it at start";
    return v;
  }
  return VerifyChain(*keyed);
}

// Walks every row. REQUIRES: keyed implies key_.
Result<AuditVerification> SqliteAuditLog::VerifyChain(bool keyed) {
  return VerifyAuditRows([&](uint64_t after, size_t limit) { return ReadLocked(after, limit); },
                         [&](const AuditRecord& row) { return ValueOf(row, keyed); }, keyed);
}

Result<AuditRekey> SqliteAuditLog::KeyLegacyChain(Time now) {
  if (!key_) return Error{ErrorCode::kInternal, "re-keying the audit chain needs the key"};
  auto lock = db_.lock();
  auto tx = Transaction::Begin(db_);
  if (!tx) return std::move(tx).error();
  auto keyed = KeyedLocked();
  if (!keyed) return std::move(keyed).error();
  if (*keyed) return AuditRekey{};
  // Downgrade: a keyed broker that ran with this sink wrote lines to it; a plain chain now
  // means the database was replaced, perhaps by one with a forged chain. Re-keying it would
  // make the forgery pass verification.
  if (db_.audit_sink() != nullptr && !db_.audit_sink()->empty()) {
    return Error{ErrorCode::kInternal,
                 "the audit chain in the database is plain SHA-256 but the audit sink already "
                 "holds keyed rows: the database may have been replaced (a forged chain); refusing "
                 "to re-key it. Compare with `keybroker audit verify --against`"};
  }
  auto old = VerifyChain(false);
  if (!old) return std::move(old).error();
  if (!old->ok) {
    return Error{ErrorCode::kInternal, "the plain SHA-256 audit chain is broken at seq " +
                                           std::to_string(old->broken_at) + " (" + old->reason +
                                           "); refusing to key it"};
  }
  auto rekeyed = RekeyRowsLocked();
  if (!rekeyed) return std::move(rekeyed).error();
  if (auto s = db_.Run("UPDATE audit_chain SET format = 'hmac-sha256' WHERE id = 1"); !s)
    return s.error();
  AuditRekey report{old->rows, old->head, true};
  if (report.rows > 0) {
    if (auto seq = AppendLocked(AuditRekeyRecord(report.rows, report.legacy_head, now)); !seq)
      return std::move(seq).error();
  }
  if (auto s = tx->Commit(); !s) return std::move(s).error();
  return report;
}

Result<AuditVerification> SqliteAuditLog::RekeyChain(Tx& tx, AuditChainKey old_key) {
  if (!key_) return Error{ErrorCode::kInternal, "re-keying the audit chain needs the new key"};
  AuditVerification old;
  auto rekeyed = InSavepoint(tx, db_, [&]() -> Status {
    auto keyed = KeyedLocked();
    if (!keyed) return std::move(keyed).error();
    if (!*keyed) {
      return Error{ErrorCode::kInternal,
                   "the audit chain is still plain SHA-256: start `keybroker serve` once with "
                   "the current KEK (it keys the chain), stop it, then rotate"};
    }
    auto verified = SqliteAuditLog(db_, std::move(old_key)).VerifyChain(true);
    if (!verified) return std::move(verified).error();
    if (!verified->ok) {
      return Error{ErrorCode::kInternal,
                   "the audit chain does not verify under the current KEK: broken at seq " +
                       std::to_string(verified->broken_at) + " (" + verified->reason +
                       "); refusing to re-key it. Check it with `keybroker audit verify`"};
    }
    old = *verified;
    return RekeyRowsLocked();
  });
  if (!rekeyed) return std::move(rekeyed).error();
  return old;
}

Result<AuditVerification> SqliteAuditLog::Verify(Tx& tx) {
  AuditVerification v;
  auto checked = InSavepoint(tx, db_, [&]() -> Status {
    auto keyed = KeyedLocked();
    if (!keyed) return std::move(keyed).error();
    if (*keyed && !key_) return AuditNeedsKeyError();
    auto verified = VerifyChain(*keyed && key_);
    if (!verified) return std::move(verified).error();
    v = *verified;
    if (!*keyed && key_) v.ok = false;
    return Ok();
  });
  if (!checked) return std::move(checked).error();
  return v;
}

// Recomputes every row's prev_hash and hash with the key, in order; with a sink, stages each.
Status SqliteAuditLog::RekeyRowsLocked() {
  constexpr size_t kBatch = 1000;
  Sha256Digest prev{};
  uint64_t after = 0;
  while (true) {
    auto batch = ReadLocked(after, kBatch);
    if (!batch) return std::move(batch).error();
    for (AuditRecord& row : *batch) {
      row.prev_hash = prev;
      auto mac = AuditRowMac(*key_, row);
      if (!mac) return std::move(mac).error();
      row.hash = prev = *mac;
      auto update = db_.Prepare("UPDATE audit_log SET prev_hash = ?2, hash = ?3 WHERE seq = ?1");
      if (!update) return std::move(update).error();
      Statement stmt(std::move(*update));
      stmt.Bind(1, int64_t(row.seq)).Bind(2, ByteSpan(row.prev_hash)).Bind(3, ByteSpan(row.hash));
      if (stmt.Step() != SQLITE_DONE) return db_.LastError("re-key audit row");
      if (db_.audit_sink() != nullptr) db_.StageSinkLine(AuditLine(row));
    }
    if (batch->size() < kBatch) return Ok();
    after = batch->back().seq;
  }
}

}  // namespace kb::storage
