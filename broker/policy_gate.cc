#include "broker/policy_gate.h"

#include <algorithm>
#include <vector>

#include "broker/evidence/verified_evidence.h"
#include "policy/evaluator.h"

namespace kb::broker {

Result<PolicyVerdict> PolicyGate::Decide(std::string_view key_id, const EvidenceClaims& claims,
                                         Time now) {
  auto active = cache_.Active(policies_);
  if (!active) return std::move(active).error();
  std::vector<const policy::Policy*> policies;
  bool governed = false;
  for (const ActivePolicy& p : *active) {
    if (!p.policy) continue;  // an XKS policy (XksGate)
    policies.push_back(p.policy.get());
    const auto& keys = p.policy->keys;
    governed |= std::find(keys.begin(), keys.end(), key_id) != keys.end();
  }
  // References are read only when some policy could use them: a request for a key no policy
  // names is denied without touching them.
  policy::ReferenceMap references;
  if (governed) {
    auto loaded = references_.LoadAll();
    if (!loaded) return std::move(loaded).error();
    references = std::move(*loaded);
  }
  policy::Evaluation evaluation = policy::DecideRelease(key_id, policies, claims, references, now);
  PolicyVerdict verdict;
  verdict.policy = evaluation.policy;
  verdict.reason = std::move(evaluation.reason);
  for (const ActivePolicy& p : *active) {
    if (p.policy && p.policy->name == evaluation.policy) verdict.policy_version = p.version;
  }
  if (evaluation.allow) {
    verdict.permit = ReleasePermit(std::string(key_id), verdict.policy, verdict.policy_version,
                                   claims.public_key);
  }
  return verdict;
}

Result<XksVerdict> PolicyGate::DecideXks(std::string_view keystore, std::string_view key_id,
                                         const policy::XksRequestMetadata& metadata) {
  auto active = cache_.Active(policies_);
  if (!active) return std::move(active).error();
  std::vector<const policy::XksPolicy*> policies;
  for (const ActivePolicy& p : *active) {
    if (p.xks) policies.push_back(p.xks.get());
  }
  XksVerdict verdict{policy::DecideXks(keystore, key_id, policies, metadata)};
  for (const ActivePolicy& p : *active) {
    if (p.xks && p.xks->name == verdict.evaluation.policy) verdict.policy_version = p.version;
  }
  return verdict;
}

}  // namespace kb::broker
