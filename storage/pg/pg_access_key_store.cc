#include "storage/pg/pg_access_key_store.h"

#include "storage/pg/pg_unit_of_work.h"

namespace kb::storage {
namespace {

// Rows of (id, principal, secret, created_at, revoked_at, approved); a List has no secret
// column and leaves the secret empty, as SQLite's Load does.
std::vector<AccessKeyRecord> Decode(const PgResult& rows, bool with_secret) {
  std::vector<AccessKeyRecord> out;
  int c = with_secret ? 1 : 0;
  for (int i = 0; i < rows.rows(); ++i) {
    out.push_back({rows.Text(i, 0), rows.Text(i, 1), with_secret ? rows.Blob(i, 2) : Bytes{},
                   rows.TimeAt(i, 2 + c), rows.OptionalTimeAt(i, 3 + c), rows.Int(i, 4 + c) != 0});
  }
  return out;
}

}  // namespace

Status PgAccessKeyStore::Add(Tx& tx, const AccessKeyRecord& k, AuditRecord audit) {
  return AuditedWrite(
      tx, db_, audit_, std::move(audit), [&](PgConnection& c, AuditRecord&) -> Status {
        PgParams row;
        row.Add(k.id).Add(k.principal).Add(ByteSpan(k.secret_sealed)).Add(k.created_at);
        row.Add(int64_t(k.approved));
        auto inserted = c.Command(
            "INSERT INTO access_keys (id, principal, secret, created_at, approved) "
            "SELECT $1, name, $3, $4, $5 FROM principals WHERE name = $2 ON CONFLICT (id) DO "
            "NOTHING",
            row, "insert access key");
        if (!inserted) return std::move(inserted).error();
        if (*inserted == 0) {
          return Error{ErrorCode::kNotFound, "no principal " + k.principal + " (or key id taken)"};
        }
        return Ok();
      });
}

Result<AccessKeyRecord> PgAccessKeyStore::Get(std::string_view id) {
  // An id a SigV4 client sent may be bytes TEXT cannot hold: no stored key has it.
  if (!IsPgText(id)) return Error{ErrorCode::kNotFound, "no such access key"};
  auto c = db_.Acquire();
  if (!c) return std::move(c).error();
  PgParams key;
  key.Add(id);
  auto rows = (*c)->Exec(
      "SELECT id, principal, secret, created_at, revoked_at, approved FROM access_keys "
      "WHERE id = $1",
      key, "load access keys");
  if (!rows) return std::move(rows).error();
  std::vector<AccessKeyRecord> found = Decode(*rows, true);
  if (found.empty()) return Error{ErrorCode::kNotFound, "no access key " + std::string(id)};
  return std::move(found.front());
}

Result<std::vector<AccessKeyRecord>> PgAccessKeyStore::List() {
  auto c = db_.Acquire();
  if (!c) return std::move(c).error();
  auto rows = (*c)->Exec(
      "SELECT id, principal, created_at, revoked_at, approved FROM access_keys "
      "ORDER BY created_at, id COLLATE \"C\"",
      "load access keys");
  if (!rows) return std::move(rows).error();
  return Decode(*rows, false);
}

Status PgAccessKeyStore::Revoke(Tx& tx, std::string_view id, Time now, AuditRecord audit) {
  return AuditedWrite(
      tx, db_, audit_, std::move(audit), [&](PgConnection& c, AuditRecord&) -> Status {
        PgParams key;
        key.Add(id).Add(now);
        auto updated =
            c.Command("UPDATE access_keys SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1",
                      key, "revoke access key");
        if (!updated) return std::move(updated).error();
        if (*updated == 0) {
          return Error{ErrorCode::kNotFound, "no access key " + std::string(id)};
        }
        return Ok();
      });
}

}  // namespace kb::storage
