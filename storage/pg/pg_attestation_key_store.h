#pragma once

#include "storage/attestation_key_store.h"
#include "storage/pg/pg_audit_log.h"
#include "storage/pg/pg_database.h"

namespace kb::storage {

class PgAttestationKeyStore final : public AttestationKeyStore {
 public:
  // REQUIRES: `db` and `audit` (over the same database) outlive the store.
  PgAttestationKeyStore(PgDatabase& db, PgAuditLog& audit) : db_(db), audit_(audit) {}

  Status Add(Tx& tx, const AttestationKeyRecord& key, AuditRecord audit) override;
  Result<std::vector<AttestationKeyRecord>> List() override;
  Status Revoke(Tx& tx, std::string_view id, AuditRecord audit) override;

 private:
  PgDatabase& db_;
  PgAuditLog& audit_;
};

}  // namespace kb::storage
