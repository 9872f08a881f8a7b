#pragma once

#include "storage/audit_log.h"
#include "storage/database.h"

namespace kb::storage {

class SqliteAuditLog final : public AuditLog {
 public:
  // REQUIRES: `db` outlives the log.
  explicit SqliteAuditLog(Database& db) : db_(db) {}

  Result<uint64_t> Append(AuditRecord record) override;
  Result<std::vector<AuditRecord>> Read(uint64_t after, size_t limit) override;
  Result<AuditVerification> Verify() override;

  // Appends within the caller's transaction. REQUIRES: lock held and a transaction open.
  Result<uint64_t> AppendLocked(AuditRecord record);

 private:
  Database& db_;
};

}  // namespace kb::storage
