#pragma once

// The broker's policy evaluator: the key's active policies, compiled once (PolicyCache), and the
// registered references, against verified claims. It alone can make a ReleasePermit (Tink's
// access-token pattern): code that unseals a release key or wraps key material for a workload
// must be handed one, so nothing can release what no policy allowed.

#include <optional>
#include <string>
#include <string_view>

#include "broker/evidence/evidence_claims.h"
#include "broker/policy_cache.h"
#include "common/result.h"
#include "common/time.h"
#include "policy/xks_evaluator.h"
#include "storage/policy_store.h"
#include "storage/reference_store.h"

namespace kb::broker {

// Proof that a policy allows releasing `key_id` to the workload whose claims were evaluated,
// and to the public key inside those claims only. Copyable, but constructible by PolicyGate
// only.
class ReleasePermit {
 public:
  const std::string& key_id() const { return key_id_; }
  const std::string& policy() const { return policy_; }
  int policy_version() const { return policy_version_; }
  // The evaluated evidence's public key (nullopt: it had none): what the secret is wrapped to.
  const std::optional<Bytes>& recipient() const { return recipient_; }

 private:
  friend class PolicyGate;
  ReleasePermit(std::string key_id, std::string policy, int policy_version,
                std::optional<Bytes> recipient)
      : key_id_(std::move(key_id)),
        policy_(std::move(policy)),
        policy_version_(policy_version),
        recipient_(std::move(recipient)) {}

  std::string key_id_;
  std::string policy_;
  int policy_version_;
  std::optional<Bytes> recipient_;
};

// What the policies said. `policy` and `policy_version` name the policy that decided (the one
// that allowed, or the last one evaluated); both are empty/0 when no policy names the key.
struct PolicyVerdict {
  std::optional<ReleasePermit> permit;  // set exactly when a policy allows
  std::string policy;
  int policy_version = 0;
  std::string reason;  // one line, for the audit log
};

// What the XKS policies said of one XKS call (policy::DecideXks).
struct XksVerdict {
  policy::XksEvaluation evaluation;
  int policy_version = 0;  // of evaluation.policy; 0 when no policy decided
};

class PolicyGate {
 public:
  // REQUIRES: both stores outlive the gate.
  PolicyGate(storage::PolicyStore& policies, storage::ReferenceStore& references)
      : policies_(policies), references_(references) {}

  // The release decision for `key_id` (policy::DecideRelease over the active policies). An error
  // only when the stores cannot be read.
  Result<PolicyVerdict> Decide(std::string_view key_id, const EvidenceClaims& claims, Time now);

  // The secondary authorization of an XKS call by `keystore` on `key_id` (policy::DecideXks over
  // the active XKS policies). An error only when the store cannot be read.
  Result<XksVerdict> DecideXks(std::string_view keystore, std::string_view key_id,
                               const policy::XksRequestMetadata& metadata);

 private:
  storage::PolicyStore& policies_;
  storage::ReferenceStore& references_;
  PolicyCache cache_;
};

}  // namespace kb::broker
