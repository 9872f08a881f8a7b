#pragma once

#include "storage/pg/pg_database.h"
#include "storage/reference_store.h"

namespace kb::storage {

// SqliteReferenceStore (sqlite_reference_store.h) on PostgreSQL, statement by statement.
class PgReferenceStore final : public ReferenceStore {
 public:
  // REQUIRES: `db` outlives the store.
  explicit PgReferenceStore(PgDatabase& db) : db_(db) {}

  Status Add(Tx& tx, const policy::Reference& reference) override;
  Result<policy::Reference> Get(std::string_view name) override;
  Result<std::vector<policy::Reference>> List() override;
  Status SetStatus(Tx& tx, std::string_view name, policy::ReferenceStatus status) override;
  Result<policy::ReferenceMap> LoadAll() override;

 private:
  // All references (or the one named), with their PCRs, on a leased connection.
  Result<std::vector<policy::Reference>> Load(std::optional<std::string_view> name);

  PgDatabase& db_;
};

}  // namespace kb::storage
