#pragma once

// The two-person rule, as the admin services use it: a change that widens what is released or
// who can act is created pending, together with its author's approval, and takes effect in the
// transaction that records the approval reaching `approvals_required` distinct principals.
// Which roles may approve which kind is the API's job (api/admin_router.cc).

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/admin/principal.h"
#include "common/result.h"
#include "common/time.h"
#include "storage/approval_store.h"
#include "storage/unit_of_work.h"

namespace kb::broker {

struct ApprovalStatus {
  std::vector<std::string> approvers;
  int required = 1;
  bool effective = false;
};

class Quorum {
 public:
  // REQUIRES: `approvals` and `unit_of_work` outlive the quorum; required >= 1.
  Quorum(storage::ApprovalStore& approvals, storage::UnitOfWork& unit_of_work, int required)
      : approvals_(approvals), unit_of_work_(unit_of_work), required_(required) {}

  int required() const { return required_; }

  // `actor`'s approval of `subject`, with an audit row whose action is `action`.
  Result<ApprovalStatus> Approve(const storage::ApprovalSubject& subject, const Principal& actor,
                                 std::string_view action, Time now);

  // `change` (which may complete `subject`, e.g. with a new version) and `actor`'s approval of
  // `subject`, in one transaction, which `change` writes through: the pending subject never
  // exists without its author's approval, and with a quorum of one it takes effect at once.
  Result<ApprovalStatus> ChangeAndApprove(storage::ApprovalSubject& subject, const Principal& actor,
                                          std::string_view action, Time now,
                                          const std::function<Status(storage::Tx&)>& change);

  // The approvals `subject` has so far; `effective` when they reach the quorum.
  Result<ApprovalStatus> Approvals(const storage::ApprovalSubject& subject);

  Result<std::vector<storage::PendingItem>> Pending() { return approvals_.Pending(required_); }

  // For changes that need no approval: they commit with their audit row through
  // storage::CommitWithAudit on this unit of work.
  storage::UnitOfWork& unit_of_work() { return unit_of_work_; }

 private:
  Result<storage::ApprovalResult> Record(storage::Tx& tx, const storage::ApprovalSubject& subject,
                                         const Principal& actor, std::string_view action, Time now);

  storage::ApprovalStore& approvals_;
  storage::UnitOfWork& unit_of_work_;
  int required_;
};

}  // namespace kb::broker
