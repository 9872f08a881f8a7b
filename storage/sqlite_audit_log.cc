#include "storage/sqlite_audit_log.h"

#include <openssl/sha.h>

#include "common/ct.h"
#include "storage/internal/statement.h"

namespace kb::storage {

using internal::Statement;

namespace {

// Canonical encoding: fixed field order, big-endian integers, length-prefixed strings and
// blobs, so that no two different rows encode alike.
class Canonical {
 public:
  void U64(uint64_t v) {
    for (int shift = 56; shift >= 0; shift -= 8) out_.push_back(uint8_t(v >> shift));
  }
  void Field(ByteSpan bytes) {
    U64(bytes.size());
    out_.insert(out_.end(), bytes.begin(), bytes.end());
  }
  void Field(const std::string& text) { Field(AsBytes(text)); }
  const Bytes& bytes() const { return out_; }

 private:
  Bytes out_;
};

constexpr char kSelectRows[] =
    "SELECT seq, time, actor, action, key_id, key_version, policy, policy_version, "
    "evidence_type, evidence_sha256, claims_sha256, decision, reasons, request_id, prev_hash, "
    "hash FROM audit_log WHERE seq > ?1 ORDER BY seq LIMIT ?2";

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

Sha256Digest AuditRowHash(const AuditRecord& a) {
  Canonical c;
  c.Field(std::string("keybroker-audit-v1"));
  c.Field(a.prev_hash);
  c.U64(a.seq);
  c.U64(uint64_t(a.time.time_since_epoch().count()));
  for (const std::string* s : {&a.actor, &a.action, &a.key_id}) c.Field(*s);
  c.U64(a.key_version);
  c.Field(a.policy);
  c.U64(a.policy_version);
  c.Field(a.evidence_type);
  c.Field(a.evidence_sha256);
  c.Field(a.claims_sha256);
  for (const std::string* s : {&a.decision, &a.reasons, &a.request_id}) c.Field(*s);
  return Sha256(c.bytes());
}

Result<uint64_t> SqliteAuditLog::AppendLocked(AuditRecord a) {
  auto last = db_.Prepare("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
  if (!last) return std::move(last).error();
  Statement head(std::move(*last));
  int rc = head.Step();
  if (rc == SQLITE_ROW) {
    a.seq = uint64_t(head.Int(0)) + 1;
    Bytes prev = head.Blob(1);
    if (prev.size() != 32) return Error{ErrorCode::kInternal, "audit head hash is corrupt"};
    std::copy(prev.begin(), prev.end(), a.prev_hash.begin());
  } else if (rc == SQLITE_DONE) {
    a.seq = 1;
    a.prev_hash.fill(0);
  } else {
    return db_.LastError("read audit head");
  }
  a.hash = AuditRowHash(a);
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

Result<std::vector<AuditRecord>> SqliteAuditLog::Read(uint64_t after, size_t limit) {
  auto lock = db_.lock();
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

Result<AuditVerification> SqliteAuditLog::Verify() {
  constexpr size_t kBatch = 1000;
  AuditVerification v;
  Sha256Digest expected_prev{};
  uint64_t after = 0;
  while (true) {
    auto batch = Read(after, kBatch);
    if (!batch) return std::move(batch).error();
    for (const AuditRecord& row : *batch) {
      auto fail = [&](std::string reason) {
        v.ok = false;
        v.broken_at = row.seq;
        v.reason = std::move(reason);
        return v;
      };
      if (row.seq != v.rows + 1) return fail("sequence gap before this row");
      if (!CtEqual(row.prev_hash, expected_prev)) return fail("prev_hash does not chain");
      if (!CtEqual(AuditRowHash(row), row.hash)) return fail("row hash does not match its fields");
      expected_prev = row.hash;
      ++v.rows;
    }
    if (batch->size() < kBatch) break;
    after = batch->back().seq;
  }
  v.head = expected_prev;
  return v;
}

}  // namespace kb::storage
