#pragma once

#include "storage/database.h"
#include "storage/key_store.h"

namespace kb::storage {

class SqliteKeyStore final : public KeyStore {
 public:
  // REQUIRES: `db` outlives the store.
  explicit SqliteKeyStore(Database& db) : db_(db) {}

  Status Create(Tx& tx, const KeyRecord& key, ByteSpan sealed_v1) override;
  Status AddVersion(Tx& tx, std::string_view id, uint32_t version, ByteSpan sealed,
                    Time now) override;
  Status SetEnabled(Tx& tx, std::string_view id, bool enabled) override;
  Status RequestEnable(Tx& tx, std::string_view id) override;
  Result<KeyRecord> Get(std::string_view id) override;
  Result<Bytes> GetSealed(std::string_view id, uint32_t version) override;
  Result<std::vector<KeyRecord>> List() override;

 private:
  Result<std::vector<KeyRecord>> Query(std::optional<std::string_view> id);
  Status InsertVersion(std::string_view id, uint32_t version, ByteSpan sealed, Time now);
  // REQUIRES: lock held, inside a transaction.
  Status ClearEnableApprovals(std::string_view id);

  Database& db_;
};

}  // namespace kb::storage
