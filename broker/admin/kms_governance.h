#pragma once

// The admin use cases that decide who may use a kms key through the KMS API, and how, under the
// two-person rule (admin_service.h):
//   - grants: a kms-user may call the operations of its active grants on their keys, and nothing
//     else. A key-manager proposes a grant (pending, with its approval); it becomes active when
//     `approvals_required` distinct principals approved it. Revoking is immediate.
//   - attestation_required of a kms key: fixed at creation; a key-manager proposes a change in
//     either direction, which applies when approved like a grant. A newer proposal for the same
//     key supersedes an older pending one.
// Authorization (which role may call what) is the API's job.

#include <string>
#include <string_view>
#include <vector>

#include "broker/admin/admin_service.h"
#include "broker/admin/principal.h"
#include "broker/admin/quorum.h"
#include "crypto/random.h"
#include "storage/approval_store.h"
#include "storage/audit_log.h"
#include "storage/key_store.h"
#include "storage/kms_grant_store.h"
#include "storage/unit_of_work.h"

namespace kb::broker {

// The KMS operations a grant can name.
const std::vector<std::string>& GrantableKmsOperations();

struct GrantRequest {
  std::string principal;
  std::string key;  // a key id, or alias/<id> as KMS clients name it
  std::vector<std::string> operations;
};

struct AttestationChange {
  int version = 0;
  ApprovalStatus approval;
};

class KmsGovernance {
 public:
  struct Dependencies {
    storage::KmsGrantStore& grants;
    storage::KeyStore& keys;
    Quorum& quorum;
    storage::AuditLog& audit;
    const Random& random;
  };
  // REQUIRES: every dependency outlives the object.
  explicit KmsGovernance(Dependencies deps) : deps_(deps) {}

  // kMalformedRequest for an unknown or missing operation; kKeyNotFound for no such key;
  // kWrongKeyPurpose for a release key; kNotFound for no such principal.
  Result<std::pair<storage::KmsGrant, ApprovalStatus>> CreateGrant(const GrantRequest& request,
                                                                   const Principal& actor,
                                                                   Time now);
  Result<ApprovalStatus> ApproveGrant(const std::string& id, const Principal& actor, Time now);
  Status RevokeGrant(const std::string& id, const Principal& actor, Time now);
  Result<std::vector<storage::KmsGrant>> ListGrants() { return deps_.grants.List(); }
  Result<storage::KmsGrant> GetGrant(const std::string& id) { return deps_.grants.Get(id); }

  // kWrongKeyPurpose for a release key; kConflict if the key already has that value.
  Result<AttestationChange> ProposeAttestation(const std::string& key_id, bool required,
                                               const Principal& actor, Time now);
  Result<ApprovalStatus> ApproveAttestation(const std::string& key_id, int version,
                                            const Principal& actor, Time now);
  Result<std::vector<storage::KeyAttestationChange>> AttestationChanges(const std::string& key_id) {
    return deps_.grants.AttestationChanges(key_id);
  }

 private:
  Result<storage::KeyRecord> KmsKey(std::string_view key_id);

  Dependencies deps_;
};

}  // namespace kb::broker
