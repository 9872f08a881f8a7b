#include "storage/pg/pg_key_store.h"

#include "storage/pg/pg_unit_of_work.h"

namespace kb::storage {
namespace {

Error NoSuchKey(std::string_view id) {
  return Error{ErrorCode::kKeyNotFound, "no key " + std::string(id)};
}

// Complete statements (adjacent literals).
#define KB_SELECT_KEYS                                                             \
  "SELECT id, origin, enabled, current_version, created_at, created_by, purpose, " \
  "attestation_required, enable_requested FROM keys "
constexpr char kSelectKey[] = KB_SELECT_KEYS "WHERE id = $1";
constexpr char kSelectAllKeys[] = KB_SELECT_KEYS "ORDER BY id COLLATE \"C\"";
#undef KB_SELECT_KEYS

// Every key, or the one with `id`, in bytewise id order (as SQLite orders text).
Result<std::vector<KeyRecord>> QueryKeys(PgConnection& c, std::optional<std::string_view> id) {
  PgParams params;
  if (id) params.Add(*id);
  auto rows = c.Exec(id ? kSelectKey : kSelectAllKeys, params, "query keys");
  if (!rows) return std::move(rows).error();
  std::vector<KeyRecord> out;
  for (int i = 0; i < rows->rows(); ++i) {
    auto purpose = ParseKeyPurpose(rows->Text(i, 6));
    if (!purpose) {
      return Error{ErrorCode::kInternal, "key " + rows->Text(i, 0) + ": unknown purpose"};
    }
    out.push_back({rows->Text(i, 0), rows->Text(i, 1), rows->Int(i, 2) != 0,
                   uint32_t(rows->Int(i, 3)), rows->TimeAt(i, 4), rows->Text(i, 5), *purpose,
                   rows->Int(i, 7) != 0, rows->Int(i, 8) != 0});
  }
  return out;
}

Status InsertVersion(PgConnection& c, std::string_view id, uint32_t version, ByteSpan sealed,
                     Time now) {
  PgParams row;
  row.Add(id).Add(int64_t(version)).Add(sealed).Add(now);
  auto inserted = c.Command(
      "INSERT INTO key_versions (key_id, version, sealed, created_at) VALUES ($1, $2, $3, $4)", row,
      "insert key version");
  if (!inserted) return std::move(inserted).error();
  return Ok();
}

Status ClearEnableApprovals(PgConnection& c, std::string_view id) {
  PgParams key;
  key.Add(id);
  auto cleared = c.Command("DELETE FROM approvals WHERE kind = 'key-enable' AND name = $1", key,
                           "clear key-enable approvals");
  if (!cleared) return std::move(cleared).error();
  return Ok();
}

}  // namespace

Status PgKeyStore::Create(Tx& tx, const KeyRecord& key, ByteSpan sealed_v1) {
  return InSavepoint(tx, db_, [&](PgConnection& c) -> Status {
    PgParams row;
    row.Add(key.id).Add(key.origin).Add(int64_t(key.enabled)).Add(key.created_at);
    row.Add(key.created_by).Add(KeyPurposeName(key.purpose)).Add(int64_t(key.attestation_required));
    auto inserted = c.Command(
        "INSERT INTO keys (id, origin, enabled, current_version, created_at, created_by, purpose, "
        "attestation_required) VALUES ($1, $2, $3, 1, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING",
        row, "insert key");
    if (!inserted) return std::move(inserted).error();
    if (*inserted == 0) return Error{ErrorCode::kConflict, "key " + key.id + " already exists"};
    return InsertVersion(c, key.id, 1, sealed_v1, key.created_at);
  });
}

Status PgKeyStore::AddVersion(Tx& tx, std::string_view id, uint32_t version, ByteSpan sealed,
                              Time now) {
  return InSavepoint(tx, db_, [&](PgConnection& c) -> Status {
    PgParams row;
    row.Add(id).Add(int64_t(version));
    auto updated =
        c.Command("UPDATE keys SET current_version = $2 WHERE id = $1 AND current_version = $2 - 1",
                  row, "rotate key");
    if (!updated) return std::move(updated).error();
    if (*updated == 0) {
      PgParams key;
      key.Add(id);
      auto exists = c.Exec("SELECT 1 FROM keys WHERE id = $1", key, "rotate key");
      if (!exists) return std::move(exists).error();
      if (exists->rows() == 0) return NoSuchKey(id);
      return Error{ErrorCode::kConflict, "key " + std::string(id) + " was rotated concurrently"};
    }
    return InsertVersion(c, id, version, sealed, now);
  });
}

Status PgKeyStore::SetEnabled(Tx& tx, std::string_view id, bool enabled) {
  return InSavepoint(tx, db_, [&](PgConnection& c) -> Status {
    PgParams row;
    row.Add(id).Add(int64_t(enabled));
    auto updated = c.Command("UPDATE keys SET enabled = $2, enable_requested = 0 WHERE id = $1",
                             row, "update key");
    if (!updated) return std::move(updated).error();
    if (*updated == 0) return NoSuchKey(id);
    return ClearEnableApprovals(c, id);
  });
}

Status PgKeyStore::RequestEnable(Tx& tx, std::string_view id) {
  return InSavepoint(tx, db_, [&](PgConnection& c) -> Status {
    // Read, then write: atomic across replicas because the unit of work holds the write lock
    // (PgDatabase::kWriteLock) from BEGIN, so no other writer changes the key in between.
    auto key = QueryKeys(c, id);
    if (!key) return std::move(key).error();
    if (key->empty()) return NoSuchKey(id);
    if (key->front().enabled) {
      return Error{ErrorCode::kConflict, "key " + std::string(id) + " is enabled"};
    }
    PgParams row;
    row.Add(id);
    auto updated =
        c.Command("UPDATE keys SET enable_requested = 1 WHERE id = $1", row, "request key enable");
    if (!updated) return std::move(updated).error();
    return ClearEnableApprovals(c, id);
  });
}

Result<KeyRecord> PgKeyStore::Get(std::string_view id) {
  auto c = db_.Acquire();
  if (!c) return std::move(c).error();
  auto found = QueryKeys(**c, id);
  if (!found) return std::move(found).error();
  if (found->empty()) return NoSuchKey(id);
  return std::move(found->front());
}

Result<Bytes> PgKeyStore::GetSealed(std::string_view id, uint32_t version) {
  auto c = db_.Acquire();
  if (!c) return std::move(c).error();
  PgParams key;
  key.Add(id).Add(int64_t(version));
  auto row = (*c)->Exec("SELECT sealed FROM key_versions WHERE key_id = $1 AND version = $2", key,
                        "query key version");
  if (!row) return std::move(row).error();
  if (row->rows() == 0) return NoSuchKey(id);
  return row->Blob(0, 0);
}

Result<std::vector<KeyRecord>> PgKeyStore::List() {
  auto c = db_.Acquire();
  if (!c) return std::move(c).error();
  return QueryKeys(**c, std::nullopt);
}

}  // namespace kb::storage
