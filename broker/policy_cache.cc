#include "broker/policy_cache.h"

#include "policy/policy_parser.h"

namespace kb::broker {

Result<std::vector<ActivePolicy>> PolicyCache::Active(storage::PolicyStore& store) {
  auto active = store.ListActive();
  if (!active) return std::move(active).error();
  std::vector<ActivePolicy> out;
  out.reserve(active->size());
  for (const storage::PolicyVersion& v : *active) {
    std::lock_guard lock(mu_);
    auto key = std::make_pair(v.name, v.version);
    auto it = compiled_.find(key);
    if (it == compiled_.end()) {
      auto parsed = policy::ParsePolicy(v.source);
      if (!parsed) {
        return Error{ErrorCode::kInternal, "stored policy " + v.name + " v" +
                                               std::to_string(v.version) +
                                               " does not parse: " + parsed.error().message};
      }
      it = compiled_.emplace(key, std::make_shared<const policy::Policy>(std::move(*parsed))).first;
    }
    out.push_back({it->second, v.version});
  }
  return out;
}

}  // namespace kb::broker
