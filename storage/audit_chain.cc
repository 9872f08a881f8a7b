// The audit chain's values and its verification, the same for every backend.

#include "common/encoding.h"
#include "crypto/ct.h"
#include "crypto/keyed_sha256.h"
#include "storage/audit_log.h"

namespace kb::storage {
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

Bytes CanonicalRow(const AuditRecord& a, const std::string& label) {
  Canonical c;
  c.Field(label);
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
  return c.bytes();
}

}  // namespace

Result<AuditChainKey> AuditChainKey::FromBytes(SecretBytes key) {
  if (key.size() != kSize) return Error{ErrorCode::kInternal, "the audit key must be 32 bytes"};
  return AuditChainKey(std::move(key));
}

Result<Sha256Digest> AuditChainKey::Mac(ByteSpan data) const {
  return HmacSha256(key_.span(), data);
}

Sha256Digest AuditRowHash(const AuditRecord& a) {
  return Sha256(CanonicalRow(a, "keybroker-audit-v1"));
}

Result<Sha256Digest> AuditRowMac(const AuditChainKey& key, const AuditRecord& a) {
  return key.Mac(CanonicalRow(a, "keybroker-audit-hmac-v1"));
}

// The record of a conversion, in the chain itself (and in the sink).
AuditRecord AuditRekeyRecord(uint64_t rows, const Sha256Digest& legacy_head, Time now) {
  AuditRecord r;
  r.time = now;
  r.actor = "keybroker";
  r.action = "audit.rekey";
  r.decision = "ok";
  r.reasons = "re-keyed " + std::to_string(rows) +
              " rows from plain SHA-256 to HMAC-SHA-256; plain head " + HexEncode(legacy_head);
  return r;
}

Error AuditNeedsKeyError() {
  return Error{ErrorCode::kInternal,
               "the audit chain is keyed with a key derived from the KEK: give this command the "
               "KEK (--kek FILE)"};
}

Result<AuditVerification> VerifyAuditRows(const AuditBatchReader& read,
                                          const AuditValueOf& value_of, bool keyed) {
  constexpr size_t kBatch = 1000;
  AuditVerification v;
  v.keyed = keyed;
  Sha256Digest expected_prev{};
  uint64_t after = 0;
  while (true) {
    auto batch = read(after, kBatch);
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
      auto value = value_of(row);
      if (!value) return std::move(value).error();
      if (!CtEqual(*value, row.hash)) {
        if (keyed && row.seq == 1) {
          return fail(
              "row MAC does not match its fields: the chain was keyed with another KEK, "
              "or recomputed without the key");
        }
        return fail(keyed ? "row MAC does not match its fields"
                          : "row hash does not match its fields");
      }
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
