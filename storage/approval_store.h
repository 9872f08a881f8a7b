#pragma once

// The two-person rule's state: who approved which pending subject. A subject (a reference, a
// policy version, an attestation key, a policy activation, a principal, a token, an access
// key or a client certificate binding made for someone else) is created pending with its author's
// approval; it takes effect in the transaction that records the approval reaching the quorum.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/time.h"
#include "storage/audit_log.h"

namespace kb::storage {

enum class ApprovalKind {
  kReference,
  kPolicy,
  kAttestationKey,
  kPolicyActivation,   // making an approved version active again (a rollback), by name + version
  kPrincipal,          // a new principal
  kToken,              // a token issued for another principal
  kAccessKey,          // a KMS access key issued for another principal
  kKmsGrant,           // a kms-user's grant of KMS operations on a key, by grant id
  kKeyAttestation,     // a new attestation_required of a kms key, by key id + change version
  kKeyEnable,          // enabling a disabled key again, by key id
  kClientCertificate,  // a client certificate bound to another principal, by binding id
};

// "reference" | "policy" | "ak" | "activation" | "principal" | "token" | "access-key" |
// "kms-grant" | "key-attestation" | "key-enable" | "client-cert": the wire and database names.
std::string_view ApprovalKindName(ApprovalKind kind);
std::optional<ApprovalKind> ParseApprovalKind(std::string_view name);

struct ApprovalSubject {
  ApprovalKind kind;
  std::string name;
  int version = 0;  // policy version (also of an activation), key attestation change; 0 otherwise
};

struct ApprovalResult {
  int approvals = 0;                   // distinct principals, this one included
  bool activated = false;              // this approval reached the quorum
  std::vector<std::string> approvers;  // in order of approval, this one included
};

struct PendingItem {
  ApprovalSubject subject;
  std::vector<std::string> approvers;
};

class ApprovalStore {
 public:
  virtual ~ApprovalStore() = default;
  // Records `principal`'s approval of a pending subject; when `required` distinct principals
  // have approved, makes it effective (reference approved, policy version active, AK active,
  // principal, token, access key or client certificate usable).
  // Approval, effect and `audit` commit together. kNotFound if the subject does not exist;
  // kConflict if it is not pending or `principal` already approved it.
  virtual Result<ApprovalResult> Approve(Tx& tx, const ApprovalSubject& subject,
                                         std::string_view principal, int required, Time now,
                                         AuditRecord audit) = 0;
  // Principals who approved, in order of approval.
  virtual Result<std::vector<std::string>> Approvers(const ApprovalSubject& subject) = 0;
  // Every subject still short of `required` approvals.
  virtual Result<std::vector<PendingItem>> Pending(int required) = 0;
};

}  // namespace kb::storage
