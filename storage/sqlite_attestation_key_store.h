#pragma once

#include "storage/attestation_key_store.h"
#include "storage/database.h"
#include "storage/sqlite_audit_log.h"

namespace kb::storage {

class SqliteAttestationKeyStore final : public AttestationKeyStore {
 public:
  // REQUIRES: `db` and `audit` (over the same database) outlive the store.
  SqliteAttestationKeyStore(Database& db, SqliteAuditLog& audit) : db_(db), audit_(audit) {}

  Status Add(Tx& tx, const AttestationKeyRecord& key, AuditRecord audit) override;
  Result<std::vector<AttestationKeyRecord>> List() override;
  Status Revoke(Tx& tx, std::string_view id, AuditRecord audit) override;

 private:
  Database& db_;
  SqliteAuditLog& audit_;
};

}  // namespace kb::storage
