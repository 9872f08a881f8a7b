#pragma once

#include "storage/access_key_store.h"
#include "storage/database.h"
#include "storage/sqlite_audit_log.h"

namespace kb::storage {

class SqliteAccessKeyStore final : public AccessKeyStore {
 public:
  // REQUIRES: `db` and `audit` (over the same database) outlive the store.
  SqliteAccessKeyStore(Database& db, SqliteAuditLog& audit) : db_(db), audit_(audit) {}

  Status Add(Tx& tx, const AccessKeyRecord& key, AuditRecord audit) override;
  Result<AccessKeyRecord> Get(std::string_view id) override;
  Result<std::vector<AccessKeyRecord>> List() override;
  Status Revoke(Tx& tx, std::string_view id, Time now, AuditRecord audit) override;

 private:
  Result<std::vector<AccessKeyRecord>> Load(std::optional<std::string_view> id);

  Database& db_;
  SqliteAuditLog& audit_;
};

}  // namespace kb::storage
