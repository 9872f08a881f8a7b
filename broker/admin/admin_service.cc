#include "broker/admin/admin_service.h"

#include "broker/admin/internal/admin_audit.h"
#include "common/encoding.h"
#include "policy/evaluator.h"
#include "policy/policy_parser.h"
#include "policy/policy_warnings.h"
#include "storage/audited_change.h"

namespace kb::broker {

using storage::ApprovalKind;
using storage::ApprovalSubject;

Result<ApprovalStatus> AdminService::Settle(const ApprovalSubject& subject,
                                            Result<ApprovalStatus> status) {
  if (status && status->effective && subject.kind == ApprovalKind::kAttestationKey) {
    if (auto s = LoadAttestationKeys(); !s) return std::move(s).error();
  }
  return status;
}

Result<ApprovalStatus> AdminService::Approve(const ApprovalSubject& subject, const Principal& actor,
                                             std::string_view action, Time now) {
  return Settle(subject, quorum_.Approve(subject, actor, action, now));
}

Result<ApprovalStatus> AdminService::ChangeAndApprove(
    ApprovalSubject& subject, const Principal& actor, std::string_view action, Time now,
    const std::function<Status(storage::Tx&)>& change) {
  return Settle(subject, quorum_.ChangeAndApprove(subject, actor, action, now, change));
}

// References.

Result<ApprovalStatus> AdminService::CreateReference(policy::Reference reference,
                                                     const Principal& actor, Time now) {
  if (auto s = policy::ValidateReference(reference); !s) return std::move(s).error();
  reference.status = policy::ReferenceStatus::kPending;
  reference.created_at = now;
  reference.created_by = actor.name;
  ApprovalSubject subject{ApprovalKind::kReference, reference.name, 0};
  return ChangeAndApprove(subject, actor, "reference.create", now,
                          [&](storage::Tx& tx) { return deps_.references.Add(tx, reference); });
}

Status AdminService::RevokeReference(const std::string& name, const Principal& actor, Time now) {
  return storage::CommitWithAudit(
      deps_.unit_of_work, deps_.audit,
      internal::AdminAudit("reference.revoke", actor.name, now, "reference " + name),
      [&](storage::Tx& tx, storage::AuditRecord&) {
        return deps_.references.SetStatus(tx, name, policy::ReferenceStatus::kRevoked);
      });
}

Result<ApprovalStatus> AdminService::ReinstateReference(const std::string& name,
                                                        const Principal& actor, Time now) {
  auto current = deps_.references.Get(name);
  if (!current) return std::move(current).error();
  if (current->status != policy::ReferenceStatus::kRevoked) {
    return Error{ErrorCode::kConflict, "reference " + name + " is not revoked"};
  }
  ApprovalSubject subject{ApprovalKind::kReference, name, 0};
  return ChangeAndApprove(subject, actor, "reference.reinstate", now, [&](storage::Tx& tx) {
    return deps_.references.SetStatus(tx, name, policy::ReferenceStatus::kPending);
  });
}

Result<ApprovalStatus> AdminService::ApproveReference(const std::string& name,
                                                      const Principal& actor, Time now) {
  return Approve({ApprovalKind::kReference, name, 0}, actor, "reference.approve", now);
}

Result<ApprovalStatus> AdminService::ReferenceApprovals(const std::string& name) {
  auto reference = deps_.references.Get(name);
  if (!reference) return std::move(reference).error();
  auto approvers = deps_.approvals.Approvers({ApprovalKind::kReference, name, 0});
  if (!approvers) return std::move(approvers).error();
  return ApprovalStatus{std::move(*approvers), deps_.approvals_required,
                        reference->status == policy::ReferenceStatus::kActive};
}

// Policies.

Result<PolicyPut> AdminService::PutPolicy(const std::string& name, const std::string& yaml,
                                          const Principal& actor, Time now) {
  if (yaml.size() > policy::kMaxPolicySize) {
    return Error{ErrorCode::kPayloadTooLarge, "policy larger than 64 KiB"};
  }
  auto warnings = CheckPolicySource(name, yaml);
  if (!warnings) return std::move(warnings).error();
  ApprovalSubject subject{ApprovalKind::kPolicy, name, 0};
  auto status = ChangeAndApprove(subject, actor, "policy.put", now, [&](storage::Tx& tx) -> Status {
    auto version = deps_.policies.Put(tx, name, yaml, actor.name, now);
    if (!version) return std::move(version).error();
    subject.version = *version;
    return Ok();
  });
  if (!status) return std::move(status).error();
  return PolicyPut{subject.version, std::move(*status), std::move(*warnings)};
}

Result<std::vector<std::string>> AdminService::CheckPolicySource(const std::string& name,
                                                                 const std::string& yaml) {
  auto named = [&](const std::string& own) -> Status {
    if (own == name) return Ok();
    return Error{ErrorCode::kMalformedRequest, "the policy names itself " + own + ", not " + name};
  };
  if (policy::IsXksPolicySource(yaml)) {  // an XKS policy: no references, no debug enclaves
    auto parsed = policy::ParseXksPolicy(yaml);
    if (!parsed) return Error{ErrorCode::kMalformedRequest, parsed.error().message};
    if (auto s = named(parsed->name); !s) return std::move(s).error();
    return std::vector<std::string>();
  }
  auto parsed = policy::ParsePolicy(yaml);
  if (!parsed) return Error{ErrorCode::kMalformedRequest, parsed.error().message};
  if (auto s = named(parsed->name); !s) return std::move(s).error();
  if (parsed->allow_debug && deps_.approvals_required >= 2) {
    return Error{ErrorCode::kMalformedRequest,
                 "line " + std::to_string(parsed->allow_debug_line) +
                     ": allow_debug: true is for development only (debug-mode enclaves measure "
                     "zeros, so no rule binds their image) and is refused when approvals_required "
                     "is 2 or more"};
  }
  auto references = deps_.references.LoadAll();
  if (!references) return std::move(references).error();
  return policy::PolicyWarnings(*parsed, &*references);
}

Result<ApprovalStatus> AdminService::ApprovePolicy(const std::string& name, int version,
                                                   const Principal& actor, Time now) {
  return Approve({ApprovalKind::kPolicy, name, version}, actor, "policy.approve", now);
}

Result<ApprovalStatus> AdminService::PolicyApprovals(const std::string& name, int version) {
  auto stored = deps_.policies.Get(name, version);
  if (!stored) return std::move(stored).error();
  auto approvers = deps_.approvals.Approvers({ApprovalKind::kPolicy, name, version});
  if (!approvers) return std::move(approvers).error();
  // Approved once it reached the quorum of its time, whatever approvals_required says today.
  return ApprovalStatus{std::move(*approvers), deps_.approvals_required, stored->approved};
}

Result<ApprovalStatus> AdminService::ActivatePolicy(const std::string& name, int version,
                                                    const Principal& actor, Time now) {
  auto own = PolicyApprovals(name, version);
  if (!own) return std::move(own).error();
  std::string what = "version " + std::to_string(version) + " of policy " + name;
  if (!own->effective) return Error{ErrorCode::kConflict, what + " lacks its approvals"};
  auto stored = deps_.policies.Get(name, version);
  if (!stored) return std::move(stored).error();
  if (stored->active) return Error{ErrorCode::kConflict, what + " is already active"};
  ApprovalSubject subject{ApprovalKind::kPolicyActivation, name, version};
  auto requested = deps_.policies.ActivationRequested(name, version);
  if (!requested) return std::move(requested).error();
  if (*requested) {
    if (!actor.HasAny(Roles({Role::kApprover}))) {
      return Error{ErrorCode::kForbidden,
                   "activating " + what + " waits for approvals, which need the approver role"};
    }
    return Approve(subject, actor, "policy.activate", now);
  }
  return ChangeAndApprove(subject, actor, "policy.activate", now, [&](storage::Tx& tx) {
    return deps_.policies.RequestActivation(tx, name, version, actor.name, now);
  });
}

Status AdminService::DeactivatePolicy(const std::string& name, const Principal& actor, Time now) {
  auto versions = PolicyVersions(name);
  if (!versions) return std::move(versions).error();
  return storage::CommitWithAudit(
      deps_.unit_of_work, deps_.audit,
      internal::AdminAudit("policy.deactivate", actor.name, now, "policy " + name),
      [&](storage::Tx& tx, storage::AuditRecord&) { return deps_.policies.Deactivate(tx, name); });
}

Result<storage::PolicyVersion> AdminService::CurrentPolicy(const std::string& name) {
  auto versions = deps_.policies.Versions(name);
  if (!versions) return std::move(versions).error();
  if (versions->empty()) return Error{ErrorCode::kNotFound, "no policy named " + name};
  for (const auto& v : *versions) {
    if (v.active) return v;
  }
  return versions->back();
}

Result<std::vector<storage::PolicyVersion>> AdminService::PolicyVersions(const std::string& name) {
  auto versions = deps_.policies.Versions(name);
  if (!versions) return std::move(versions).error();
  if (versions->empty()) return Error{ErrorCode::kNotFound, "no policy named " + name};
  return versions;
}

Result<DryRun> AdminService::Evaluate(const std::string& name, const EvaluateRequest& request,
                                      Time now) {
  auto stored = request.version ? deps_.policies.Get(name, *request.version) : CurrentPolicy(name);
  if (!stored) return std::move(stored).error();
  if (policy::IsXksPolicySource(stored->source)) return EvaluateXks(*stored, request);
  if (request.xks) {
    return Error{ErrorCode::kMalformedRequest,
                 "policy " + name + " is a release policy: evaluate it against evidence"};
  }
  auto parsed = policy::ParsePolicy(stored->source);
  if (!parsed) return Error{ErrorCode::kInternal, "stored policy does not parse"};
  Time at = request.at.value_or(now);
  auto verified = deps_.verifiers.Verify(request.evidence_type, request.document, at);
  if (!verified) return std::move(verified).error();
  auto references = deps_.references.LoadAll();
  if (!references) return std::move(references).error();
  policy::Evaluation decision = policy::Evaluate(*parsed, verified->claims(), *references, at);
  return DryRun{stored->version, std::move(decision), verified->claims(),
                policy::PolicyWarnings(*parsed, &*references), std::nullopt};
}

Result<DryRun> AdminService::EvaluateXks(const storage::PolicyVersion& stored,
                                         const EvaluateRequest& request) {
  if (!request.xks) {
    return Error{ErrorCode::kMalformedRequest,
                 "policy " + stored.name +
                     " is an XKS policy: evaluate it against an XKS call "
                     "({\"xks\": {\"keystore\", \"key_id\", \"requestMetadata\"}})"};
  }
  auto parsed = policy::ParseXksPolicy(stored.source);
  if (!parsed) return Error{ErrorCode::kInternal, "stored policy does not parse"};
  const XksEvaluateRequest& call = *request.xks;
  DryRun run;
  run.version = stored.version;
  run.xks = policy::EvaluateXksPolicy(*parsed, call.keystore, call.key_id, call.metadata);
  return run;
}

// Attestation keys.

Result<std::pair<std::string, ApprovalStatus>> AdminService::RegisterAttestationKey(
    ByteSpan public_key, const std::string& description, const Principal& actor, Time now) {
  auto parsed = AttestationKeys::Parse(public_key);
  if (!parsed) return Error{ErrorCode::kMalformedRequest, parsed.error().message};
  std::string id = "ak:" + HexEncode(parsed->spki_sha256);
  storage::AttestationKeyRecord record{
      id, Bytes(public_key.begin(), public_key.end()), "pending", description, now, actor.name};
  ApprovalSubject subject{ApprovalKind::kAttestationKey, id, 0};
  auto status = ChangeAndApprove(subject, actor, "ak.approve", now, [&](storage::Tx& tx) {
    return deps_.attestation_keys.Add(
        tx, record, internal::AdminAudit("ak.register", actor.name, now, "attestation key " + id));
  });
  if (!status) return std::move(status).error();
  return std::make_pair(id, std::move(*status));
}

Result<ApprovalStatus> AdminService::ApproveAttestationKey(const std::string& id,
                                                           const Principal& actor, Time now) {
  auto keys = deps_.attestation_keys.List();
  if (!keys) return std::move(keys).error();
  for (const auto& k : *keys) {
    if (k.id != id || !AttestationKeys::IsPem(k.public_key)) continue;
    return Error{ErrorCode::kMalformedRequest, id + ": " + AttestationKeys::PemRefused().message};
  }
  return Approve({ApprovalKind::kAttestationKey, id, 0}, actor, "ak.approve", now);
}

Status AdminService::RevokeAttestationKey(const std::string& id, const Principal& actor, Time now) {
  auto revoked = deps_.unit_of_work.Run([&](storage::Tx& tx) {
    return deps_.attestation_keys.Revoke(
        tx, id, internal::AdminAudit("ak.revoke", actor.name, now, "attestation key " + id));
  });
  if (!revoked) return revoked;
  auto keys = deps_.attestation_keys.List();
  if (!keys) return std::move(keys).error();
  for (const auto& k : *keys) {
    if (k.id != id) continue;
    auto parsed = AttestationKeys::ParseStored(k.public_key);
    if (parsed) deps_.live_attestation_keys.Remove(parsed->spki_sha256);
  }
  return Ok();
}

Status AdminService::SyncAttestationKeys() {
  auto keys = deps_.attestation_keys.List();
  if (!keys) return std::move(keys).error();
  for (const auto& k : *keys) {
    if (k.status != "active" && k.status != "revoked") continue;
    auto parsed = AttestationKeys::ParseStored(k.public_key);
    if (!parsed) continue;  // an active one would have stopped the start (LoadAttestationKeys)
    if (k.status == "active") {
      deps_.live_attestation_keys.Insert(std::move(*parsed));
    } else {
      deps_.live_attestation_keys.Remove(parsed->spki_sha256);
    }
  }
  return Ok();
}

Status AdminService::LoadAttestationKeys() {
  auto keys = deps_.attestation_keys.List();
  if (!keys) return std::move(keys).error();
  for (const auto& k : *keys) {
    if (k.status != "active") continue;
    auto parsed = AttestationKeys::ParseStored(k.public_key);
    if (!parsed) return Error{ErrorCode::kInternal, k.id + ": " + parsed.error().message};
    deps_.live_attestation_keys.Insert(std::move(*parsed));
  }
  return Ok();
}

}  // namespace kb::broker
