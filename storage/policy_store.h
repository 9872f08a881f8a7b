#pragma once

// Policy versions: every version is kept; at most one version of a name is active.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/time.h"
#include "storage/unit_of_work.h"

namespace kb::storage {

struct PolicyVersion {
  std::string name;
  int version = 0;
  std::string source;  // the YAML as submitted
  Time created_at{};
  std::string created_by;
  bool active = false;
  bool approved = false;  // reached the quorum of its time (it may have been replaced since)
};

class PolicyStore {
 public:
  virtual ~PolicyStore() = default;
  // Stores `source` as the next version of `name` (1 for a new name), inactive. Returns the
  // version. REQUIRES: the source parsed with policy::ParsePolicy and names `name`.
  virtual Result<int> Put(Tx& tx, std::string_view name, std::string_view source,
                          std::string_view created_by, Time now) = 0;
  // Makes `version` the active one at once, for the bootstrap directory (which runs only with
  // approvals_required: 1); the admin API activates through the approval store. kNotFound if
  // absent.
  virtual Status Activate(Tx& tx, std::string_view name, int version) = 0;
  // No version of `name` is active afterwards; activation requests of `name` are void.
  virtual Status Deactivate(Tx& tx, std::string_view name) = 0;
  // Records a request to make `version` active, which then waits for approvals (the approval
  // store's "activation" kind); approvals of an earlier request for it are void. kNotFound if
  // the version does not exist.
  virtual Status RequestActivation(Tx& tx, std::string_view name, int version, std::string_view by,
                                   Time now) = 0;
  virtual Result<bool> ActivationRequested(std::string_view name, int version) = 0;
  // kNotFound if absent.
  virtual Result<PolicyVersion> Get(std::string_view name, int version) = 0;
  virtual Result<std::vector<PolicyVersion>> Versions(std::string_view name) = 0;
  // The active version of every policy.
  virtual Result<std::vector<PolicyVersion>> ListActive() = 0;
  // For every name, its active version and its newest (one row when they are the same).
  virtual Result<std::vector<PolicyVersion>> ListCurrent() = 0;
};

}  // namespace kb::storage
