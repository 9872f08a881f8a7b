#include "broker/policy_cache.h"

#include "policy/policy_parser.h"

namespace kb::broker {

Result<PolicyCache::Compiled> PolicyCache::Compile(const storage::PolicyVersion& v) {
  auto broken = [&](const Error& e) {
    return Error{ErrorCode::kInternal, "stored policy " + v.name + " v" +
                                           std::to_string(v.version) +
                                           " does not parse: " + e.message};
  };
  if (policy::IsXksPolicySource(v.source)) {
    auto parsed = policy::ParseXksPolicy(v.source);
    if (!parsed) return broken(parsed.error());
    return Compiled{nullptr, std::make_shared<const policy::XksPolicy>(std::move(*parsed))};
  }
  auto parsed = policy::ParsePolicy(v.source);
  if (!parsed) return broken(parsed.error());
  return Compiled{std::make_shared<const policy::Policy>(std::move(*parsed)), nullptr};
}

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
      auto compiled = Compile(v);
      if (!compiled) return std::move(compiled).error();
      it = compiled_.emplace(key, std::move(*compiled)).first;
    }
    out.push_back({it->second.policy, it->second.xks, v.version});
  }
  return out;
}

}  // namespace kb::broker
