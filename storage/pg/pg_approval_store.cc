#include "storage/pg/pg_approval_store.h"

#include <algorithm>
#include <cctype>
#include <tuple>

#include "storage/approval_sql.h"
#include "storage/pg/pg_unit_of_work.h"

namespace kb::storage {
namespace {

// A statement of approval_sql.h for PostgreSQL: ?N becomes $N. `count` is the highest N, the
// number of parameters PostgreSQL expects (it refuses a statement given more or fewer).
struct PgSql {
  std::string text;
  int count = 0;
};

PgSql ToPg(const char* sqlite_sql) {
  PgSql out;
  for (const char* p = sqlite_sql; *p != '\0'; ++p) {
    if (*p != '?') {
      out.text += *p;
      continue;
    }
    out.text += '$';
    int n = 0;
    while (std::isdigit(static_cast<unsigned char>(p[1])) != 0) {
      out.text += *++p;
      n = n * 10 + (*p - '0');
    }
    out.count = std::max(out.count, n);
  }
  return out;
}

// $1 = name and $2 = version, as many as the statement has.
PgParams SubjectParams(const PgSql& sql, const ApprovalSubject& subject) {
  PgParams params;
  if (sql.count >= 1) params.Add(subject.name);
  if (sql.count >= 2) params.Add(int64_t(subject.version));
  return params;
}

// kNotFound / kConflict as Approve.
Status CheckPending(PgConnection& c, const ApprovalSubject& subject) {
  PgSql sql = ToPg(ApprovalSqlFor(subject.kind).state);
  auto row = c.Exec(sql.text, SubjectParams(sql, subject), "approval state");
  if (!row) return std::move(row).error();
  if (row->rows() == 0) {
    return Error{ErrorCode::kNotFound, "no " + DescribeApprovalSubject(subject)};
  }
  std::string state = row->Text(0, 0);
  if (state != "pending") {
    return Error{ErrorCode::kConflict, DescribeApprovalSubject(subject) + " is " + state};
  }
  return Ok();
}

Status Activate(PgConnection& c, const ApprovalSubject& subject) {
  for (const char* statement : ApprovalSqlFor(subject.kind).activate) {
    if (statement == nullptr) break;
    PgSql sql = ToPg(statement);
    if (auto r = c.Command(sql.text, SubjectParams(sql, subject),
                           "activate " + DescribeApprovalSubject(subject));
        !r) {
      return std::move(r).error();
    }
  }
  return Ok();
}

Result<std::vector<std::string>> ApproversOn(PgConnection& c, const ApprovalSubject& subject) {
  PgParams params;
  params.Add(ApprovalKindName(subject.kind)).Add(subject.name).Add(int64_t(subject.version));
  auto rows = c.Exec(
      "SELECT principal FROM approvals WHERE kind = $1 AND name = $2 AND version = $3 "
      "ORDER BY at, principal COLLATE \"C\"",
      params, "load approvals");
  if (!rows) return std::move(rows).error();
  std::vector<std::string> out;
  for (int i = 0; i < rows->rows(); ++i) out.push_back(rows->Text(i, 0));
  return out;
}

}  // namespace

Result<ApprovalResult> PgApprovalStore::Approve(Tx& tx, const ApprovalSubject& subject,
                                                std::string_view principal, int required, Time now,
                                                AuditRecord audit) {
  ApprovalResult result;
  // Check pending, insert, count, activate: a read-then-write that stays correct across
  // replicas because `tx` holds the write lock (PgDatabase::kWriteLock) from its BEGIN. Two
  // admins approving through two replicas at once are serialized: the second one's count
  // includes the first one's committed approval, and the second one to reach the quorum finds
  // the subject no longer pending. The two-person rule holds without SQLite's process mutex.
  auto change = [&](PgConnection& c, AuditRecord& row) -> Status {
    if (auto s = CheckPending(c, subject); !s) return s;
    PgParams approval;
    approval.Add(ApprovalKindName(subject.kind)).Add(subject.name).Add(int64_t(subject.version));
    approval.Add(principal).Add(now);
    auto inserted = c.Command(
        "INSERT INTO approvals (kind, name, version, principal, at) VALUES ($1, $2, $3, $4, $5) "
        "ON CONFLICT DO NOTHING",
        approval, "insert approval");
    if (!inserted) return std::move(inserted).error();
    if (*inserted == 0) {
      return Error{ErrorCode::kConflict, std::string(principal) + " already approved " +
                                             DescribeApprovalSubject(subject)};
    }
    auto approvers = ApproversOn(c, subject);
    if (!approvers) return std::move(approvers).error();
    result.approvals = int(approvers->size());
    result.activated = result.approvals >= required;
    result.approvers = std::move(*approvers);
    if (result.activated) {
      if (auto s = Activate(c, subject); !s) return s;
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

Result<std::vector<std::string>> PgApprovalStore::Approvers(const ApprovalSubject& subject) {
  auto c = db_.Acquire();
  if (!c) return std::move(c).error();
  return ApproversOn(**c, subject);
}

Result<std::vector<PendingItem>> PgApprovalStore::Pending(int required) {
  auto c = db_.Acquire();
  if (!c) return std::move(c).error();
  // One snapshot for every query, as SQLite's lock gives: without it, an approval committed
  // between two of them could list a subject with approvers of a later state.
  if (auto s = (*c)->Run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "begin read"); !s) {
    return std::move(s).error();
  }
  auto pending = PendingOn(**c, required);
  Status ended = (*c)->Run(pending ? "COMMIT" : "ROLLBACK", "end read");
  // A connection still in a transaction is dropped when the lease ends, not reused.
  if (!ended) return std::move(ended).error();
  return pending;
}

Result<std::vector<PendingItem>> PgApprovalStore::PendingOn(PgConnection& c, int required) {
  std::vector<PendingItem> out;
  for (const ApprovalKindSql& kind : ApprovalKindsSql()) {
    PgSql sql = ToPg(kind.pending);
    PgParams params;
    if (sql.count >= 1) params.Add(int64_t(required));
    auto rows = c.Exec(sql.text, params, "load pending approvals");
    if (!rows) return std::move(rows).error();
    for (int i = 0; i < rows->rows(); ++i) {
      out.push_back({{kind.kind, rows->Text(i, 0), int(rows->Int(i, 1))}, {}});
    }
  }
  // Sorted here, bytewise, as SqliteApprovalStore sorts: no collation is involved.
  std::sort(out.begin(), out.end(), [](const PendingItem& a, const PendingItem& b) {
    return std::tuple(ApprovalKindName(a.subject.kind), a.subject.name, a.subject.version) <
           std::tuple(ApprovalKindName(b.subject.kind), b.subject.name, b.subject.version);
  });
  for (PendingItem& item : out) {
    auto approvers = ApproversOn(c, item.subject);
    if (!approvers) return std::move(approvers).error();
    item.approvers = std::move(*approvers);
  }
  return out;
}

}  // namespace kb::storage
