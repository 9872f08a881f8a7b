#pragma once

#include "storage/approval_store.h"
#include "storage/database.h"
#include "storage/sqlite_audit_log.h"

namespace kb::storage {

class SqliteApprovalStore final : public ApprovalStore {
 public:
  // REQUIRES: `db` and `audit` (over the same database) outlive the store.
  SqliteApprovalStore(Database& db, SqliteAuditLog& audit) : db_(db), audit_(audit) {}

  Result<ApprovalResult> Approve(Tx& tx, const ApprovalSubject& subject, std::string_view principal,
                                 int required, Time now, AuditRecord audit) override;
  Result<std::vector<std::string>> Approvers(const ApprovalSubject& subject) override;
  Result<std::vector<PendingItem>> Pending(int required) override;

 private:
  // REQUIRES: lock held. kNotFound / kConflict as Approve.
  Status CheckPending(const ApprovalSubject& subject);
  Result<std::vector<std::string>> ApproversLocked(const ApprovalSubject& subject);
  Status Activate(const ApprovalSubject& subject);

  Database& db_;
  SqliteAuditLog& audit_;
};

}  // namespace kb::storage
