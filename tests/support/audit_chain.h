#pragma once

// Helpers for the audit chain tests: keys, rows, and the attacks of someone who can write the
// database (recomputing the chain with a value function of their choice).

#include <functional>
#include <string>

#include "storage/database.h"
#include "storage/internal/statement.h"
#include "storage/sqlite_audit_log.h"

namespace kb::testing {

inline storage::AuditChainKey ChainKey(uint8_t fill) {
  return std::move(storage::AuditChainKey::FromBytes(SecretBytes(Bytes(32, fill)))).value();
}

inline storage::AuditRecord AuditRow(const std::string& key_id) {
  storage::AuditRecord r;
  r.time = Time(std::chrono::milliseconds(1'800'000'000'000));
  r.actor = "admin";
  r.action = "key.create";
  r.key_id = key_id;
  r.key_version = 1;
  r.decision = "ok";
  r.request_id = "req-" + key_id;
  return r;
}

// Rewrites every row's prev_hash and hash with `value`, as whoever holds the database can.
inline void RecomputeChain(storage::Database& db,
                           const std::function<Sha256Digest(const storage::AuditRecord&)>& value) {
  storage::SqliteAuditLog reader(db);
  auto rows = std::move(reader.Read(0, 100000)).value();
  auto lock = db.lock();
  Sha256Digest prev{};
  for (auto& row : rows) {
    row.prev_hash = prev;
    row.hash = prev = value(row);
    auto stmt =
        std::move(db.Prepare("UPDATE audit_log SET prev_hash = ?2, hash = ?3 WHERE seq = ?1"))
            .value();
    storage::internal::Statement update(std::move(stmt));
    update.Bind(1, int64_t(row.seq)).Bind(2, ByteSpan(row.prev_hash)).Bind(3, ByteSpan(row.hash));
    if (update.Step() != SQLITE_DONE) std::abort();
  }
}

inline void Sql(storage::Database& db, const std::string& sql) {
  auto lock = db.lock();
  if (!db.Exec(sql.c_str())) std::abort();
}

}  // namespace kb::testing
