#include "storage/pg/pg_import_token_store.h"

#include "storage/pg/pg_unit_of_work.h"

namespace kb::storage {

Status PgImportTokenStore::Add(Tx& tx, const ImportToken& t, Time now) {
  return InSavepoint(tx, db_, [&](PgConnection& c) -> Status {
    PgParams purge;
    purge.Add(now);
    if (auto r = c.Command("DELETE FROM import_tokens WHERE expires_at < $1", purge,
                           "purge import tokens");
        !r) {
      return std::move(r).error();
    }
    PgParams row;
    row.Add(ByteSpan(t.token_sha256))
        .Add(t.key_id)
        .Add(ByteSpan(t.wrapping_key_sealed))
        .Add(t.expires_at);
    if (auto r =
            c.Command("INSERT INTO import_tokens (token_sha256, key_id, wrapping_key, expires_at) "
                      "VALUES ($1, $2, $3, $4)",
                      row, "insert import token");
        !r) {
      return std::move(r).error();
    }
    return Ok();
  });
}

Result<ImportToken> PgImportTokenStore::Take(Tx& tx, const Sha256Digest& token_sha256, Time now) {
  ImportToken taken{token_sha256, "", {}, {}};
  auto done = InSavepoint(tx, db_, [&](PgConnection& c) -> Status {
    // One statement: two imports racing with the same token cannot both take it, whichever
    // replica they reach.
    PgParams take;
    take.Add(ByteSpan(token_sha256)).Add(now);
    auto row = c.Exec(
        "UPDATE import_tokens SET used_at = $2 WHERE token_sha256 = $1 AND used_at IS NULL AND "
        "expires_at >= $2 RETURNING key_id, wrapping_key, expires_at",
        take, "take import token");
    if (!row) return std::move(row).error();
    if (row->rows() == 0) {
      return Error{ErrorCode::kNotFound, "unknown, used or expired import token"};
    }
    taken = ImportToken{token_sha256, row->Text(0, 0), row->Blob(0, 1), row->TimeAt(0, 2)};
    return Ok();
  });
  if (!done) return std::move(done).error();
  return taken;
}

}  // namespace kb::storage
