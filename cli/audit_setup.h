#pragma once

// The audit chain's key and sink for commands that write or verify the audit log: the key is
// derived from the KEK (HKDF-SHA-256, info "keybroker audit chain v1"), so the KEK file that
// seals the keys also authenticates the record of what happened to them.

#include <memory>
#include <string>

#include "broker/keys/kek.h"
#include "common/result.h"
#include "common/time.h"
#include "storage/file_audit_sink.h"
#include "storage/pg/pg_audit_log.h"
#include "storage/sqlite_audit_log.h"

namespace kb::cli {

inline constexpr char kAuditKeyInfo[] = "keybroker audit chain v1";

Result<storage::AuditChainKey> AuditKeyFromKek(const broker::Kek& kek);

// A keyed audit log on `db`, with a chain still in plain SHA-256 converted first
// (SqliteAuditLog::KeyLegacyChain; its report in `rekey` when not null). With `sink` not null,
// it is attached to `db` first, so the conversion is refused when the sink shows a downgrade
// and writes the re-keyed rows to it. REQUIRES: `db` and `sink` outlive the log.
Result<std::unique_ptr<storage::SqliteAuditLog>> OpenKeyedAuditLog(
    storage::Database& db, const broker::Kek& kek, storage::FileAuditSink* sink, Time now,
    storage::AuditRekey* rekey = nullptr);
// The same on PostgreSQL: the conversion and the check run once, by whichever replica starts
// first on a plain chain; the others find it keyed.
Result<std::unique_ptr<storage::PgAuditLog>> OpenKeyedAuditLog(
    storage::PgDatabase& db, const broker::Kek& kek, storage::FileAuditSink* sink, Time now,
    storage::AuditRekey* rekey = nullptr);

// The start-up log line for a conversion; empty when nothing was converted.
std::string DescribeRekey(const storage::AuditRekey& rekey);

}  // namespace kb::cli
