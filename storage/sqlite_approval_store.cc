#include "storage/sqlite_approval_store.h"

#include "storage/internal/audited_change.h"
#include "storage/internal/statement.h"

namespace kb::storage {

using internal::Statement;

std::string_view ApprovalKindName(ApprovalKind kind) {
  switch (kind) {
    case ApprovalKind::kReference:
      return "reference";
    case ApprovalKind::kPolicy:
      return "policy";
    case ApprovalKind::kAttestationKey:
      return "ak";
  }
  return "ak";
}

namespace {

std::string Describe(const ApprovalSubject& s) {
  std::string out = std::string(ApprovalKindName(s.kind)) + " " + s.name;
  if (s.kind == ApprovalKind::kPolicy) out += " version " + std::to_string(s.version);
  return out;
}

// The subject's state: "pending", "effective", or "" when it does not exist.
constexpr char kStateSql[] = R"sql(
SELECT CASE
  WHEN ?1 = 'reference' THEN (SELECT CASE WHEN status = 'active' AND approved = 0 THEN 'pending'
                                          ELSE status END
                              FROM reference_measurements WHERE name = ?2)
  WHEN ?1 = 'ak' THEN (SELECT status FROM attestation_keys WHERE id = ?2)
  ELSE (SELECT CASE WHEN a.version IS NOT NULL THEN 'active' ELSE 'pending' END
        FROM policy_versions v LEFT JOIN active_policies a ON a.name = v.name AND
             a.version = v.version
        WHERE v.name = ?2 AND v.version = ?3)
END
)sql";

}  // namespace

Status SqliteApprovalStore::CheckPending(const ApprovalSubject& subject, int required) {
  auto query = db_.Prepare(kStateSql);
  if (!query) return std::move(query).error();
  Statement row(std::move(*query));
  row.Bind(1, ApprovalKindName(subject.kind)).Bind(2, subject.name);
  row.Bind(3, int64_t(subject.version));
  if (row.Step() != SQLITE_ROW) return db_.LastError("approval state");
  if (row.IsNull(0)) return Error{ErrorCode::kNotFound, "no " + Describe(subject)};
  std::string state = row.Text(0);
  if (state != "pending") return Error{ErrorCode::kConflict, Describe(subject) + " is " + state};
  if (subject.kind == ApprovalKind::kPolicy) {
    auto approvers = ApproversLocked(subject);
    if (!approvers) return std::move(approvers).error();
    if (int(approvers->size()) >= required) {
      return Error{ErrorCode::kConflict, Describe(subject) + " is already approved"};
    }
  }
  return Ok();
}

Status SqliteApprovalStore::Activate(const ApprovalSubject& subject) {
  const char* sql = nullptr;
  switch (subject.kind) {
    case ApprovalKind::kReference:
      sql = "UPDATE reference_measurements SET approved = 1 WHERE name = ?1";
      break;
    case ApprovalKind::kAttestationKey:
      sql = "UPDATE attestation_keys SET status = 'active' WHERE id = ?1";
      break;
    case ApprovalKind::kPolicy:
      sql =
          "INSERT INTO active_policies (name, version) VALUES (?1, ?2) "
          "ON CONFLICT (name) DO UPDATE SET version = excluded.version";
      break;
  }
  auto update = db_.Prepare(sql);
  if (!update) return std::move(update).error();
  Statement row(std::move(*update));
  row.Bind(1, subject.name);
  if (subject.kind == ApprovalKind::kPolicy) row.Bind(2, int64_t(subject.version));
  if (row.Step() != SQLITE_DONE) return db_.LastError("activate " + Describe(subject));
  return Ok();
}

Result<ApprovalResult> SqliteApprovalStore::Approve(const ApprovalSubject& subject,
                                                    std::string_view principal, int required,
                                                    Time now, AuditRecord audit) {
  ApprovalResult result;
  auto change = [&](AuditRecord& row) -> Status {
    if (auto s = CheckPending(subject, required); !s) return s;
    auto insert = db_.Prepare(
        "INSERT INTO approvals (kind, name, version, principal, at) VALUES (?1, ?2, ?3, ?4, ?5) "
        "ON CONFLICT DO NOTHING");
    if (!insert) return std::move(insert).error();
    Statement ins(std::move(*insert));
    ins.Bind(1, ApprovalKindName(subject.kind)).Bind(2, subject.name);
    ins.Bind(3, int64_t(subject.version)).Bind(4, principal).Bind(5, now);
    if (ins.Step() != SQLITE_DONE) return db_.LastError("insert approval");
    if (sqlite3_changes(db_.handle()) == 0) {
      return Error{ErrorCode::kConflict,
                   std::string(principal) + " already approved " + Describe(subject)};
    }
    auto approvers = ApproversLocked(subject);
    if (!approvers) return std::move(approvers).error();
    result.approvals = int(approvers->size());
    result.activated = result.approvals >= required;
    if (result.activated) {
      if (auto s = Activate(subject); !s) return s;
    }
    row.reasons = Describe(subject) + ": approvals " + std::to_string(result.approvals) + "/" +
                  std::to_string(required) + (result.activated ? ", now effective" : "");
    return Ok();
  };
  if (auto s = internal::AuditedChange(db_, audit_, std::move(audit), change); !s) {
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
  auto query = db_.Prepare(R"sql(
SELECT 'reference', name, 0 FROM reference_measurements WHERE status = 'active' AND approved = 0
UNION ALL
SELECT 'ak', id, 0 FROM attestation_keys WHERE status = 'pending'
UNION ALL
SELECT 'policy', v.name, v.version FROM policy_versions v
  LEFT JOIN active_policies a ON a.name = v.name AND a.version = v.version
  WHERE a.name IS NULL AND (SELECT count(*) FROM approvals p WHERE p.kind = 'policy' AND
                            p.name = v.name AND p.version = v.version) < ?1
ORDER BY 1, 2, 3
)sql");
  if (!query) return std::move(query).error();
  Statement rows(std::move(*query));
  rows.Bind(1, int64_t(required));
  std::vector<PendingItem> out;
  int rc;
  while ((rc = rows.Step()) == SQLITE_ROW) {
    std::string kind = rows.Text(0);
    ApprovalKind k = kind == "reference" ? ApprovalKind::kReference
                     : kind == "ak"      ? ApprovalKind::kAttestationKey
                                         : ApprovalKind::kPolicy;
    out.push_back({{k, rows.Text(1), int(rows.Int(2))}, {}});
  }
  if (rc != SQLITE_DONE) return db_.LastError("load pending approvals");
  for (PendingItem& item : out) {
    auto approvers = ApproversLocked(item.subject);
    if (!approvers) return std::move(approvers).error();
    item.approvers = std::move(*approvers);
  }
  return out;
}

}  // namespace kb::storage
