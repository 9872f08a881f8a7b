#pragma once

// Policy evaluation: pure (no I/O, no clock: `now` is a parameter), deterministic, and
// self-explaining. Digests and user data are compared in constant time.

#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "policy/claims.h"
#include "policy/evaluation.h"
#include "policy/policy.h"
#include "policy/reference.h"

namespace kb::policy {

using ReferenceMap = std::map<std::string, Reference, std::less<>>;

// Why a rule of `policy` cannot use the reference `name`: "reference X is not registered", "... is
// pending", "... is revoked" or "... is for nitro-tpm"; nothing when it is active and for the
// policy's platform.
std::optional<std::string> InactiveReference(const std::string& name, const Policy& policy,
                                             const ReferenceMap& references);

// One policy against one set of claims. Allowed when the preconditions hold (platform,
// freshness, nonce presence, no debug-mode enclave unless allow_debug), no deny rule matches and
// at least one allow rule matches. An allow rule naming a reference that is not active (unknown,
// pending, revoked or for another platform) never matches; a deny rule naming one fails closed:
// the reference's condition counts as met and the rule's other conditions decide.
// REQUIRES: `policy` came from ParsePolicy.
Evaluation Evaluate(const Policy& policy, const Claims& claims, const ReferenceMap& references,
                    Time now);

// The release decision for `key_id`: allowed when at least one of `policies` that names the key
// allows. A key that no policy names is never released.
Evaluation DecideRelease(std::string_view key_id, std::span<const Policy* const> policies,
                         const Claims& claims, const ReferenceMap& references, Time now);

}  // namespace kb::policy
