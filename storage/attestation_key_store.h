#pragma once

// TPM attestation keys registered through the admin API. A key is pending until approved (the
// two-person rule, through ApprovalStore), then active; revocation is immediate.

#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/result.h"
#include "common/time.h"
#include "storage/audit_log.h"

namespace kb::storage {

struct AttestationKeyRecord {
  std::string id;                  // "ak:" + hex SHA-256 of the SubjectPublicKeyInfo
  Bytes public_key;                // as registered: PEM text or TPM2B_PUBLIC
  std::string status = "pending";  // "pending" | "active" | "revoked"
  std::string description;
  Time created_at{};
  std::string created_by;
};

class AttestationKeyStore {
 public:
  virtual ~AttestationKeyStore() = default;
  // Adds a pending key. kConflict if the id exists (a revoked key stays revoked).
  virtual Status Add(Tx& tx, const AttestationKeyRecord& key, AuditRecord audit) = 0;
  virtual Result<std::vector<AttestationKeyRecord>> List() = 0;
  // kNotFound if absent. Discards the key's approvals.
  virtual Status Revoke(Tx& tx, std::string_view id, AuditRecord audit) = 0;
};

}  // namespace kb::storage
