#pragma once

// The audit log: every release decision and every key change, append-only and chained.
// Row n stores hash_n = HMAC-SHA-256(K, canonical(row n) with prev_hash = hash_{n-1}), where K
// is derived from the KEK (cli/audit_setup.h); the first row's prev_hash is 32 zero bytes.
// Removing, reordering or editing any row breaks the chain from there on, which Verify()
// reports, and since K is not in the database, whoever can write only the database cannot
// recompute the chain after an edit. Cutting rows off the end leaves a valid chain: the audit
// sink (audit_sink.h) is the outside record that shows it.
//
// Databases written before the chain was keyed hold plain SHA-256 values (hash_n =
// SHA-256(canonical(row n))); the table audit_chain says which format the chain is in, and
// SqliteAuditLog::KeyLegacyChain converts it once. Rows hold ids and digests, never key
// material or tokens.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/result.h"
#include "common/time.h"
#include "crypto/digest.h"
#include "storage/unit_of_work.h"

namespace kb::storage {

struct AuditRecord {
  uint64_t seq = 0;  // assigned by Append: 1, 2, 3, ...
  Time time{};
  std::string actor;   // principal, or "attested:<module_id>" for releases
  std::string action;  // "release", "key.create", "key.rotate", ...
  std::string key_id;
  uint32_t key_version = 0;
  std::string policy;
  uint32_t policy_version = 0;
  std::string evidence_type;
  Bytes evidence_sha256;
  Bytes claims_sha256;
  std::string decision;  // "allow" | "deny" | "ok" | "error"
  std::string reasons;
  std::string request_id;
  Sha256Digest prev_hash{};  // the previous row's chain value
  Sha256Digest hash{};       // this row's chain value: its MAC (or, unkeyed, its SHA-256)
};

// The key of the chain: 32 bytes for HMAC-SHA-256, never stored with the database.
class AuditChainKey {
 public:
  static constexpr size_t kSize = 32;
  // kInternal unless `key` is exactly 32 bytes.
  static Result<AuditChainKey> FromBytes(SecretBytes key);
  Result<Sha256Digest> Mac(ByteSpan data) const;

 private:
  explicit AuditChainKey(SecretBytes key) : key_(std::move(key)) {}
  SecretBytes key_;
};

// The unkeyed (legacy) chain value of `record`: SHA-256 of all fields but `hash`, including
// seq and prev_hash.
Sha256Digest AuditRowHash(const AuditRecord& record);
// The keyed chain value: HMAC-SHA-256 under `key` of the same fields (another domain label).
Result<Sha256Digest> AuditRowMac(const AuditChainKey& key, const AuditRecord& record);

struct AuditVerification {
  bool ok = true;
  bool keyed = false;  // the chain is in HMAC-SHA-256 form (and was checked with the key)
  uint64_t rows = 0;
  uint64_t broken_at = 0;  // seq of the first row that does not chain, when !ok
  std::string reason;
  Sha256Digest head{};  // hash of the last row
};

// Walks a chain in order, `read` giving up to `limit` rows after a seq, checking that seqs run
// 1, 2, 3, ..., that each prev_hash is its predecessor's value and that each row's value is
// `value_of(row)`. The same walk for every backend (storage/audit_chain.cc).
using AuditBatchReader =
    std::function<Result<std::vector<AuditRecord>>(uint64_t after, size_t limit)>;
using AuditValueOf = std::function<Result<Sha256Digest>(const AuditRecord& row)>;
Result<AuditVerification> VerifyAuditRows(const AuditBatchReader& read,
                                          const AuditValueOf& value_of, bool keyed);

// The "audit.rekey" row (actor "keybroker") recording a conversion of `rows` plain SHA-256 rows
// whose last value was `legacy_head`.
AuditRecord AuditRekeyRecord(uint64_t rows, const Sha256Digest& legacy_head, Time now);
// The error of a keyless command on a keyed chain.
Error AuditNeedsKeyError();

class AuditLog {
 public:
  virtual ~AuditLog() = default;
  // Appends durably (in a transaction of its own, committed when this returns); returns the seq.
  virtual Result<uint64_t> Append(AuditRecord record) = 0;
  // Appends within `tx`: durable when the unit of work commits, gone if it rolls back. A change
  // and its row go through WithAudit/CommitWithAudit (audited_change.h), not here directly.
  virtual Result<uint64_t> Append(Tx& tx, AuditRecord record) = 0;
  // Up to `limit` rows with seq > `after`, in order.
  virtual Result<std::vector<AuditRecord>> Read(uint64_t after, size_t limit) = 0;
  virtual Result<AuditVerification> Verify() = 0;
};

}  // namespace kb::storage
