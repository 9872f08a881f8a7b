#pragma once

#include "storage/pg/pg_database.h"
#include "storage/policy_store.h"

namespace kb::storage {

// SqlitePolicyStore (sqlite_policy_store.h) on PostgreSQL, statement by statement.
class PgPolicyStore final : public PolicyStore {
 public:
  // REQUIRES: `db` outlives the store.
  explicit PgPolicyStore(PgDatabase& db) : db_(db) {}

  Result<int> Put(Tx& tx, std::string_view name, std::string_view source,
                  std::string_view created_by, Time now) override;
  Status Activate(Tx& tx, std::string_view name, int version) override;
  Status Deactivate(Tx& tx, std::string_view name) override;
  Status RequestActivation(Tx& tx, std::string_view name, int version, std::string_view by,
                           Time now) override;
  Result<bool> ActivationRequested(std::string_view name, int version) override;
  Result<PolicyVersion> Get(std::string_view name, int version) override;
  Result<std::vector<PolicyVersion>> Versions(std::string_view name) override;
  Result<std::vector<PolicyVersion>> ListActive() override;
  Result<std::vector<PolicyVersion>> ListCurrent() override;

 private:
  // Runs one of the fixed SELECTs on a leased connection, binding $1 = name and $2 = version
  // when given.
  Result<std::vector<PolicyVersion>> Query(const char* sql, std::optional<std::string_view> name,
                                           std::optional<int> version);

  PgDatabase& db_;
};

}  // namespace kb::storage
