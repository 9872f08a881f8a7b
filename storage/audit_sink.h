#pragma once

// The audit sink: every audit row also goes, as one line of JSON, to an append-only place
// outside the database (as Vault's audit devices do), so that whoever can write the database
// cannot cut rows off the end of the chain, or change or remove one, unnoticed:
// `keybroker audit verify --against FILE` compares the two (audit_anchor.h).
//
// The lines of a transaction are appended and synced before it commits (Transaction::Commit), so
// a committed row is always in the sink; a row whose line cannot be written never takes effect.
// The converse does not hold: a transaction can fail after its lines were synced, so the sink
// may hold lines for rows that never committed. Their seq is then used again by the next row,
// whose line comes later in the sink: the last line for a seq is the one that counts.

#include <span>
#include <string>
#include <string_view>

#include "common/result.h"
#include "storage/audit_log.h"

namespace kb::storage {

class AuditSink {
 public:
  virtual ~AuditSink() = default;
  // Appends `lines` (JSON objects without their newline) and makes them durable before
  // returning: one write and one sync for all of them. On error, nothing may be assumed written.
  virtual Status Append(std::span<const std::string> lines) = 0;
  // True while the sink holds nothing: empty when opened, nothing appended since.
  virtual bool empty() const = 0;
};

// One line: every field of the row, blobs in lowercase hex, time in RFC 3339 (milliseconds, so
// exact), seq as a number, and the chain values "prev_mac" and "mac".
std::string AuditLine(const AuditRecord& record);

// The row of one line. kMalformedRequest for anything AuditLine would not have written.
Result<AuditRecord> ParseAuditLine(std::string_view line);

}  // namespace kb::storage
