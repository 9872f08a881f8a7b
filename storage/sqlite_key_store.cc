#include "storage/sqlite_key_store.h"

#include "storage/internal/statement.h"
#include "storage/sqlite_unit_of_work.h"

namespace kb::storage {

using internal::Statement;

namespace {

Error NoSuchKey(std::string_view id) {
  return Error{ErrorCode::kKeyNotFound, "no key " + std::string(id)};
}

}  // namespace

std::string_view KeyPurposeName(KeyPurpose purpose) {
  return purpose == KeyPurpose::kKms ? "kms" : "release";
}

std::optional<KeyPurpose> ParseKeyPurpose(std::string_view name) {
  if (name == "release") return KeyPurpose::kRelease;
  if (name == "kms") return KeyPurpose::kKms;
  return std::nullopt;
}

Status SqliteKeyStore::InsertVersion(std::string_view id, uint32_t version, ByteSpan sealed,
                                     Time now) {
  auto insert = db_.Prepare(
      "INSERT INTO key_versions (key_id, version, sealed, created_at) VALUES (?1, ?2, ?3, ?4)");
  if (!insert) return std::move(insert).error();
  Statement row(std::move(*insert));
  row.Bind(1, id).Bind(2, int64_t(version)).Bind(3, sealed).Bind(4, now);
  if (row.Step() != SQLITE_DONE) return db_.LastError("insert key version");
  return Ok();
}

Status SqliteKeyStore::Create(Tx& tx, const KeyRecord& key, ByteSpan sealed_v1) {
  return InSavepoint(tx, db_, [&]() -> Status {
    auto insert = db_.Prepare(
        "INSERT INTO keys (id, origin, enabled, current_version, created_at, created_by, purpose, "
        "attestation_required) VALUES (?1, ?2, ?3, 1, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO NOTHING");
    if (!insert) return std::move(insert).error();
    Statement row(std::move(*insert));
    row.Bind(1, key.id).Bind(2, key.origin).Bind(3, int64_t(key.enabled));
    row.Bind(4, key.created_at).Bind(5, key.created_by).Bind(6, KeyPurposeName(key.purpose));
    row.Bind(7, int64_t(key.attestation_required));
    if (row.Step() != SQLITE_DONE) return db_.LastError("insert key");
    if (sqlite3_changes(db_.handle()) == 0) {
      return Error{ErrorCode::kConflict, "key " + key.id + " already exists"};
    }
    if (auto s = InsertVersion(key.id, 1, sealed_v1, key.created_at); !s) return s;
    return Ok();
  });
}

Status SqliteKeyStore::AddVersion(Tx& tx, std::string_view id, uint32_t version, ByteSpan sealed,
                                  Time now) {
  return InSavepoint(tx, db_, [&]() -> Status {
    auto update = db_.Prepare(
        "UPDATE keys SET current_version = ?2 WHERE id = ?1 AND current_version = ?2 - 1");
    if (!update) return std::move(update).error();
    Statement row(std::move(*update));
    row.Bind(1, id).Bind(2, int64_t(version));
    if (row.Step() != SQLITE_DONE) return db_.LastError("rotate key");
    if (sqlite3_changes(db_.handle()) == 0) {
      auto lookup = db_.Prepare("SELECT 1 FROM keys WHERE id = ?1");
      if (!lookup) return std::move(lookup).error();
      Statement exists(std::move(*lookup));
      exists.Bind(1, id);
      if (exists.Step() != SQLITE_ROW) return NoSuchKey(id);
      return Error{ErrorCode::kConflict, "key " + std::string(id) + " was rotated concurrently"};
    }
    if (auto s = InsertVersion(id, version, sealed, now); !s) return s;
    return Ok();
  });
}

Status SqliteKeyStore::SetEnabled(Tx& tx, std::string_view id, bool enabled) {
  return InSavepoint(tx, db_, [&]() -> Status {
    auto update = db_.Prepare("UPDATE keys SET enabled = ?2, enable_requested = 0 WHERE id = ?1");
    if (!update) return std::move(update).error();
    Statement row(std::move(*update));
    row.Bind(1, id).Bind(2, int64_t(enabled));
    if (row.Step() != SQLITE_DONE) return db_.LastError("update key");
    if (sqlite3_changes(db_.handle()) == 0) return NoSuchKey(id);
    if (auto s = ClearEnableApprovals(id); !s) return s;
    return Ok();
  });
}

Status SqliteKeyStore::RequestEnable(Tx& tx, std::string_view id) {
  return InSavepoint(tx, db_, [&]() -> Status {
    auto key = Query(id);
    if (!key) return std::move(key).error();
    if (key->empty()) return NoSuchKey(id);
    if (key->front().enabled) {
      return Error{ErrorCode::kConflict, "key " + std::string(id) + " is enabled"};
    }
    auto update = db_.Prepare("UPDATE keys SET enable_requested = 1 WHERE id = ?1");
    if (!update) return std::move(update).error();
    Statement row(std::move(*update));
    row.Bind(1, id);
    if (row.Step() != SQLITE_DONE) return db_.LastError("request key enable");
    if (auto s = ClearEnableApprovals(id); !s) return s;
    return Ok();
  });
}

Status SqliteKeyStore::ClearEnableApprovals(std::string_view id) {
  auto clear = db_.Prepare("DELETE FROM approvals WHERE kind = 'key-enable' AND name = ?1");
  if (!clear) return std::move(clear).error();
  Statement row(std::move(*clear));
  row.Bind(1, id);
  if (row.Step() != SQLITE_DONE) return db_.LastError("clear key-enable approvals");
  return Ok();
}

Result<std::vector<KeyRecord>> SqliteKeyStore::Query(std::optional<std::string_view> id) {
  auto query = db_.Prepare(
      "SELECT id, origin, enabled, current_version, created_at, created_by, purpose, "
      "attestation_required, enable_requested FROM keys WHERE ?1 IS NULL OR id = ?1 ORDER BY id");
  if (!query) return std::move(query).error();
  Statement rows(std::move(*query));
  if (id) rows.Bind(1, *id);
  std::vector<KeyRecord> out;
  int rc;
  while ((rc = rows.Step()) == SQLITE_ROW) {
    auto purpose = ParseKeyPurpose(rows.Text(6));
    if (!purpose) return Error{ErrorCode::kInternal, "key " + rows.Text(0) + ": unknown purpose"};
    out.push_back({rows.Text(0), rows.Text(1), rows.Int(2) != 0, uint32_t(rows.Int(3)),
                   rows.TimeAt(4), rows.Text(5), *purpose, rows.Int(7) != 0, rows.Int(8) != 0});
  }
  if (rc != SQLITE_DONE) return db_.LastError("query keys");
  return out;
}

Result<KeyRecord> SqliteKeyStore::Get(std::string_view id) {
  auto lock = db_.lock();
  auto found = Query(id);
  if (!found) return std::move(found).error();
  if (found->empty()) return NoSuchKey(id);
  return std::move(found->front());
}

Result<Bytes> SqliteKeyStore::GetSealed(std::string_view id, uint32_t version) {
  auto lock = db_.lock();
  auto query = db_.Prepare("SELECT sealed FROM key_versions WHERE key_id = ?1 AND version = ?2");
  if (!query) return std::move(query).error();
  Statement row(std::move(*query));
  row.Bind(1, id).Bind(2, int64_t(version));
  int rc = row.Step();
  if (rc == SQLITE_DONE) return NoSuchKey(id);
  if (rc != SQLITE_ROW) return db_.LastError("query key version");
  return row.Blob(0);
}

Result<std::vector<KeyRecord>> SqliteKeyStore::List() {
  auto lock = db_.lock();
  return Query(std::nullopt);
}

}  // namespace kb::storage
