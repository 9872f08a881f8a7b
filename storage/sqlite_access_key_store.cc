#include "storage/sqlite_access_key_store.h"

#include "storage/internal/statement.h"
#include "storage/sqlite_unit_of_work.h"

namespace kb::storage {

using internal::Statement;

Status SqliteAccessKeyStore::Add(Tx& tx, const AccessKeyRecord& k, AuditRecord audit) {
  return AuditedWrite(tx, db_, audit_, std::move(audit), [&](AuditRecord&) -> Status {
    auto insert = db_.Prepare(
        "INSERT INTO access_keys (id, principal, secret, created_at, approved) "
        "SELECT ?1, name, ?3, ?4, ?5 FROM principals WHERE name = ?2 ON CONFLICT (id) DO NOTHING");
    if (!insert) return std::move(insert).error();
    Statement row(std::move(*insert));
    row.Bind(1, k.id).Bind(2, k.principal).Bind(3, ByteSpan(k.secret_sealed));
    row.Bind(4, k.created_at).Bind(5, int64_t(k.approved));
    if (row.Step() != SQLITE_DONE) return db_.LastError("insert access key");
    if (sqlite3_changes(db_.handle()) == 0) {
      return Error{ErrorCode::kNotFound, "no principal " + k.principal + " (or key id taken)"};
    }
    return Ok();
  });
}

Result<std::vector<AccessKeyRecord>> SqliteAccessKeyStore::Load(
    std::optional<std::string_view> id) {
  auto lock = db_.lock();
  auto query = db_.Prepare(
      "SELECT id, principal, CASE WHEN ?1 IS NULL THEN x'' ELSE secret END, created_at, "
      "revoked_at, approved FROM access_keys WHERE ?1 IS NULL OR id = ?1 ORDER BY created_at, id");
  if (!query) return std::move(query).error();
  Statement rows(std::move(*query));
  if (id) rows.Bind(1, *id);
  std::vector<AccessKeyRecord> out;
  int rc;
  while ((rc = rows.Step()) == SQLITE_ROW) {
    out.push_back({rows.Text(0), rows.Text(1), rows.Blob(2), rows.TimeAt(3), rows.OptionalTimeAt(4),
                   rows.Int(5) != 0});
  }
  if (rc != SQLITE_DONE) return db_.LastError("load access keys");
  return out;
}

Result<AccessKeyRecord> SqliteAccessKeyStore::Get(std::string_view id) {
  auto found = Load(id);
  if (!found) return std::move(found).error();
  if (found->empty()) return Error{ErrorCode::kNotFound, "no access key " + std::string(id)};
  return std::move(found->front());
}

Result<std::vector<AccessKeyRecord>> SqliteAccessKeyStore::List() { return Load(std::nullopt); }

Status SqliteAccessKeyStore::Revoke(Tx& tx, std::string_view id, Time now, AuditRecord audit) {
  return AuditedWrite(tx, db_, audit_, std::move(audit), [&](AuditRecord&) -> Status {
    auto update =
        db_.Prepare("UPDATE access_keys SET revoked_at = coalesce(revoked_at, ?2) WHERE id = ?1");
    if (!update) return std::move(update).error();
    Statement row(std::move(*update));
    row.Bind(1, id).Bind(2, now);
    if (row.Step() != SQLITE_DONE) return db_.LastError("revoke access key");
    if (sqlite3_changes(db_.handle()) == 0) {
      return Error{ErrorCode::kNotFound, "no access key " + std::string(id)};
    }
    return Ok();
  });
}

}  // namespace kb::storage
