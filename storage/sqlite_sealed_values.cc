#include "storage/sqlite_sealed_values.h"

#include "common/encoding.h"
#include "storage/internal/statement.h"
#include "storage/sqlite_unit_of_work.h"

namespace kb::storage {

using internal::Statement;

namespace {

// The import_tokens primary key of a listed token (its id is the hex of it).
Result<Bytes> TokenDigest(const SealedValue& value) {
  auto digest = HexDecode(value.id);
  if (!digest || digest->size() != 32) {
    return Error{ErrorCode::kInternal, "import token id is not a hex SHA-256: " + value.id};
  }
  return std::move(*digest);
}

}  // namespace

std::string_view SealedKindName(SealedKind kind) {
  switch (kind) {
    case SealedKind::kKeyVersion:
      return "key version";
    case SealedKind::kAccessKeySecret:
      return "access key secret";
    case SealedKind::kImportWrappingKey:
      return "import token";
  }
  return "sealed value";
}

Result<std::vector<SealedValue>> SqliteSealedValues::List(Tx& tx, Time now) {
  std::vector<SealedValue> out;
  auto listed = InSavepoint(tx, db_, [&]() -> Status {
    if (auto s = ListKeyVersions(out); !s) return s;
    if (auto s = ListAccessKeys(out); !s) return s;
    return ListImportTokens(out, now);
  });
  if (!listed) return std::move(listed).error();
  return out;
}

Status SqliteSealedValues::ListKeyVersions(std::vector<SealedValue>& out) {
  auto query =
      db_.Prepare("SELECT key_id, version, sealed FROM key_versions ORDER BY key_id, version");
  if (!query) return std::move(query).error();
  Statement rows(std::move(*query));
  int rc;
  while ((rc = rows.Step()) == SQLITE_ROW) {
    out.push_back(
        {SealedKind::kKeyVersion, rows.Text(0), uint32_t(rows.Int(1)), rows.Blob(2), false});
  }
  if (rc != SQLITE_DONE) return db_.LastError("list key versions");
  return Ok();
}

Status SqliteSealedValues::ListAccessKeys(std::vector<SealedValue>& out) {
  auto query = db_.Prepare("SELECT id, secret FROM access_keys ORDER BY id");
  if (!query) return std::move(query).error();
  Statement rows(std::move(*query));
  int rc;
  while ((rc = rows.Step()) == SQLITE_ROW) {
    out.push_back({SealedKind::kAccessKeySecret, rows.Text(0), 0, rows.Blob(1), false});
  }
  if (rc != SQLITE_DONE) return db_.LastError("list access keys");
  return Ok();
}

Status SqliteSealedValues::ListImportTokens(std::vector<SealedValue>& out, Time now) {
  // The same test as Take: usable while unused and expires_at >= now.
  auto query = db_.Prepare(
      "SELECT token_sha256, wrapping_key, used_at IS NOT NULL OR expires_at < ?1 "
      "FROM import_tokens ORDER BY token_sha256");
  if (!query) return std::move(query).error();
  Statement rows(std::move(*query));
  rows.Bind(1, now);
  int rc;
  while ((rc = rows.Step()) == SQLITE_ROW) {
    out.push_back({SealedKind::kImportWrappingKey, HexEncode(rows.Blob(0)), 0, rows.Blob(1),
                   rows.Int(2) != 0});
  }
  if (rc != SQLITE_DONE) return db_.LastError("list import tokens");
  return Ok();
}

Status SqliteSealedValues::Replace(Tx& tx, const SealedValue& value) {
  return InSavepoint(tx, db_, [&]() -> Status {
    const char* sql = nullptr;
    switch (value.kind) {
      case SealedKind::kKeyVersion:
        sql = "UPDATE key_versions SET sealed = ?3 WHERE key_id = ?1 AND version = ?2";
        break;
      case SealedKind::kAccessKeySecret:
        sql = "UPDATE access_keys SET secret = ?3 WHERE id = ?1";
        break;
      case SealedKind::kImportWrappingKey:
        sql = "UPDATE import_tokens SET wrapping_key = ?3 WHERE token_sha256 = ?1";
        break;
    }
    auto update = db_.Prepare(sql);
    if (!update) return std::move(update).error();
    Statement stmt(std::move(*update));
    if (value.kind == SealedKind::kImportWrappingKey) {
      auto digest = TokenDigest(value);
      if (!digest) return std::move(digest).error();
      stmt.Bind(1, ByteSpan(*digest));
    } else {
      stmt.Bind(1, value.id);
    }
    stmt.Bind(2, int64_t(value.version)).Bind(3, ByteSpan(value.sealed));
    if (stmt.Step() != SQLITE_DONE) return db_.LastError("re-seal a value");
    return ExpectOneChange("re-seal", value);
  });
}

Status SqliteSealedValues::DeleteImportToken(Tx& tx, const SealedValue& value) {
  if (value.kind != SealedKind::kImportWrappingKey) {
    return Error{ErrorCode::kInternal, "only import tokens are deleted on re-sealing"};
  }
  return InSavepoint(tx, db_, [&]() -> Status {
    auto digest = TokenDigest(value);
    if (!digest) return std::move(digest).error();
    auto remove = db_.Prepare("DELETE FROM import_tokens WHERE token_sha256 = ?1");
    if (!remove) return std::move(remove).error();
    Statement stmt(std::move(*remove));
    stmt.Bind(1, ByteSpan(*digest));
    if (stmt.Step() != SQLITE_DONE) return db_.LastError("delete a spent import token");
    return ExpectOneChange("delete", value);
  });
}

Status SqliteSealedValues::ExpectOneChange(std::string_view what, const SealedValue& value) {
  if (sqlite3_changes(db_.handle()) == 1) return Ok();
  return Error{ErrorCode::kNotFound, std::string(what) + ": no " +
                                         std::string(SealedKindName(value.kind)) + " " + value.id +
                                         " in the database"};
}

}  // namespace kb::storage
