#pragma once

// Compiled policies, keyed by (name, version). A stored version never changes, so an entry never
// goes stale: a new version is a new key, and only the set of active versions is read per
// request. Thread-safe.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"
#include "policy/policy.h"
#include "storage/policy_store.h"

namespace kb::broker {

struct ActivePolicy {
  std::shared_ptr<const policy::Policy> policy;
  int version;
};

class PolicyCache {
 public:
  // The active policies, compiled. A stored version that no longer parses (cannot happen for
  // versions stored through the API, which parse first) is kInternal.
  Result<std::vector<ActivePolicy>> Active(storage::PolicyStore& store);

 private:
  std::mutex mu_;
  std::map<std::pair<std::string, int>, std::shared_ptr<const policy::Policy>> compiled_;
};

}  // namespace kb::broker
