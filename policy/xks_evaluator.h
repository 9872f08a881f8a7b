#pragma once

// The decision of the XKS policies on one XKS call: pure, self-explaining.
//
// A call by key store K on key `key_id` is allowed when at least one active XKS policy names
// both K (keystores) and the key, no deny rule of that policy matches, and one of its allow rules
// matches. With no such policy, nothing is allowed: deactivating a policy can only narrow.

#include <map>
#include <span>
#include <string>

#include "policy/xks_policy.h"

namespace kb::policy {

// requestMetadata as sent: every string member, by its JSON name (awsPrincipalArn, ...).
using XksRequestMetadata = std::map<std::string, std::string, std::less<>>;

struct XksEvaluation {
  bool allow = false;
  std::string policy;        // the policy that decided; empty if none names the key store and key
  std::string matched_rule;  // "allow[0]", or the deny rule that matched
  std::string reason;        // one line, for the audit log and the dry run
  // A matching allow rule states a recipient condition (then it is matched_rule): KMS forwarded
  // the measurements of an attested enclave, and they are the ones the rule names.
  bool recipient_bound = false;
};

XksEvaluation DecideXks(std::string_view keystore, std::string_view key_id,
                        std::span<const XksPolicy* const> policies,
                        const XksRequestMetadata& metadata);

// One policy's verdict, as DecideXks reaches it (for the dry run of a named policy).
XksEvaluation EvaluateXksPolicy(const XksPolicy& policy, std::string_view keystore,
                                std::string_view key_id, const XksRequestMetadata& metadata);

}  // namespace kb::policy
