#pragma once

// The audit log: every release decision and every key change, append-only and hash-chained.
// Row n stores hash_n = SHA-256(canonical(row n) with prev_hash = hash_{n-1}); the first row's
// prev_hash is 32 zero bytes. Removing, reordering or editing any row breaks the chain from
// there on, which Verify() reports. Rows hold ids and digests, never key material or tokens.

#include <cstdint>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/digest.h"
#include "common/result.h"
#include "common/time.h"

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
  Sha256Digest prev_hash{};
  Sha256Digest hash{};
};

// The chain hash of `record` (all fields but `hash`, including seq and prev_hash).
Sha256Digest AuditRowHash(const AuditRecord& record);

struct AuditVerification {
  bool ok = true;
  uint64_t rows = 0;
  uint64_t broken_at = 0;  // seq of the first row that does not chain, when !ok
  std::string reason;
  Sha256Digest head{};  // hash of the last row
};

class AuditLog {
 public:
  virtual ~AuditLog() = default;
  // Appends durably (the transaction has committed when this returns); returns the seq.
  virtual Result<uint64_t> Append(AuditRecord record) = 0;
  // Up to `limit` rows with seq > `after`, in order.
  virtual Result<std::vector<AuditRecord>> Read(uint64_t after, size_t limit) = 0;
  virtual Result<AuditVerification> Verify() = 0;
};

}  // namespace kb::storage
