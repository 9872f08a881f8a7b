#pragma once

// The one place where a change meets its audit row: every change that the audit log records
// commits together with its row, and a change that fails writes no row. The admin services, the
// key manager, the CLI and the stores all go through these two functions.

#include <functional>

#include "common/result.h"
#include "storage/audit_log.h"
#include "storage/unit_of_work.h"

namespace kb::storage {

// A change that may complete its audit row (a new version number, say) before it is appended.
using AuditedWork = std::function<Status(Tx&, AuditRecord&)>;

// Inside an open transaction: runs `change`, then appends `row` in the same transaction. The
// caller's commit makes both durable; a failed change appends nothing and returns its error.
Status WithAudit(Tx& tx, AuditLog& log, AuditRecord row, const AuditedWork& change);

// Runs `change` and appends `row` in one new transaction of `unit_of_work`: both commit, or
// neither does.
Status CommitWithAudit(UnitOfWork& unit_of_work, AuditLog& log, AuditRecord row,
                       const AuditedWork& change);

}  // namespace kb::storage
