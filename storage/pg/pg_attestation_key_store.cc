#include "storage/pg/pg_attestation_key_store.h"

#include "storage/pg/pg_unit_of_work.h"

namespace kb::storage {

Status PgAttestationKeyStore::Add(Tx& tx, const AttestationKeyRecord& k, AuditRecord audit) {
  return AuditedWrite(
      tx, db_, audit_, std::move(audit), [&](PgConnection& c, AuditRecord&) -> Status {
        PgParams row;
        row.Add(k.id).Add(ByteSpan(k.public_key)).Add(k.description).Add(k.created_at);
        row.Add(k.created_by);
        auto inserted = c.Command(
            "INSERT INTO attestation_keys (id, public_key, status, description, created_at, "
            "created_by) VALUES ($1, $2, 'pending', $3, $4, $5) ON CONFLICT (id) DO NOTHING",
            row, "insert attestation key");
        if (!inserted) return std::move(inserted).error();
        if (*inserted == 0) {
          return Error{ErrorCode::kConflict, "attestation key " + k.id + " is already registered"};
        }
        return Ok();
      });
}

Result<std::vector<AttestationKeyRecord>> PgAttestationKeyStore::List() {
  auto c = db_.Acquire();
  if (!c) return std::move(c).error();
  auto rows = (*c)->Exec(
      "SELECT id, public_key, status, description, created_at, created_by FROM attestation_keys "
      "ORDER BY created_at, id COLLATE \"C\"",
      "load attestation keys");
  if (!rows) return std::move(rows).error();
  std::vector<AttestationKeyRecord> out;
  for (int i = 0; i < rows->rows(); ++i) {
    out.push_back({rows->Text(i, 0), rows->Blob(i, 1), rows->Text(i, 2), rows->Text(i, 3),
                   rows->TimeAt(i, 4), rows->Text(i, 5)});
  }
  return out;
}

Status PgAttestationKeyStore::Revoke(Tx& tx, std::string_view id, AuditRecord audit) {
  return AuditedWrite(
      tx, db_, audit_, std::move(audit), [&](PgConnection& c, AuditRecord&) -> Status {
        PgParams key;
        key.Add(id);
        auto updated = c.Command("UPDATE attestation_keys SET status = 'revoked' WHERE id = $1",
                                 key, "revoke attestation key");
        if (!updated) return std::move(updated).error();
        if (*updated == 0)
          return Error{ErrorCode::kNotFound, "no attestation key " + std::string(id)};
        if (auto r = c.Command("DELETE FROM approvals WHERE kind = 'ak' AND name = $1", key,
                               "clear approvals");
            !r) {
          return std::move(r).error();
        }
        return Ok();
      });
}

}  // namespace kb::storage
