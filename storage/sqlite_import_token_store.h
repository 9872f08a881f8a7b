#pragma once

#include "storage/database.h"
#include "storage/import_token_store.h"

namespace kb::storage {

class SqliteImportTokenStore final : public ImportTokenStore {
 public:
  // REQUIRES: `db` outlives the store.
  explicit SqliteImportTokenStore(Database& db) : db_(db) {}

  Status Add(Tx& tx, const ImportToken& token, Time now) override;
  Result<ImportToken> Take(Tx& tx, const Sha256Digest& token_sha256, Time now) override;

 private:
  Database& db_;
};

}  // namespace kb::storage
