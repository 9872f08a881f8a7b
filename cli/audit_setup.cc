#include "cli/audit_setup.h"

#include "common/encoding.h"

namespace kb::cli {

Result<storage::AuditChainKey> AuditKeyFromKek(const broker::Kek& kek) {
  auto bytes = kek.Derive(kAuditKeyInfo);
  if (!bytes) return std::move(bytes).error();
  return storage::AuditChainKey::FromBytes(std::move(*bytes));
}

Result<std::unique_ptr<storage::SqliteAuditLog>> OpenKeyedAuditLog(storage::Database& db,
                                                                   const broker::Kek& kek,
                                                                   storage::FileAuditSink* sink,
                                                                   Time now,
                                                                   storage::AuditRekey* rekey) {
  auto key = AuditKeyFromKek(kek);
  if (!key) return std::move(key).error();
  if (sink != nullptr) db.set_audit_sink(sink);
  auto log = std::make_unique<storage::SqliteAuditLog>(db, std::move(*key));
  auto converted = log->KeyLegacyChain(now);
  if (!converted) return std::move(converted).error();
  if (rekey != nullptr) *rekey = *converted;
  return log;
}

std::string DescribeRekey(const storage::AuditRekey& rekey) {
  if (!rekey.changed_format) return "";
  return "the audit chain is now keyed (HMAC-SHA-256 under a key derived from the KEK): " +
         std::to_string(rekey.rows) + " plain SHA-256 row(s) re-keyed, old head " +
         HexEncode(rekey.legacy_head) + " (recorded in an audit.rekey row)";
}

}  // namespace kb::cli
