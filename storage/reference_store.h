#pragma once

// Registered reference measurements. An interface, so that another backend (PostgreSQL for
// several replicas) can implement it; SqliteReferenceStore is the one we ship.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "policy/evaluator.h"
#include "policy/reference.h"
#include "storage/unit_of_work.h"

namespace kb::storage {

// A status is stored as two columns (status, approved): pending = ('active', 0). Every backend
// encodes and decodes it with these.
std::string_view ReferenceStatusColumn(policy::ReferenceStatus status);
int64_t ReferenceApprovedColumn(policy::ReferenceStatus status);
policy::ReferenceStatus ReferenceStatusFromColumns(const std::string& status, int64_t approved);

class ReferenceStore {
 public:
  virtual ~ReferenceStore() = default;
  // kConflict if the name exists. REQUIRES: ValidateReference passed.
  virtual Status Add(Tx& tx, const policy::Reference& reference) = 0;
  // kNotFound if absent.
  virtual Result<policy::Reference> Get(std::string_view name) = 0;
  virtual Result<std::vector<policy::Reference>> List() = 0;
  // kNotFound if absent. Revocation takes effect for every evaluation that loads after it.
  // Revoking or setting pending also discards the reference's approvals, so a reinstatement
  // collects new ones.
  virtual Status SetStatus(Tx& tx, std::string_view name, policy::ReferenceStatus status) = 0;
  // Every reference, keyed by name, for evaluation.
  virtual Result<policy::ReferenceMap> LoadAll() = 0;
};

}  // namespace kb::storage
