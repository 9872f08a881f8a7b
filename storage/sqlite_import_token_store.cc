#include "storage/sqlite_import_token_store.h"

#include "storage/internal/statement.h"
#include "storage/sqlite_unit_of_work.h"

namespace kb::storage {

using internal::Statement;

Status SqliteImportTokenStore::Add(Tx& tx, const ImportToken& t, Time now) {
  return InSavepoint(tx, db_, [&]() -> Status {
    auto purge = db_.Prepare("DELETE FROM import_tokens WHERE expires_at < ?1");
    if (!purge) return std::move(purge).error();
    Statement del(std::move(*purge));
    del.Bind(1, now);
    if (del.Step() != SQLITE_DONE) return db_.LastError("purge import tokens");
    auto insert = db_.Prepare(
        "INSERT INTO import_tokens (token_sha256, key_id, wrapping_key, expires_at) "
        "VALUES (?1, ?2, ?3, ?4)");
    if (!insert) return std::move(insert).error();
    Statement row(std::move(*insert));
    row.Bind(1, ByteSpan(t.token_sha256))
        .Bind(2, t.key_id)
        .Bind(3, ByteSpan(t.wrapping_key_sealed));
    row.Bind(4, t.expires_at);
    if (row.Step() != SQLITE_DONE) return db_.LastError("insert import token");
    return Ok();
  });
}

Result<ImportToken> SqliteImportTokenStore::Take(Tx& tx, const Sha256Digest& token_sha256,
                                                 Time now) {
  ImportToken taken{token_sha256, "", {}, {}};
  auto done = InSavepoint(tx, db_, [&]() -> Status {
    auto update = db_.Prepare(
        "UPDATE import_tokens SET used_at = ?2 WHERE token_sha256 = ?1 AND used_at IS NULL AND "
        "expires_at >= ?2 RETURNING key_id, wrapping_key, expires_at");
    if (!update) return std::move(update).error();
    Statement row(std::move(*update));
    row.Bind(1, ByteSpan(token_sha256)).Bind(2, now);
    int rc = row.Step();
    if (rc == SQLITE_DONE) {
      return Error{ErrorCode::kNotFound, "unknown, used or expired import token"};
    }
    if (rc != SQLITE_ROW) return db_.LastError("take import token");
    taken = ImportToken{token_sha256, row.Text(0), row.Blob(1), row.TimeAt(2)};
    if (row.Step() != SQLITE_DONE) return db_.LastError("take import token");
    return Ok();
  });
  if (!done) return std::move(done).error();
  return taken;
}

}  // namespace kb::storage
