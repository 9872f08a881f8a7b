#pragma once

// One change and its audit row in one transaction: both are durable, or neither is.

#include <functional>

#include "common/result.h"
#include "storage/database.h"
#include "storage/sqlite_audit_log.h"

namespace kb::storage::internal {

// Takes the database lock, runs `change` inside BEGIN IMMEDIATE, appends `audit` (which the
// change may complete) and commits. A failed change rolls back and its error is returned; no
// audit row is written for it.
inline Status AuditedChange(Database& db, SqliteAuditLog& log, AuditRecord audit,
                            const std::function<Status(AuditRecord&)>& change) {
  auto lock = db.lock();
  auto tx = Transaction::Begin(db);
  if (!tx) return std::move(tx).error();
  if (auto s = change(audit); !s) return s;
  auto seq = log.AppendLocked(std::move(audit));
  if (!seq) return std::move(seq).error();
  return tx->Commit();
}

}  // namespace kb::storage::internal
