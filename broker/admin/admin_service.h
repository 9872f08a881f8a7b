#pragma once

// The admin use cases for what decides a release: reference measurements, policy versions and
// TPM attestation keys, under the two-person rule, plus the policy dry run.
//
// Two-person rule: a new reference, a reinstated (previously revoked) reference, a new policy
// version, making an approved version active again (a rollback) and a new attestation key are
// created pending, with their author's approval; they take effect when `approvals_required`
// distinct principals approved. Revocation and deactivation are immediate and need nobody else.
// Authorization (which role may call what) is the API's job; this class enforces only what depends
// on who the caller is (an author cannot approve twice).

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "broker/admin/principal.h"
#include "broker/admin/quorum.h"
#include "broker/evidence/attestation_keys.h"
#include "broker/evidence/evidence_verifier.h"
#include "policy/evaluation.h"
#include "policy/reference.h"
#include "policy/xks_evaluator.h"
#include "storage/approval_store.h"
#include "storage/attestation_key_store.h"
#include "storage/audit_log.h"
#include "storage/policy_store.h"
#include "storage/reference_store.h"
#include "storage/unit_of_work.h"

namespace kb::broker {

// The dry run of an XKS policy: an XKS call as the proxy would see it.
struct XksEvaluateRequest {
  std::string keystore;
  std::string key_id;
  policy::XksRequestMetadata metadata;
};

// A release policy is evaluated against a document; an XKS policy against an XKS call (`xks`).
struct EvaluateRequest {
  std::optional<int> version;  // default: the active version, else the newest
  EvidenceType evidence_type;  // nullopt: "auto", by the document's form
  Bytes document;
  std::optional<Time> at;  // default: now (for documents older than their certificates)
  std::optional<XksEvaluateRequest> xks;
};

struct DryRun {
  int version = 0;
  policy::Evaluation decision;
  EvidenceClaims claims;
  std::vector<std::string> warnings;         // policy::PolicyWarnings against the stored references
  std::optional<policy::XksEvaluation> xks;  // set, alone, for an XKS policy
};

struct PolicyPut {
  int version = 0;
  ApprovalStatus approval;
  std::vector<std::string> warnings;  // policy::PolicyWarnings against the stored references
};

class AdminService {
 public:
  struct Dependencies {
    storage::ReferenceStore& references;
    storage::PolicyStore& policies;
    storage::ApprovalStore& approvals;
    storage::AttestationKeyStore& attestation_keys;
    storage::AuditLog& audit;
    // Every change commits together with its audit row and, for what needs approvals, with its
    // author's approval: a crash never leaves a change without its row.
    storage::UnitOfWork& unit_of_work;
    AttestationKeys& live_attestation_keys;  // what the TPM verifier trusts, updated here
    const EvidenceVerifiers& verifiers;      // for the dry run's verification
    int approvals_required = 1;
  };

  // REQUIRES: every dependency outlives the service; approvals_required >= 1.
  explicit AdminService(Dependencies deps)
      : deps_(deps), quorum_(deps.approvals, deps.unit_of_work, deps.approvals_required) {}

  int approvals_required() const { return deps_.approvals_required; }

  // References; each is validated (policy::ValidateReference) before it is stored.
  Result<ApprovalStatus> CreateReference(policy::Reference reference, const Principal& actor,
                                         Time now);
  Status RevokeReference(const std::string& name, const Principal& actor, Time now);
  Result<ApprovalStatus> ReinstateReference(const std::string& name, const Principal& actor,
                                            Time now);
  Result<ApprovalStatus> ApproveReference(const std::string& name, const Principal& actor,
                                          Time now);
  Result<ApprovalStatus> ReferenceApprovals(const std::string& name);

  // Policies. `name` must be the name inside the YAML. Returns the new version and warnings (e.g.
  // a deny rule naming a reference that is not active). With approvals_required >= 2, a policy
  // with allow_debug: true is refused: debug-mode enclaves measure zeros, so such a policy binds
  // no image, which the two-person rule is there to prevent.
  Result<PolicyPut> PutPolicy(const std::string& name, const std::string& yaml,
                              const Principal& actor, Time now);
  Result<ApprovalStatus> ApprovePolicy(const std::string& name, int version, const Principal& actor,
                                       Time now);
  // Making an approved version active (a rollback, or back after a deactivation) needs the quorum
  // too: the first call requests it with `actor`'s approval; the same call by other principals
  // holding `approver` approves it, and the approval that reaches the quorum activates it.
  // kConflict for a version without its own approvals or one already active; kForbidden when a
  // request waits and `actor` is not an approver. A change of the active version (this one, a
  // newly approved version, a deactivation) voids every other request still waiting.
  Result<ApprovalStatus> ActivatePolicy(const std::string& name, int version,
                                        const Principal& actor, Time now);
  // Immediate: no version of `name` is active afterwards, so its keys go to nobody through it.
  Status DeactivatePolicy(const std::string& name, const Principal& actor, Time now);
  Result<ApprovalStatus> PolicyApprovals(const std::string& name, int version);
  // The version a dry run or a GET uses by default: the active one, else the newest.
  Result<storage::PolicyVersion> CurrentPolicy(const std::string& name);
  // Verifies the document (no nonce) and evaluates one version; releases nothing.
  Result<DryRun> Evaluate(const std::string& name, const EvaluateRequest& request, Time now);

  // Attestation keys: a TPM2B_PUBLIC of a restricted signing key (AttestationKeys::Parse; PEM is
  // refused). Returns the id "ak:<sha256 hex>". A PEM row still pending from before PEM was
  // refused cannot be approved; active PEM rows keep verifying (LoadAttestationKeys).
  Result<std::pair<std::string, ApprovalStatus>> RegisterAttestationKey(
      ByteSpan public_key, const std::string& description, const Principal& actor, Time now);
  Result<ApprovalStatus> ApproveAttestationKey(const std::string& id, const Principal& actor,
                                               Time now);
  Status RevokeAttestationKey(const std::string& id, const Principal& actor, Time now);
  // Loads the active registered keys into the live set (at start-up).
  Status LoadAttestationKeys();
  // Brings the live set up to the database, where other replicas register, approve and revoke
  // (called every second with a PostgreSQL database): active keys are added, revoked ones
  // removed, as RegisterAttestationKey and RevokeAttestationKey do on the replica that ran them.
  Status SyncAttestationKeys();

  // Reads, for every role.
  Result<std::vector<policy::Reference>> ListReferences() { return deps_.references.List(); }
  Result<policy::Reference> GetReference(const std::string& name) {
    return deps_.references.Get(name);
  }
  Result<std::vector<storage::PolicyVersion>> ListPolicies() {
    return deps_.policies.ListCurrent();
  }
  Result<std::vector<storage::PolicyVersion>> PolicyVersions(const std::string& name);
  Result<storage::PolicyVersion> GetPolicyVersion(const std::string& name, int version) {
    return deps_.policies.Get(name, version);
  }
  Result<std::vector<storage::AttestationKeyRecord>> ListAttestationKeys() {
    return deps_.attestation_keys.List();
  }
  Result<std::vector<storage::PendingItem>> Pending() { return quorum_.Pending(); }
  // The audit log, for auditors.
  Result<std::vector<storage::AuditRecord>> ReadAudit(uint64_t after, size_t limit) {
    return deps_.audit.Read(after, limit);
  }
  Result<storage::AuditVerification> VerifyAudit() { return deps_.audit.Verify(); }

 private:
  // A policy source of either kind that names `name`, and its warnings (release policies only).
  Result<std::vector<std::string>> CheckPolicySource(const std::string& name,
                                                     const std::string& yaml);
  Result<DryRun> EvaluateXks(const storage::PolicyVersion& stored, const EvaluateRequest& request);
  Result<ApprovalStatus> Approve(const storage::ApprovalSubject& subject, const Principal& actor,
                                 std::string_view action, Time now);
  // `change` (which may complete `subject`, e.g. with a new version) and `actor`'s approval of
  // `subject`, in one transaction, which `change` writes through.
  Result<ApprovalStatus> ChangeAndApprove(storage::ApprovalSubject& subject, const Principal& actor,
                                          std::string_view action, Time now,
                                          const std::function<Status(storage::Tx&)>& change);
  // After the commit: the live AK set follows an activated key.
  Result<ApprovalStatus> Settle(const storage::ApprovalSubject& subject,
                                Result<ApprovalStatus> status);

  Dependencies deps_;
  Quorum quorum_;
};

}  // namespace kb::broker
