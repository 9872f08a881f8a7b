#pragma once

// KMS grants: a kms-user may call the KMS API only for the operations on the keys it holds an
// active grant for. A grant is created pending (the two-person rule makes it active, see
// approval_store.h) and revoked at once. Key attestation changes: a proposed new value of a
// kms key's attestation_required, applied when approved.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/time.h"
#include "storage/audit_log.h"

namespace kb::storage {

struct KmsGrant {
  std::string id;
  std::string principal;
  std::string key_id;
  std::vector<std::string> operations;  // KMS operation names, e.g. "Decrypt"
  std::string status;                   // "pending" | "active" | "revoked"
  Time created_at{};
  std::string created_by;
  std::optional<Time> revoked_at;
};

struct KeyAttestationChange {
  std::string key_id;
  int version = 0;
  bool attestation_required = true;
  Time created_at{};
  std::string created_by;
  bool applied = false;     // approved, and written to the key
  bool superseded = false;  // a later proposal for the key exists; this one can no longer apply
};

class KmsGrantStore {
 public:
  virtual ~KmsGrantStore() = default;
  // Adds `grant` as pending. kNotFound if the principal or the key does not exist; kConflict if
  // the id is taken. Written in `tx`.
  virtual Status Add(Tx& tx, const KmsGrant& grant) = 0;
  // Revokes a pending or active grant, with `audit`, at once. kNotFound if there is none.
  virtual Status Revoke(Tx& tx, std::string_view id, Time now, AuditRecord audit) = 0;
  virtual Result<KmsGrant> Get(std::string_view id) = 0;
  virtual Result<std::vector<KmsGrant>> List() = 0;
  // True if an active grant gives `principal` `operation` on `key_id`.
  virtual Result<bool> Allows(std::string_view principal, std::string_view key_id,
                              std::string_view operation) = 0;
  // The keys `principal` holds an active grant on, for ListKeys.
  virtual Result<std::vector<std::string>> GrantedKeys(std::string_view principal) = 0;

  // Records a proposed attestation_required for `key_id`; returns its version (1, 2, ...).
  // kKeyNotFound if the key does not exist. Written in `tx`.
  virtual Result<int> ProposeAttestation(Tx& tx, std::string_view key_id, bool required,
                                         std::string_view actor, Time now) = 0;
  virtual Result<std::vector<KeyAttestationChange>> AttestationChanges(std::string_view key_id) = 0;
};

// "Encrypt,Decrypt" ↔ {"Encrypt", "Decrypt"}.
std::string JoinOperations(const std::vector<std::string>& operations);
std::vector<std::string> SplitOperations(std::string_view text);

}  // namespace kb::storage
