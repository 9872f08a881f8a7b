#pragma once

#include "storage/access_key_store.h"
#include "storage/pg/pg_audit_log.h"
#include "storage/pg/pg_database.h"

namespace kb::storage {

class PgAccessKeyStore final : public AccessKeyStore {
 public:
  // REQUIRES: `db` and `audit` (over the same database) outlive the store.
  PgAccessKeyStore(PgDatabase& db, PgAuditLog& audit) : db_(db), audit_(audit) {}

  Status Add(Tx& tx, const AccessKeyRecord& key, AuditRecord audit) override;
  Result<AccessKeyRecord> Get(std::string_view id) override;
  Result<std::vector<AccessKeyRecord>> List() override;
  Status Revoke(Tx& tx, std::string_view id, Time now, AuditRecord audit) override;

 private:
  PgDatabase& db_;
  PgAuditLog& audit_;
};

}  // namespace kb::storage
