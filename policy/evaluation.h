#pragma once

// The outcome of evaluating policies, with the explanation an admin needs to see why: for every
// rule, each condition's expected and actual value and whether it matched.

#include <string>
#include <vector>

namespace kb::policy {

struct Check {
  std::string what;  // "PCR0", "module_id", "platform", "age", ...
  std::string expected;
  std::string actual;
  bool matched;
};

struct RuleResult {
  std::string rule;  // "preconditions", "allow[0]", "deny[1]"
  bool matched;
  std::vector<Check> checks;
  std::string note;  // e.g. "reference ami-0abc is revoked"
};

struct Evaluation {
  bool allow = false;
  std::string policy;        // the policy that decided (allowing or last evaluated)
  std::string matched_rule;  // for an allow: the allow rule; for a deny rule: that rule
  std::string reason;        // one line
  std::vector<RuleResult> explanation;
};

}  // namespace kb::policy
