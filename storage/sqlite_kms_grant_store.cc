#include "storage/sqlite_kms_grant_store.h"

#include <algorithm>

#include "storage/internal/statement.h"
#include "storage/sqlite_unit_of_work.h"

namespace kb::storage {

using internal::Statement;

std::string JoinOperations(const std::vector<std::string>& operations) {
  std::string out;
  for (const auto& op : operations) out += (out.empty() ? "" : ",") + op;
  return out;
}

std::vector<std::string> SplitOperations(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    size_t comma = text.find(',');
    if (comma != 0) out.emplace_back(text.substr(0, comma));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

Status SqliteKmsGrantStore::Add(Tx& tx, const KmsGrant& g) {
  return InSavepoint(tx, db_, [&]() -> Status {
    // Inserted only if the principal and the key exist; the id's uniqueness is the primary key's.
    auto insert = db_.Prepare(
        "INSERT INTO kms_grants (id, principal, key_id, operations, status, created_at, "
        "created_by) SELECT ?1, p.name, k.id, ?4, 'pending', ?5, ?6 FROM principals p, keys k "
        "WHERE p.name = ?2 AND k.id = ?3 ON CONFLICT (id) DO NOTHING");
    if (!insert) return std::move(insert).error();
    Statement row(std::move(*insert));
    row.Bind(1, g.id).Bind(2, g.principal).Bind(3, g.key_id).Bind(4, JoinOperations(g.operations));
    row.Bind(5, g.created_at).Bind(6, g.created_by);
    if (row.Step() != SQLITE_DONE) return db_.LastError("insert kms grant");
    if (sqlite3_changes(db_.handle()) == 0) {
      return Error{ErrorCode::kNotFound,
                   "no principal " + g.principal + " or no key " + g.key_id + " (or id taken)"};
    }
    return Ok();
  });
}

Status SqliteKmsGrantStore::Revoke(Tx& tx, std::string_view id, Time now, AuditRecord audit) {
  return AuditedWrite(tx, db_, audit_, std::move(audit), [&](AuditRecord&) -> Status {
    auto update = db_.Prepare(
        "UPDATE kms_grants SET status = 'revoked', revoked_at = coalesce(revoked_at, ?2) "
        "WHERE id = ?1");
    if (!update) return std::move(update).error();
    Statement row(std::move(*update));
    row.Bind(1, id).Bind(2, now);
    if (row.Step() != SQLITE_DONE) return db_.LastError("revoke kms grant");
    if (sqlite3_changes(db_.handle()) == 0) {
      return Error{ErrorCode::kNotFound, "no grant " + std::string(id)};
    }
    return Ok();
  });
}

Result<std::vector<KmsGrant>> SqliteKmsGrantStore::Load(std::optional<std::string_view> id) {
  auto lock = db_.lock();
  auto query = db_.Prepare(
      "SELECT id, principal, key_id, operations, status, created_at, created_by, revoked_at "
      "FROM kms_grants WHERE ?1 IS NULL OR id = ?1 ORDER BY created_at, id");
  if (!query) return std::move(query).error();
  Statement rows(std::move(*query));
  if (id) rows.Bind(1, *id);
  std::vector<KmsGrant> out;
  int rc;
  while ((rc = rows.Step()) == SQLITE_ROW) {
    out.push_back({rows.Text(0), rows.Text(1), rows.Text(2), SplitOperations(rows.Text(3)),
                   rows.Text(4), rows.TimeAt(5), rows.Text(6), rows.OptionalTimeAt(7)});
  }
  if (rc != SQLITE_DONE) return db_.LastError("load kms grants");
  return out;
}

Result<KmsGrant> SqliteKmsGrantStore::Get(std::string_view id) {
  auto found = Load(id);
  if (!found) return std::move(found).error();
  if (found->empty()) return Error{ErrorCode::kNotFound, "no grant " + std::string(id)};
  return std::move(found->front());
}

Result<std::vector<KmsGrant>> SqliteKmsGrantStore::List() { return Load(std::nullopt); }

Result<bool> SqliteKmsGrantStore::Allows(std::string_view principal, std::string_view key_id,
                                         std::string_view operation) {
  auto lock = db_.lock();
  auto query = db_.Prepare(
      "SELECT operations FROM kms_grants WHERE principal = ?1 AND key_id = ?2 AND "
      "status = 'active'");
  if (!query) return std::move(query).error();
  Statement rows(std::move(*query));
  rows.Bind(1, principal).Bind(2, key_id);
  int rc;
  while ((rc = rows.Step()) == SQLITE_ROW) {
    auto ops = SplitOperations(rows.Text(0));
    if (std::find(ops.begin(), ops.end(), operation) != ops.end()) return true;
  }
  if (rc != SQLITE_DONE) return db_.LastError("check kms grant");
  return false;
}

Result<std::vector<std::string>> SqliteKmsGrantStore::GrantedKeys(std::string_view principal) {
  auto lock = db_.lock();
  auto query = db_.Prepare(
      "SELECT DISTINCT key_id FROM kms_grants WHERE principal = ?1 AND status = 'active' "
      "ORDER BY key_id");
  if (!query) return std::move(query).error();
  Statement rows(std::move(*query));
  rows.Bind(1, principal);
  std::vector<std::string> out;
  int rc;
  while ((rc = rows.Step()) == SQLITE_ROW) out.push_back(rows.Text(0));
  if (rc != SQLITE_DONE) return db_.LastError("load granted keys");
  return out;
}

Result<int> SqliteKmsGrantStore::ProposeAttestation(Tx& tx, std::string_view key_id, bool required,
                                                    std::string_view actor, Time now) {
  int proposed = 0;
  auto done = InSavepoint(tx, db_, [&]() -> Status {
    auto insert = db_.Prepare(
        "INSERT INTO key_attestation_changes (key_id, version, attestation_required, created_at, "
        "created_by) SELECT k.id, coalesce((SELECT max(version) FROM key_attestation_changes "
        "WHERE key_id = ?1), 0) + 1, ?2, ?3, ?4 FROM keys k WHERE k.id = ?1 RETURNING version");
    if (!insert) return std::move(insert).error();
    Statement row(std::move(*insert));
    row.Bind(1, key_id).Bind(2, int64_t(required)).Bind(3, now).Bind(4, actor);
    int rc = row.Step();
    if (rc == SQLITE_DONE) return Error{ErrorCode::kKeyNotFound, "no key " + std::string(key_id)};
    if (rc != SQLITE_ROW) return db_.LastError("insert key attestation change");
    int version = int(row.Int(0));
    if (row.Step() != SQLITE_DONE) return db_.LastError("insert key attestation change");
    proposed = version;
    return Ok();
  });
  if (!done) return std::move(done).error();
  return proposed;
}

Result<std::vector<KeyAttestationChange>> SqliteKmsGrantStore::AttestationChanges(
    std::string_view key_id) {
  auto lock = db_.lock();
  auto query = db_.Prepare(
      "SELECT key_id, version, attestation_required, created_at, created_by, applied, "
      "version < (SELECT max(version) FROM key_attestation_changes WHERE key_id = ?1) "
      "FROM key_attestation_changes WHERE key_id = ?1 ORDER BY version");
  if (!query) return std::move(query).error();
  Statement rows(std::move(*query));
  rows.Bind(1, key_id);
  std::vector<KeyAttestationChange> out;
  int rc;
  while ((rc = rows.Step()) == SQLITE_ROW) {
    out.push_back({rows.Text(0), int(rows.Int(1)), rows.Int(2) != 0, rows.TimeAt(3), rows.Text(4),
                   rows.Int(5) != 0, rows.Int(6) != 0 && rows.Int(5) == 0});
  }
  if (rc != SQLITE_DONE) return db_.LastError("load key attestation changes");
  return out;
}

}  // namespace kb::storage
