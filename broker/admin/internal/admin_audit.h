#pragma once

// The audit row of an admin change: who did what, described in `reasons` (names and ids only,
// never a secret).

#include <string>
#include <string_view>

#include "storage/audit_log.h"

namespace kb::broker::internal {

inline storage::AuditRecord AdminAudit(std::string_view action, std::string_view actor, Time now,
                                       std::string reasons) {
  storage::AuditRecord row;
  row.time = now;
  row.actor = std::string(actor);
  row.action = std::string(action);
  row.decision = "ok";
  row.reasons = std::move(reasons);
  return row;
}

}  // namespace kb::broker::internal
