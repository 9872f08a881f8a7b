#pragma once

// Comparing the audit chain in the database with the audit sink's lines (audit_sink.h): what
// `keybroker audit verify --against FILE` reports. The database's own chain is checked by
// AuditLog::Verify; this finds what the chain alone cannot show: rows cut off the end, and
// rows that differ from what was written at the time.
//
// Rules: every line must parse and carry a valid MAC under the chain key (whoever holds only
// the database cannot write one). For a seq with several lines the last one counts (earlier
// ones were written for a transaction that then failed to commit). Each line's seq must be a
// database row with exactly its fields and MAC. Database rows with no line are not differences:
// they were written while no sink was configured (or by an offline command), and are counted
// separately as not anchored.

#include <optional>
#include <span>
#include <string>

#include "storage/audit_log.h"

namespace kb::storage {

struct AnchorDifference {
  uint64_t seq = 0;   // 0 for a line that does not parse (see `line`)
  uint64_t line = 0;  // 1-based line of the file, when the difference is about a line
  // "unreadable_line", "forged_line", "changed", "missing" (a row absent while later rows
  // exist) or "cut_off" (the database ends before the file does).
  std::string kind;
  std::string reason;
};

struct AnchorReport {
  bool ok = true;
  uint64_t lines = 0;
  uint64_t superseded = 0;  // lines replaced by a later line with the same seq
  std::optional<AnchorDifference> first_difference;  // the lowest seq that differs
  uint64_t rows_not_in_file = 0;                     // database rows without a line
  uint64_t first_not_in_file = 0;                    // the first such seq (0: none)
};

// REQUIRES: `log` is keyed (its ChainValue is the MAC).
// `value_of` is the chain's keyed value of a row (SqliteAuditLog::ChainValue, PgAuditLog's).
Result<AnchorReport> CompareWithSinkLines(AuditLog& log, const AuditValueOf& value_of,
                                          std::span<const std::string> lines);

}  // namespace kb::storage
