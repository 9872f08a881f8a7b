#pragma once

// The policy language (docs/policy.md): parse → validate → compile in one pure function.

#include <string_view>

#include "common/result.h"
#include "policy/policy.h"

namespace kb::policy {

// Largest accepted policy source.
inline constexpr size_t kMaxPolicySize = 64 * 1024;

// A validated policy, or kMalformedRequest with "line N: what is wrong". Unknown fields are
// errors. Safe defaults: freshness max_age 300s with the nonce required, debug-mode enclaves
// denied unless allow_debug. Refused outright: a policy without allow rules, an allow rule that
// binds no measurement (reference or pcrs), a nitro-tpm allow rule with inline PCRs that binds
// neither PCR7 nor PCR12 (GHSA-xrv8-2pf5-f3q7), a nitro-enclave allow rule with inline PCRs that
// binds neither PCR0 nor PCR8 (the image), and a repeated mapping key anywhere (with its line and
// column). Rules with a reference rely on ValidateReference for the same guarantees.
// An XKS policy (`kind: xks`, xks_policy.h) is refused here: it says so.
Result<Policy> ParsePolicy(std::string_view yaml);

// Validates a policy of either kind the policy store holds (ParsePolicy or ParseXksPolicy, by
// `kind`) and returns its name.
Result<std::string> ParsePolicyOfEitherKind(std::string_view yaml);

}  // namespace kb::policy
