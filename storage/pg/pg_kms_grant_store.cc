#include "storage/pg/pg_kms_grant_store.h"

#include <algorithm>

#include "storage/pg/pg_unit_of_work.h"

namespace kb::storage {

Status PgKmsGrantStore::Add(Tx& tx, const KmsGrant& g) {
  return InSavepoint(tx, db_, [&](PgConnection& c) -> Status {
    // Inserted only if the principal and the key exist; the id's uniqueness is the primary key's.
    PgParams row;
    row.Add(g.id).Add(g.principal).Add(g.key_id).Add(JoinOperations(g.operations));
    row.Add(g.created_at).Add(g.created_by);
    auto inserted = c.Command(
        "INSERT INTO kms_grants (id, principal, key_id, operations, status, created_at, "
        "created_by) SELECT $1, p.name, k.id, $4, 'pending', $5, $6 FROM principals p, keys k "
        "WHERE p.name = $2 AND k.id = $3 ON CONFLICT (id) DO NOTHING",
        row, "insert kms grant");
    if (!inserted) return std::move(inserted).error();
    if (*inserted == 0) {
      return Error{ErrorCode::kNotFound,
                   "no principal " + g.principal + " or no key " + g.key_id + " (or id taken)"};
    }
    return Ok();
  });
}

Status PgKmsGrantStore::Revoke(Tx& tx, std::string_view id, Time now, AuditRecord audit) {
  return AuditedWrite(
      tx, db_, audit_, std::move(audit), [&](PgConnection& c, AuditRecord&) -> Status {
        PgParams grant;
        grant.Add(id).Add(now);
        auto updated = c.Command(
            "UPDATE kms_grants SET status = 'revoked', revoked_at = coalesce(revoked_at, $2) "
            "WHERE id = $1",
            grant, "revoke kms grant");
        if (!updated) return std::move(updated).error();
        if (*updated == 0) return Error{ErrorCode::kNotFound, "no grant " + std::string(id)};
        return Ok();
      });
}

Result<std::vector<KmsGrant>> PgKmsGrantStore::Load(std::optional<std::string_view> id) {
  auto c = db_.Acquire();
  if (!c) return std::move(c).error();
  // Two statements where SQLite has one with "?1 IS NULL OR id = ?1": a parameter is bound with
  // its type here, and PgParams binds no NULL text.
  static constexpr char kColumns[] =
      "SELECT id, principal, key_id, operations, status, created_at, created_by, revoked_at "
      "FROM kms_grants ";
  PgParams params;
  if (id) params.Add(*id);
  auto rows = (*c)->Exec(std::string(kColumns) + (id ? "WHERE id = $1" : "") +
                             " ORDER BY created_at, id COLLATE \"C\"",
                         params, "load kms grants");
  if (!rows) return std::move(rows).error();
  std::vector<KmsGrant> out;
  for (int i = 0; i < rows->rows(); ++i) {
    out.push_back({rows->Text(i, 0), rows->Text(i, 1), rows->Text(i, 2),
                   SplitOperations(rows->Text(i, 3)), rows->Text(i, 4), rows->TimeAt(i, 5),
                   rows->Text(i, 6), rows->OptionalTimeAt(i, 7)});
  }
  return out;
}

Result<KmsGrant> PgKmsGrantStore::Get(std::string_view id) {
  auto found = Load(id);
  if (!found) return std::move(found).error();
  if (found->empty()) return Error{ErrorCode::kNotFound, "no grant " + std::string(id)};
  return std::move(found->front());
}

Result<std::vector<KmsGrant>> PgKmsGrantStore::List() { return Load(std::nullopt); }

Result<bool> PgKmsGrantStore::Allows(std::string_view principal, std::string_view key_id,
                                     std::string_view operation) {
  auto c = db_.Acquire();
  if (!c) return std::move(c).error();
  PgParams params;
  params.Add(principal).Add(key_id);
  auto rows = (*c)->Exec(
      "SELECT operations FROM kms_grants WHERE principal = $1 AND key_id = $2 AND "
      "status = 'active'",
      params, "check kms grant");
  if (!rows) return std::move(rows).error();
  for (int i = 0; i < rows->rows(); ++i) {
    auto ops = SplitOperations(rows->Text(i, 0));
    if (std::find(ops.begin(), ops.end(), operation) != ops.end()) return true;
  }
  return false;
}

Result<std::vector<std::string>> PgKmsGrantStore::GrantedKeys(std::string_view principal) {
  auto c = db_.Acquire();
  if (!c) return std::move(c).error();
  PgParams params;
  params.Add(principal);
  // DISTINCT needs the ORDER BY expression in its select list: the collated column is.
  auto rows = (*c)->Exec(
      "SELECT DISTINCT key_id COLLATE \"C\" FROM kms_grants WHERE principal = $1 AND "
      "status = 'active' ORDER BY 1",
      params, "load granted keys");
  if (!rows) return std::move(rows).error();
  std::vector<std::string> out;
  for (int i = 0; i < rows->rows(); ++i) out.push_back(rows->Text(i, 0));
  return out;
}

Result<int> PgKmsGrantStore::ProposeAttestation(Tx& tx, std::string_view key_id, bool required,
                                                std::string_view actor, Time now) {
  int proposed = 0;
  auto done = InSavepoint(tx, db_, [&](PgConnection& c) -> Status {
    // max(version) + 1 is read and written in one statement of a transaction holding the write
    // lock (PgDatabase::kWriteLock): two replicas proposing for the same key at once are
    // serialized and get consecutive versions, as under SQLite's single writer.
    PgParams change;
    change.Add(key_id).Add(int64_t(required)).Add(now).Add(actor);
    auto row = c.Exec(
        "INSERT INTO key_attestation_changes (key_id, version, attestation_required, created_at, "
        "created_by) SELECT k.id, coalesce((SELECT max(version) FROM key_attestation_changes "
        "WHERE key_id = $1), 0) + 1, $2, $3, $4 FROM keys k WHERE k.id = $1 RETURNING version",
        change, "insert key attestation change");
    if (!row) return std::move(row).error();
    if (row->rows() == 0) return Error{ErrorCode::kKeyNotFound, "no key " + std::string(key_id)};
    proposed = int(row->Int(0, 0));
    return Ok();
  });
  if (!done) return std::move(done).error();
  return proposed;
}

Result<std::vector<KeyAttestationChange>> PgKmsGrantStore::AttestationChanges(
    std::string_view key_id) {
  auto c = db_.Acquire();
  if (!c) return std::move(c).error();
  PgParams key;
  key.Add(key_id);
  auto rows = (*c)->Exec(
      "SELECT key_id, version, attestation_required, created_at, created_by, applied, "
      "version < (SELECT max(version) FROM key_attestation_changes WHERE key_id = $1) "
      "FROM key_attestation_changes WHERE key_id = $1 ORDER BY version",
      key, "load key attestation changes");
  if (!rows) return std::move(rows).error();
  std::vector<KeyAttestationChange> out;
  for (int i = 0; i < rows->rows(); ++i) {
    bool applied = rows->Int(i, 5) != 0;
    out.push_back({rows->Text(i, 0), int(rows->Int(i, 1)), rows->Int(i, 2) != 0, rows->TimeAt(i, 3),
                   rows->Text(i, 4), applied, rows->Int(i, 6) != 0 && !applied});
  }
  return out;
}

}  // namespace kb::storage
