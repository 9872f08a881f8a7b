#include "storage/audited_change.h"

namespace kb::storage {

Status WithAudit(Tx& tx, AuditLog& log, AuditRecord row, const AuditedWork& change) {
  if (auto s = change(tx, row); !s) return s;
  auto seq = log.Append(tx, std::move(row));
  if (!seq) return std::move(seq).error();
  return Ok();
}

Status CommitWithAudit(UnitOfWork& unit_of_work, AuditLog& log, AuditRecord row,
                       const AuditedWork& change) {
  return unit_of_work.Run([&](Tx& tx) { return WithAudit(tx, log, std::move(row), change); });
}

}  // namespace kb::storage
