#include "cli/audit_setup.h"

#include "common/encoding.h"
#include "crypto/ct.h"

namespace kb::cli {
namespace {

// After a KEK rotation the broker must start with the new KEK: on the old one it would seal
// every new key under a retired (perhaps leaked) KEK and break the chain with rows keyed under
// the old key. The last row's MAC tells, before anything is written under this KEK.
template <typename Log>
Status CheckKekOpensChain(Log& log, const broker::Kek& kek) {
  auto last = log.Last();
  if (!last) return std::move(last).error();
  if (!*last) return Ok();
  auto key = AuditKeyFromKek(kek);
  if (!key) return std::move(key).error();
  auto value = storage::AuditRowMac(*key, **last);
  if (!value) return std::move(value).error();
  if (CtEqual(ByteSpan(*value), ByteSpan((*last)->hash))) return Ok();
  return Error{ErrorCode::kInternal,
               "the KEK does not match this database: the last audit row (seq " +
                   std::to_string((*last)->seq) +
                   ") does not verify under it. Was the KEK rotated (`keybroker kek rotate`)? "
                   "Configure the KEK the database was last rotated to; nothing was written"};
}

// A keyed log of either backend: the sink attached, a plain chain converted, the KEK checked.
template <typename Log, typename Db>
Result<std::unique_ptr<Log>> OpenKeyed(Db& db, const broker::Kek& kek, storage::FileAuditSink* sink,
                                       Time now, storage::AuditRekey* rekey) {
  auto key = AuditKeyFromKek(kek);
  if (!key) return std::move(key).error();
  if (sink != nullptr) db.set_audit_sink(sink);
  auto log = std::make_unique<Log>(db, std::move(*key));
  auto converted = log->KeyLegacyChain(now);
  if (!converted) return std::move(converted).error();
  if (rekey != nullptr) *rekey = *converted;
  if (auto s = CheckKekOpensChain(*log, kek); !s) return std::move(s).error();
  return log;
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
  return OpenKeyed<storage::SqliteAuditLog>(db, kek, sink, now, rekey);
}

Result<std::unique_ptr<storage::PgAuditLog>> OpenKeyedAuditLog(storage::PgDatabase& db,
                                                               const broker::Kek& kek,
                                                               storage::FileAuditSink* sink,
                                                               Time now,
                                                               storage::AuditRekey* rekey) {
  return OpenKeyed<storage::PgAuditLog>(db, kek, sink, now, rekey);
}

std::string DescribeRekey(const storage::AuditRekey& rekey) {
  if (!rekey.changed_format) return "";
  return "the audit chain is now keyed (HMAC-SHA-256 under a key derived from the KEK): " +
         std::to_string(rekey.rows) + " plain SHA-256 row(s) re-keyed, old head " +
         HexEncode(rekey.legacy_head) + " (recorded in an audit.rekey row)";
}

}  // namespace kb::cli
