#pragma once

// Compiled policies, keyed by (name, version). A stored version never changes, so an entry never
// goes stale: a new version is a new key, and only the set of active versions is read per
// request. Release policies and XKS policies share the store (`kind: xks` tells them apart) and
// this cache. Thread-safe.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"
#include "policy/policy.h"
#include "policy/xks_policy.h"
#include "storage/policy_store.h"

namespace kb::broker {

// Exactly one of `policy` and `xks` is set.
struct ActivePolicy {
  std::shared_ptr<const policy::Policy> policy;
  std::shared_ptr<const policy::XksPolicy> xks;
  int version;
};

class PolicyCache {
 public:
  // The active policies of both kinds, compiled. A stored version that no longer parses (cannot
  // happen for versions stored through the API, which parse first) is kInternal.
  Result<std::vector<ActivePolicy>> Active(storage::PolicyStore& store);

 private:
  struct Compiled {
    std::shared_ptr<const policy::Policy> policy;
    std::shared_ptr<const policy::XksPolicy> xks;
  };
  static Result<Compiled> Compile(const storage::PolicyVersion& version);

  std::mutex mu_;
  std::map<std::pair<std::string, int>, Compiled> compiled_;
};

}  // namespace kb::broker
