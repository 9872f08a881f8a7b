#include "broker/admin/quorum.h"

#include "broker/admin/internal/admin_audit.h"

namespace kb::broker {

Result<storage::ApprovalResult> Quorum::Record(storage::Tx& tx,
                                               const storage::ApprovalSubject& subject,
                                               const Principal& actor, std::string_view action,
                                               Time now) {
  return approvals_.Approve(tx, subject, actor.name, required_, now,
                            internal::AdminAudit(action, actor.name, now, ""));
}

Result<ApprovalStatus> Quorum::Approve(const storage::ApprovalSubject& subject,
                                       const Principal& actor, std::string_view action, Time now) {
  storage::ApprovalResult result;
  auto done = unit_of_work_.Run([&](storage::Tx& tx) -> Status {
    auto approved = Record(tx, subject, actor, action, now);
    if (!approved) return std::move(approved).error();
    result = std::move(*approved);
    return Ok();
  });
  if (!done) return std::move(done).error();
  return ApprovalStatus{std::move(result.approvers), required_, result.activated};
}

Result<ApprovalStatus> Quorum::ChangeAndApprove(storage::ApprovalSubject& subject,
                                                const Principal& actor, std::string_view action,
                                                Time now,
                                                const std::function<Status(storage::Tx&)>& change) {
  storage::ApprovalResult result;
  auto done = unit_of_work_.Run([&](storage::Tx& tx) -> Status {
    if (auto s = change(tx); !s) return s;
    auto approved = Record(tx, subject, actor, action, now);
    if (!approved) return std::move(approved).error();
    result = std::move(*approved);
    return Ok();
  });
  if (!done) return std::move(done).error();
  return ApprovalStatus{std::move(result.approvers), required_, result.activated};
}

Result<ApprovalStatus> Quorum::Approvals(const storage::ApprovalSubject& subject) {
  auto approvers = approvals_.Approvers(subject);
  if (!approvers) return std::move(approvers).error();
  bool effective = int(approvers->size()) >= required_;
  return ApprovalStatus{std::move(*approvers), required_, effective};
}

}  // namespace kb::broker
