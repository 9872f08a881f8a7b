#pragma once

#include "storage/approval_store.h"
#include "storage/pg/pg_audit_log.h"
#include "storage/pg/pg_database.h"

namespace kb::storage {

class PgApprovalStore final : public ApprovalStore {
 public:
  // REQUIRES: `db` and `audit` (over the same database) outlive the store.
  PgApprovalStore(PgDatabase& db, PgAuditLog& audit) : db_(db), audit_(audit) {}

  Result<ApprovalResult> Approve(Tx& tx, const ApprovalSubject& subject, std::string_view principal,
                                 int required, Time now, AuditRecord audit) override;
  Result<std::vector<std::string>> Approvers(const ApprovalSubject& subject) override;
  Result<std::vector<PendingItem>> Pending(int required) override;

 private:
  Result<std::vector<PendingItem>> PendingOn(PgConnection& c, int required);

  PgDatabase& db_;
  PgAuditLog& audit_;
};

}  // namespace kb::storage
