#include "storage/sqlite_approval_store.h"

#include <algorithm>
#include <tuple>

#include "storage/approval_sql.h"
#include "storage/internal/statement.h"
#include "storage/sqlite_unit_of_work.h"

namespace kb::storage {

using internal::Statement;

namespace {

// Binds ?1 = name and ?2 = version where the statement has them.
void BindSubject(Statement& row, sqlite3_stmt* raw, const ApprovalSubject& subject) {
  int count = sqlite3_bind_parameter_count(raw);
  if (count >= 1) row.Bind(1, subject.name);
  if (count >= 2) row.Bind(2, int64_t(subject.version));
}

}  // namespace

Status SqliteApprovalStore::CheckPending(const ApprovalSubject& subject) {
  auto query = db_.Prepare(ApprovalSqlFor(subject.kind).state);
  if (!query) return std::move(query).error();
  sqlite3_stmt* raw = query->get();
  Statement row(std::move(*query));
  BindSubject(row, raw, subject);
  int rc = row.Step();
  if (rc == SQLITE_DONE)
    return Error{ErrorCode::kNotFound, "no " + DescribeApprovalSubject(subject)};
  if (rc != SQLITE_ROW) return db_.LastError("approval state");
  std::string state = row.Text(0);
  if (state != "pending")
    return Error{ErrorCode::kConflict, DescribeApprovalSubject(subject) + " is " + state};
  return Ok();
}

Status SqliteApprovalStore::Activate(const ApprovalSubject& subject) {
  for (const char* sql : ApprovalSqlFor(subject.kind).activate) {
    if (sql == nullptr) break;
    auto update = db_.Prepare(sql);
    if (!update) return std::move(update).error();
    sqlite3_stmt* raw = update->get();
    Statement row(std::move(*update));
    BindSubject(row, raw, subject);
    if (row.Step() != SQLITE_DONE)
      return db_.LastError("activate " + DescribeApprovalSubject(subject));
  }
  return Ok();
}

Result<ApprovalResult> SqliteApprovalStore::Approve(Tx& tx, const ApprovalSubject& subject,
                                                    std::string_view principal, int required,
                                                    Time now, AuditRecord audit) {
  ApprovalResult result;
  auto change = [&](AuditRecord& row) -> Status {
    if (auto s = CheckPending(subject); !s) return s;
    auto insert = db_.Prepare(
        "INSERT INTO approvals (kind, name, version, principal, at) VALUES (?1, ?2, ?3, ?4, ?5) "
        "ON CONFLICT DO NOTHING");
    if (!insert) return std::move(insert).error();
    Statement ins(std::move(*insert));
    ins.Bind(1, ApprovalKindName(subject.kind)).Bind(2, subject.name);
    ins.Bind(3, int64_t(subject.version)).Bind(4, principal).Bind(5, now);
    if (ins.Step() != SQLITE_DONE) return db_.LastError("insert approval");
    if (sqlite3_changes(db_.handle()) == 0) {
      return Error{ErrorCode::kConflict, std::string(principal) + " already approved " +
                                             DescribeApprovalSubject(subject)};
    }
    auto approvers = ApproversLocked(subject);
    if (!approvers) return std::move(approvers).error();
    result.approvals = int(approvers->size());
    result.activated = result.approvals >= required;
    result.approvers = std::move(*approvers);
    if (result.activated) {
      if (auto s = Activate(subject); !s) return s;
    }
    row.reasons = DescribeApprovalSubject(subject) + ": approvals " +
                  std::to_string(result.approvals) + "/" + std::to_string(required) +
                  (result.activated ? ", now effective" : "");
    return Ok();
  };
  if (auto s = AuditedWrite(tx, db_, audit_, std::move(audit), change); !s) {
    return std::move(s).error();
  }
  return result;
}

Result<std::vector<std::string>> SqliteApprovalStore::ApproversLocked(
    const ApprovalSubject& subject) {
  auto query = db_.Prepare(
      "SELECT principal FROM approvals WHERE kind = ?1 AND name = ?2 AND version = ?3 "
      "ORDER BY at, principal");
  if (!query) return std::move(query).error();
  Statement rows(std::move(*query));
  rows.Bind(1, ApprovalKindName(subject.kind)).Bind(2, subject.name);
  rows.Bind(3, int64_t(subject.version));
  std::vector<std::string> out;
  int rc;
  while ((rc = rows.Step()) == SQLITE_ROW) out.push_back(rows.Text(0));
  if (rc != SQLITE_DONE) return db_.LastError("load approvals");
  return out;
}

Result<std::vector<std::string>> SqliteApprovalStore::Approvers(const ApprovalSubject& subject) {
  auto lock = db_.lock();
  return ApproversLocked(subject);
}

Result<std::vector<PendingItem>> SqliteApprovalStore::Pending(int required) {
  auto lock = db_.lock();
  std::vector<PendingItem> out;
  for (const ApprovalKindSql& kind : ApprovalKindsSql()) {
    auto query = db_.Prepare(kind.pending);
    if (!query) return std::move(query).error();
    sqlite3_stmt* raw = query->get();
    Statement rows(std::move(*query));
    if (sqlite3_bind_parameter_count(raw) >= 1) rows.Bind(1, int64_t(required));
    int rc;
    while ((rc = rows.Step()) == SQLITE_ROW) {
      out.push_back({{kind.kind, rows.Text(0), int(rows.Int(1))}, {}});
    }
    if (rc != SQLITE_DONE) return db_.LastError("load pending approvals");
  }
  std::sort(out.begin(), out.end(), [](const PendingItem& a, const PendingItem& b) {
    return std::tuple(ApprovalKindName(a.subject.kind), a.subject.name, a.subject.version) <
           std::tuple(ApprovalKindName(b.subject.kind), b.subject.name, b.subject.version);
  });
  for (PendingItem& item : out) {
    auto approvers = ApproversLocked(item.subject);
    if (!approvers) return std::move(approvers).error();
    item.approvers = std::move(*approvers);
  }
  return out;
}

}  // namespace kb::storage
