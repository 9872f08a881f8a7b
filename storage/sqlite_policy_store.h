#pragma once

#include "storage/database.h"
#include "storage/policy_store.h"

namespace kb::storage {

class SqlitePolicyStore final : public PolicyStore {
 public:
  // REQUIRES: `db` outlives the store.
  explicit SqlitePolicyStore(Database& db) : db_(db) {}

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
  // Runs one of the fixed SELECTs, binding ?1 = name and ?2 = version when given.
  Result<std::vector<PolicyVersion>> Query(const char* sql, std::optional<std::string_view> name,
                                           std::optional<int> version);
  // A change of the active version voids every activation request of `name` still waiting.
  Status VoidActivationRequests(std::string_view name);
  // Runs one fixed write statement, binding ?1 = name and ?2 = version when given.
  Status Run(std::string_view sql, std::string_view name, std::optional<int> version,
             std::string_view what);

  Database& db_;
};

}  // namespace kb::storage
