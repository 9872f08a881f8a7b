#pragma once

#include "storage/import_token_store.h"
#include "storage/pg/pg_database.h"

namespace kb::storage {

class PgImportTokenStore final : public ImportTokenStore {
 public:
  // REQUIRES: `db` outlives the store.
  explicit PgImportTokenStore(PgDatabase& db) : db_(db) {}

  Status Add(Tx& tx, const ImportToken& token, Time now) override;
  Result<ImportToken> Take(Tx& tx, const Sha256Digest& token_sha256, Time now) override;

 private:
  PgDatabase& db_;
};

}  // namespace kb::storage
