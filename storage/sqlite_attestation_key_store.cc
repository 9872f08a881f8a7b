#include "storage/sqlite_attestation_key_store.h"

#include "storage/internal/statement.h"
#include "storage/sqlite_unit_of_work.h"

namespace kb::storage {

using internal::Statement;

Status SqliteAttestationKeyStore::Add(Tx& tx, const AttestationKeyRecord& k, AuditRecord audit) {
  return AuditedWrite(tx, db_, audit_, std::move(audit), [&](AuditRecord&) -> Status {
    auto insert = db_.Prepare(
        "INSERT INTO attestation_keys (id, public_key, status, description, created_at, "
        "created_by) VALUES (?1, ?2, 'pending', ?3, ?4, ?5) ON CONFLICT (id) DO NOTHING");
    if (!insert) return std::move(insert).error();
    Statement row(std::move(*insert));
    row.Bind(1, k.id).Bind(2, ByteSpan(k.public_key)).Bind(3, k.description);
    row.Bind(4, k.created_at).Bind(5, k.created_by);
    if (row.Step() != SQLITE_DONE) return db_.LastError("insert attestation key");
    if (sqlite3_changes(db_.handle()) == 0) {
      return Error{ErrorCode::kConflict, "attestation key " + k.id + " is already registered"};
    }
    return Ok();
  });
}

Result<std::vector<AttestationKeyRecord>> SqliteAttestationKeyStore::List() {
  auto lock = db_.lock();
  auto query = db_.Prepare(
      "SELECT id, public_key, status, description, created_at, created_by FROM attestation_keys "
      "ORDER BY created_at, id");
  if (!query) return std::move(query).error();
  Statement rows(std::move(*query));
  std::vector<AttestationKeyRecord> out;
  int rc;
  while ((rc = rows.Step()) == SQLITE_ROW) {
    out.push_back(
        {rows.Text(0), rows.Blob(1), rows.Text(2), rows.Text(3), rows.TimeAt(4), rows.Text(5)});
  }
  if (rc != SQLITE_DONE) return db_.LastError("load attestation keys");
  return out;
}

Status SqliteAttestationKeyStore::Revoke(Tx& tx, std::string_view id, AuditRecord audit) {
  return AuditedWrite(tx, db_, audit_, std::move(audit), [&](AuditRecord&) -> Status {
    auto update = db_.Prepare("UPDATE attestation_keys SET status = 'revoked' WHERE id = ?1");
    if (!update) return std::move(update).error();
    Statement row(std::move(*update));
    row.Bind(1, id);
    if (row.Step() != SQLITE_DONE) return db_.LastError("revoke attestation key");
    if (sqlite3_changes(db_.handle()) == 0) {
      return Error{ErrorCode::kNotFound, "no attestation key " + std::string(id)};
    }
    auto clear = db_.Prepare("DELETE FROM approvals WHERE kind = 'ak' AND name = ?1");
    if (!clear) return std::move(clear).error();
    Statement del(std::move(*clear));
    del.Bind(1, id);
    if (del.Step() != SQLITE_DONE) return db_.LastError("clear approvals");
    return Ok();
  });
}

}  // namespace kb::storage
