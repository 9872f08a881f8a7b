#pragma once

// What a policy's author and reviewers should know that does not make the policy invalid. Shown
// by `keybroker policy check` and in the admin API's answers to a policy put and a dry run.

#include <string>
#include <vector>

#include "policy/evaluator.h"
#include "policy/policy.h"

namespace kb::policy {

// "line N: ..." for each of:
// - allow_debug: true (debug-mode enclaves measure zeros, so no rule can bind their image): the
//   policy is for development only;
// - a deny rule naming a reference that is not active in `references` (unknown, pending, revoked
//   or for another platform): the rule fails closed, denying whatever its other conditions match.
//   Skipped when `references` is null (the registered references are not known).
std::vector<std::string> PolicyWarnings(const Policy& policy, const ReferenceMap* references);

}  // namespace kb::policy
