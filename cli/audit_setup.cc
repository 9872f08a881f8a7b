#include "cli/audit_setup.h"

#include "common/encoding.h"
#include "crypto/ct.h"

namespace kb::cli {
namespace {

// After a KEK rotation the broker must start with the new KEK: on the old one it would seal
// every new key under a retired (perhaps leaked) KEK and break the chain with rows keyed under
// the old key. The last row's MAC tells, before anything is written under this KEK.
Status CheckKekOpensChain(storage::SqliteAuditLog& log) {
  auto last = log.Last();
  if (!last) return std::move(last).error();
  if (!*last) return Ok();
  auto value = log.ChainValue(**last);
  if (!value) return std::move(value).error();
  if (CtEqual(ByteSpan(*value), ByteSpan((*last)->hash))) return Ok();
  return Error{ErrorCode::kInternal,
               "the KEK does not match this database: the last audit row (seq " +
                   std::to_string((*last)->seq) +
                   ") does not verify under it. Was the KEK rotated (`keybroker kek rotate`)? "
                   "Configure the KEK the database was last rotated to; nothing was written"};
}

}  // namespace

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
  if (auto s = CheckKekOpensChain(*log); !s) return std::move(s).error();
  return log;
}

std::string DescribeRekey(const storage::AuditRekey& rekey) {
  if (!rekey.changed_format) return "";
  return "the audit chain is now keyed (HMAC-SHA-256 under a key derived from the KEK): " +
         std::to_string(rekey.rows) + " plain SHA-256 row(s) re-keyed, old head " +
         HexEncode(rekey.legacy_head) + " (recorded in an audit.rekey row)";
}

}  // namespace kb::cli
