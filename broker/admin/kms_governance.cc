#include "broker/admin/kms_governance.h"

#include <algorithm>

#include "broker/admin/internal/admin_audit.h"
#include "common/encoding.h"
#include "storage/audited_change.h"

namespace kb::broker {

using storage::ApprovalKind;
using storage::ApprovalSubject;

const std::vector<std::string>& GrantableKmsOperations() {
  static const std::vector<std::string> kOperations = {
      "Decrypt", "DescribeKey", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext"};
  return kOperations;
}

namespace {

// Sorted, without duplicates; kMalformedRequest for an operation a grant cannot name.
Result<std::vector<std::string>> NormalizeOperations(std::vector<std::string> operations) {
  if (operations.empty()) {
    return Error{ErrorCode::kMalformedRequest, "a grant names at least one operation"};
  }
  const auto& known = GrantableKmsOperations();
  for (const auto& op : operations) {
    if (std::find(known.begin(), known.end(), op) == known.end()) {
      return Error{ErrorCode::kMalformedRequest, "a grant cannot name operation '" + op + "'"};
    }
  }
  std::sort(operations.begin(), operations.end());
  operations.erase(std::unique(operations.begin(), operations.end()), operations.end());
  return operations;
}

}  // namespace

Result<storage::KeyRecord> KmsGovernance::KmsKey(std::string_view key_id) {
  auto key = deps_.keys.Get(key_id);
  if (!key) return std::move(key).error();
  if (key->purpose != storage::KeyPurpose::kKms) {
    return Error{ErrorCode::kWrongKeyPurpose,
                 "key " + key->id + " has purpose release: it is not usable through the KMS API"};
  }
  return key;
}

Result<std::pair<storage::KmsGrant, ApprovalStatus>> KmsGovernance::CreateGrant(
    const GrantRequest& request, const Principal& actor, Time now) {
  auto operations = NormalizeOperations(request.operations);
  if (!operations) return std::move(operations).error();
  std::string_view key_id = request.key;
  if (key_id.starts_with("alias/")) key_id.remove_prefix(6);  // alias/NAME names the key NAME
  auto key = KmsKey(key_id);
  if (!key) return std::move(key).error();
  Bytes id(8);
  if (auto s = deps_.random.Fill(id); !s) return std::move(s).error();
  storage::KmsGrant grant{"grant-" + HexEncode(id),
                          request.principal,
                          key->id,
                          std::move(*operations),
                          "pending",
                          now,
                          actor.name,
                          std::nullopt};
  storage::AuditRecord row = internal::AdminAudit(
      "kms-grant.create", actor.name, now,
      "grant " + grant.id + ": " + grant.principal + " may " +
          storage::JoinOperations(grant.operations) + " on key " + grant.key_id);
  row.key_id = grant.key_id;
  ApprovalSubject subject{ApprovalKind::kKmsGrant, grant.id, 0};
  auto status =
      deps_.quorum.ChangeAndApprove(subject, actor, "kms-grant.approve", now, [&](storage::Tx& tx) {
        return storage::WithAudit(
            tx, deps_.audit, std::move(row),
            [&](storage::Tx&, storage::AuditRecord&) { return deps_.grants.Add(tx, grant); });
      });
  if (!status) return std::move(status).error();
  if (status->effective) grant.status = "active";
  return std::make_pair(std::move(grant), std::move(*status));
}

Result<ApprovalStatus> KmsGovernance::ApproveGrant(const std::string& id, const Principal& actor,
                                                   Time now) {
  return deps_.quorum.Approve({ApprovalKind::kKmsGrant, id, 0}, actor, "kms-grant.approve", now);
}

Status KmsGovernance::RevokeGrant(const std::string& id, const Principal& actor, Time now) {
  return deps_.quorum.unit_of_work().Run([&](storage::Tx& tx) {
    return deps_.grants.Revoke(
        tx, id, now, internal::AdminAudit("kms-grant.revoke", actor.name, now, "kms grant " + id));
  });
}

Result<AttestationChange> KmsGovernance::ProposeAttestation(const std::string& key_id,
                                                            bool required, const Principal& actor,
                                                            Time now) {
  auto key = KmsKey(key_id);
  if (!key) return std::move(key).error();
  if (key->attestation_required == required) {
    return Error{ErrorCode::kConflict, "key " + key_id + " already has attestation_required: " +
                                           (required ? "true" : "false")};
  }
  AttestationChange change;
  ApprovalSubject subject{ApprovalKind::kKeyAttestation, key_id, 0};
  auto status = deps_.quorum.ChangeAndApprove(
      subject, actor, "key.attestation-approve", now, [&](storage::Tx& tx) {
        storage::AuditRecord proposal =
            internal::AdminAudit("key.attestation-propose", actor.name, now, "");
        proposal.key_id = key_id;
        return storage::WithAudit(
            tx, deps_.audit, std::move(proposal),
            [&](storage::Tx&, storage::AuditRecord& row) -> Status {
              auto version = deps_.grants.ProposeAttestation(tx, key_id, required, actor.name, now);
              if (!version) return std::move(version).error();
              subject.version = change.version = *version;
              row.reasons = "key " + key_id + " change " + std::to_string(*version) +
                            ": attestation_required " + (required ? "true" : "false");
              return Ok();
            });
      });
  if (!status) return std::move(status).error();
  change.approval = std::move(*status);
  return change;
}

Result<ApprovalStatus> KmsGovernance::ApproveAttestation(const std::string& key_id, int version,
                                                         const Principal& actor, Time now) {
  return deps_.quorum.Approve({ApprovalKind::kKeyAttestation, key_id, version}, actor,
                              "key.attestation-approve", now);
}

}  // namespace kb::broker
