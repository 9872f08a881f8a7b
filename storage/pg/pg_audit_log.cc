#include "storage/pg/pg_audit_log.h"

#include "storage/audit_sink.h"
#include "storage/pg/pg_unit_of_work.h"

namespace kb::storage {
namespace {

#define KB_AUDIT_ROW_COLUMNS                                                                  \
  "SELECT seq, time, actor, action, key_id, key_version, policy, policy_version, "            \
  "evidence_type, evidence_sha256, claims_sha256, decision, reasons, request_id, prev_hash, " \
  "hash FROM audit_log "
constexpr char kSelectRows[] = KB_AUDIT_ROW_COLUMNS "WHERE seq > $1 ORDER BY seq LIMIT $2";
constexpr char kSelectLastRow[] = KB_AUDIT_ROW_COLUMNS "ORDER BY seq DESC LIMIT 1";
#undef KB_AUDIT_ROW_COLUMNS

void CopyDigest(const Bytes& from, Sha256Digest& to) {
  if (from.size() == to.size()) std::copy(from.begin(), from.end(), to.begin());
}

AuditRecord FromRow(const PgResult& r, int i) {
  AuditRecord a;
  a.seq = uint64_t(r.Int(i, 0));
  a.time = r.TimeAt(i, 1);
  a.actor = r.Text(i, 2);
  a.action = r.Text(i, 3);
  a.key_id = r.Text(i, 4);
  a.key_version = uint32_t(r.Int(i, 5));
  a.policy = r.Text(i, 6);
  a.policy_version = uint32_t(r.Int(i, 7));
  a.evidence_type = r.Text(i, 8);
  a.evidence_sha256 = r.Blob(i, 9);
  a.claims_sha256 = r.Blob(i, 10);
  a.decision = r.Text(i, 11);
  a.reasons = r.Text(i, 12);
  a.request_id = r.Text(i, 13);
  CopyDigest(r.Blob(i, 14), a.prev_hash);
  CopyDigest(r.Blob(i, 15), a.hash);
  return a;
}

}  // namespace

Result<Sha256Digest> PgAuditLog::ValueOf(const AuditRecord& record, bool keyed) const {
  if (keyed) return AuditRowMac(*key_, record);
  return AuditRowHash(record);
}

Result<bool> PgAuditLog::Keyed(PgConnection& conn) {
  auto format = conn.Exec("SELECT format FROM audit_chain WHERE id = 1", "read the chain's format");
  if (!format) return std::move(format).error();
  if (format->rows() != 1) return Error{ErrorCode::kInternal, "audit_chain has no row"};
  return format->Text(0, 0) == "hmac-sha256";
}

// As SqliteAuditLog: the row's form must be the chain's.
Status PgAuditLog::CheckWritable(PgConnection& conn) {
  auto keyed = Keyed(conn);
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

Result<uint64_t> PgAuditLog::AppendOn(PgConnection& conn, AuditRecord a) {
  if (auto s = CheckWritable(conn); !s) return std::move(s).error();
  // Fields may carry bytes a client sent (an unknown evidence member, a KMS blob's key id) that
  // TEXT cannot hold: escaped before the chain value, so the row, its MAC and its sink line
  // agree, and one such request cannot fail the batch it was committed with.
  for (std::string* field : {&a.actor, &a.action, &a.key_id, &a.policy, &a.evidence_type,
                             &a.decision, &a.reasons, &a.request_id}) {
    if (!IsPgText(*field)) *field = PgSafeText(*field);
  }
  // The head the last committed append left: the write lock this transaction holds keeps every
  // other replica from appending until it commits.
  auto head = conn.Exec("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", "read head");
  if (!head) return std::move(head).error();
  a.seq = head->rows() == 0 ? 1 : uint64_t(head->Int(0, 0)) + 1;
  a.prev_hash.fill(0);
  if (head->rows() == 1) {
    Bytes prev = head->Blob(0, 1);
    if (prev.size() != 32) return Error{ErrorCode::kInternal, "audit head hash is corrupt"};
    CopyDigest(prev, a.prev_hash);
  }
  auto value = ValueOf(a, key_.has_value());
  if (!value) return std::move(value).error();
  a.hash = *value;
  PgParams row;
  row.Add(int64_t(a.seq)).Add(a.time).Add(a.actor).Add(a.action).Add(a.key_id);
  row.Add(int64_t(a.key_version)).Add(a.policy).Add(int64_t(a.policy_version));
  row.Add(a.evidence_type).Add(ByteSpan(a.evidence_sha256)).Add(ByteSpan(a.claims_sha256));
  row.Add(a.decision).Add(a.reasons).Add(a.request_id);
  row.Add(ByteSpan(a.prev_hash)).Add(ByteSpan(a.hash));
  if (auto r = conn.Command(
          "INSERT INTO audit_log VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, "
          "$14, $15, $16)",
          row, "append audit row");
      !r) {
    return std::move(r).error();
  }
  if (db_.audit_sink() != nullptr) conn.staged_sink_lines().push_back(AuditLine(a));
  return a.seq;
}

Result<uint64_t> PgAuditLog::Append(AuditRecord record) {
  uint64_t seq = 0;
  auto done = RunWriteTransaction(db_, [&](PgConnection& conn) -> Status {
    auto appended = AppendOn(conn, std::move(record));
    if (!appended) return std::move(appended).error();
    seq = *appended;
    return Ok();
  });
  if (!done) return std::move(done).error();
  return seq;
}

Result<uint64_t> PgAuditLog::Append(Tx& tx, AuditRecord record) {
  uint64_t seq = 0;
  auto done = InSavepoint(tx, db_, [&](PgConnection& conn) -> Status {
    auto appended = AppendOn(conn, std::move(record));
    if (!appended) return std::move(appended).error();
    seq = *appended;
    return Ok();
  });
  if (!done) return std::move(done).error();
  return seq;
}

Result<std::vector<AuditRecord>> PgAuditLog::ReadOn(PgConnection& conn, uint64_t after,
                                                    size_t limit) {
  PgParams range;
  range.Add(int64_t(after)).Add(int64_t(limit));
  auto rows = conn.Exec(kSelectRows, range, "read audit log");
  if (!rows) return std::move(rows).error();
  std::vector<AuditRecord> out;
  out.reserve(size_t(rows->rows()));
  for (int i = 0; i < rows->rows(); ++i) out.push_back(FromRow(*rows, i));
  return out;
}

Result<std::vector<AuditRecord>> PgAuditLog::Read(uint64_t after, size_t limit) {
  auto conn = db_.Acquire();
  if (!conn) return std::move(conn).error();
  return ReadOn(**conn, after, limit);
}

Result<std::optional<AuditRecord>> PgAuditLog::Last() {
  auto conn = db_.Acquire();
  if (!conn) return std::move(conn).error();
  auto row = (*conn)->Exec(kSelectLastRow, "read the last audit row");
  if (!row) return std::move(row).error();
  if (row->rows() == 0) return std::optional<AuditRecord>();
  return std::optional<AuditRecord>(FromRow(*row, 0));
}

Result<AuditVerification> PgAuditLog::VerifyOn(PgConnection& conn, bool keyed) {
  return VerifyAuditRows([&](uint64_t after, size_t limit) { return ReadOn(conn, after, limit); },
                         [&](const AuditRecord& row) { return ValueOf(row, keyed); }, keyed);
}

Result<AuditVerification> PgAuditLog::Verify() {
  auto lease = db_.Acquire();
  if (!lease) return std::move(lease).error();
  PgConnection& conn = **lease;
  // One snapshot for the format and every batch of rows, while other replicas keep appending.
  if (auto s = conn.Run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "begin"); !s)
    return s.error();
  auto verified = [&]() -> Result<AuditVerification> {
    auto keyed = Keyed(conn);
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
    return VerifyOn(conn, *keyed);
  }();
  (void)conn.Run("COMMIT", "end");
  return verified;
}

Result<AuditRekey> PgAuditLog::KeyLegacyChain(Time) {
  if (!key_) return Error{ErrorCode::kInternal, "keying the audit chain needs the key"};
  AuditRekey report;
  auto done = RunWriteTransaction(db_, [&](PgConnection& conn) -> Status {
    auto keyed = Keyed(conn);
    if (!keyed) return std::move(keyed).error();
    if (*keyed) return Ok();  // another replica, or an earlier start, did it
    auto rows = conn.Exec("SELECT count(*) FROM audit_log", "count audit rows");
    if (!rows) return std::move(rows).error();
    // A PostgreSQL chain is keyed while it is empty (`admin bootstrap` needs the KEK here): a
    // plain chain with rows was written around the broker, and keying it would make a forged
    // history verify.
    if (rows->Int(0, 0) > 0) {
      return Error{ErrorCode::kInternal,
                   "the audit chain in the database is plain SHA-256 and holds " +
                       std::to_string(rows->Int(0, 0)) +
                       " row(s): on PostgreSQL no broker or command writes such rows, so they "
                       "were written around the broker; refusing to key them. Restore the "
                       "database from a backup and check it with `keybroker audit verify`"};
    }
    report.changed_format = true;
    return conn.Run("UPDATE audit_chain SET format = 'hmac-sha256' WHERE id = 1", "key the chain");
  });
  if (!done) return std::move(done).error();
  return report;
}

}  // namespace kb::storage
