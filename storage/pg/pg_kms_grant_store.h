#pragma once

#include "storage/kms_grant_store.h"
#include "storage/pg/pg_audit_log.h"
#include "storage/pg/pg_database.h"

namespace kb::storage {

class PgKmsGrantStore final : public KmsGrantStore {
 public:
  // REQUIRES: `db` and `audit` (over the same database) outlive the store.
  PgKmsGrantStore(PgDatabase& db, PgAuditLog& audit) : db_(db), audit_(audit) {}

  Status Add(Tx& tx, const KmsGrant& grant) override;
  Status Revoke(Tx& tx, std::string_view id, Time now, AuditRecord audit) override;
  Result<KmsGrant> Get(std::string_view id) override;
  Result<std::vector<KmsGrant>> List() override;
  Result<bool> Allows(std::string_view principal, std::string_view key_id,
                      std::string_view operation) override;
  Result<std::vector<std::string>> GrantedKeys(std::string_view principal) override;
  Result<int> ProposeAttestation(Tx& tx, std::string_view key_id, bool required,
                                 std::string_view actor, Time now) override;
  Result<std::vector<KeyAttestationChange>> AttestationChanges(std::string_view key_id) override;

 private:
  // Every grant (nullopt) or the one with `id`, in order of creation.
  Result<std::vector<KmsGrant>> Load(std::optional<std::string_view> id);

  PgDatabase& db_;
  PgAuditLog& audit_;
};

}  // namespace kb::storage
