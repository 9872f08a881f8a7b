#pragma once

#include "storage/key_store.h"
#include "storage/pg/pg_database.h"

namespace kb::storage {

// SqliteKeyStore (sqlite_key_store.h) on PostgreSQL, statement by statement.
class PgKeyStore final : public KeyStore {
 public:
  // REQUIRES: `db` outlives the store.
  explicit PgKeyStore(PgDatabase& db) : db_(db) {}

  Status Create(Tx& tx, const KeyRecord& key, ByteSpan sealed_v1) override;
  Status AddVersion(Tx& tx, std::string_view id, uint32_t version, ByteSpan sealed,
                    Time now) override;
  Status SetEnabled(Tx& tx, std::string_view id, bool enabled) override;
  Status RequestEnable(Tx& tx, std::string_view id) override;
  Result<KeyRecord> Get(std::string_view id) override;
  Result<Bytes> GetSealed(std::string_view id, uint32_t version) override;
  Result<std::vector<KeyRecord>> List() override;

 private:
  PgDatabase& db_;
};

}  // namespace kb::storage
