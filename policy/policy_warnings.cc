#include "policy/policy_warnings.h"

namespace kb::policy {

std::vector<std::string> PolicyWarnings(const Policy& policy, const ReferenceMap* references) {
  std::vector<std::string> warnings;
  if (policy.allow_debug) {
    warnings.push_back("line " + std::to_string(policy.allow_debug_line) +
                       ": allow_debug: true admits debug-mode enclaves, which the parent instance "
                       "can inspect and which measure zeros, so no rule binds their image: for "
                       "development only");
  }
  if (references == nullptr) return warnings;
  for (const Rule& rule : policy.deny) {
    if (!rule.reference) continue;
    if (auto why = InactiveReference(*rule.reference, policy, *references)) {
      warnings.push_back("line " + std::to_string(rule.line) + ": " + rule.label + ": " + *why +
                         ": the rule fails closed and denies every document its other conditions "
                         "match");
    }
  }
  return warnings;
}

}  // namespace kb::policy
