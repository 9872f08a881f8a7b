#pragma once

// KMS access keys (AWS SigV4 credentials) of principals. SigV4 needs the secret itself to
// recompute a signature, so it is stored sealed under the KEK (bound to the key id), never in
// the clear and never hashed. Every change is appended to the audit log in the same transaction.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/result.h"
#include "common/time.h"
#include "storage/audit_log.h"

namespace kb::storage {

struct AccessKeyRecord {
  std::string id;  // the access key id a client sends in its Credential
  std::string principal;
  Bytes secret_sealed;
  Time created_at{};
  std::optional<Time> revoked_at;
  bool approved = true;  // false: issued for another principal, waiting for its approvals
};

class AccessKeyStore {
 public:
  virtual ~AccessKeyStore() = default;
  // kNotFound if the principal does not exist; kConflict if the id does.
  virtual Status Add(Tx& tx, const AccessKeyRecord& key, AuditRecord audit) = 0;
  // kNotFound if absent.
  virtual Result<AccessKeyRecord> Get(std::string_view id) = 0;
  // Every key, without the sealed secrets.
  virtual Result<std::vector<AccessKeyRecord>> List() = 0;
  // kNotFound if absent; revoking twice keeps the first time.
  virtual Status Revoke(Tx& tx, std::string_view id, Time now, AuditRecord audit) = 0;
};

}  // namespace kb::storage
