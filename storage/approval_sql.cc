#include "storage/approval_sql.h"

namespace kb::storage {
namespace {

#define KB_ACTIVATE_POLICY                                                        \
  "INSERT INTO active_policies (name, version) VALUES (?1, ?2) "                  \
  "ON CONFLICT (name) DO UPDATE SET version = excluded.version",                  \
      "UPDATE policy_versions SET approved = 1 WHERE name = ?1 AND version = ?2", \
      "DELETE FROM policy_activations WHERE name = ?1",                           \
      "DELETE FROM approvals WHERE kind = 'activation' AND name = ?1"

// A change of the active version (KB_ACTIVATE_POLICY, and SqlitePolicyStore::Deactivate) voids
// every activation request still waiting for approvals, with its approvals.

// The state of a row that is usable once approved and can be withdrawn (revoked, disabled).
#define KB_CREDENTIAL_STATE(table, key, withdrawn, withdrawn_word)   \
  "SELECT CASE WHEN " withdrawn " IS NOT NULL THEN '" withdrawn_word \
  "' "                                                               \
  "WHEN approved = 0 THEN 'pending' ELSE 'active' END FROM " table " WHERE " key " = ?1"

constexpr ApprovalKindSql kKinds[] = {
    {ApprovalKind::kReference,
     "reference",
     "SELECT CASE WHEN status = 'active' AND approved = 0 THEN 'pending' ELSE status END "
     "FROM reference_measurements WHERE name = ?1",
     {"UPDATE reference_measurements SET approved = 1 WHERE name = ?1"},
     "SELECT name, 0 FROM reference_measurements WHERE status = 'active' AND approved = 0"},
    {ApprovalKind::kPolicy,
     "policy",
     "SELECT CASE WHEN a.version IS NOT NULL THEN 'active' WHEN v.approved = 1 THEN 'approved' "
     "ELSE 'pending' END "
     "FROM policy_versions v LEFT JOIN active_policies a ON a.name = v.name AND "
     "a.version = v.version WHERE v.name = ?1 AND v.version = ?2",
     {KB_ACTIVATE_POLICY},
     "SELECT v.name, v.version FROM policy_versions v "
     "LEFT JOIN active_policies a ON a.name = v.name AND a.version = v.version "
     "WHERE a.name IS NULL AND v.approved = 0"},
    {ApprovalKind::kAttestationKey,
     "ak",
     "SELECT status FROM attestation_keys WHERE id = ?1",
     {"UPDATE attestation_keys SET status = 'active' WHERE id = ?1"},
     "SELECT id, 0 FROM attestation_keys WHERE status = 'pending'"},
    {ApprovalKind::kPolicyActivation,
     "activation",
     "SELECT CASE WHEN EXISTS (SELECT 1 FROM policy_activations WHERE name = ?1 AND "
     "version = ?2) THEN 'pending' ELSE 'not requested' END "
     "FROM policy_versions WHERE name = ?1 AND version = ?2",
     {KB_ACTIVATE_POLICY},
     "SELECT name, version FROM policy_activations"},
    {ApprovalKind::kPrincipal,
     "principal",
     KB_CREDENTIAL_STATE("principals", "name", "disabled_at", "disabled"),
     {"UPDATE principals SET approved = 1 WHERE name = ?1"},
     "SELECT name, 0 FROM principals WHERE approved = 0 AND disabled_at IS NULL"},
    {ApprovalKind::kToken,
     "token",
     KB_CREDENTIAL_STATE("tokens", "id", "revoked_at", "revoked"),
     {"UPDATE tokens SET approved = 1 WHERE id = ?1"},
     "SELECT id, 0 FROM tokens WHERE approved = 0 AND revoked_at IS NULL"},
    {ApprovalKind::kAccessKey,
     "access-key",
     KB_CREDENTIAL_STATE("access_keys", "id", "revoked_at", "revoked"),
     {"UPDATE access_keys SET approved = 1 WHERE id = ?1"},
     "SELECT id, 0 FROM access_keys WHERE approved = 0 AND revoked_at IS NULL"},
    {ApprovalKind::kKmsGrant,
     "kms-grant",
     "SELECT status FROM kms_grants WHERE id = ?1",
     {"UPDATE kms_grants SET status = 'active' WHERE id = ?1 AND status = 'pending'"},
     "SELECT id, 0 FROM kms_grants WHERE status = 'pending'"},
    // A newer proposal for the same key supersedes an older one still pending, so that an old
    // proposal approved late cannot undo a later decision.
    {ApprovalKind::kKeyAttestation,
     "key-attestation",
     "SELECT CASE WHEN c.applied = 1 THEN 'applied' WHEN EXISTS (SELECT 1 FROM "
     "key_attestation_changes n WHERE n.key_id = c.key_id AND n.version > c.version) THEN "
     "'superseded' ELSE 'pending' END FROM key_attestation_changes c "
     "WHERE c.key_id = ?1 AND c.version = ?2",
     {"UPDATE keys SET attestation_required = (SELECT attestation_required FROM "
      "key_attestation_changes WHERE key_id = ?1 AND version = ?2) WHERE id = ?1",
      "UPDATE key_attestation_changes SET applied = 1 WHERE key_id = ?1 AND version = ?2"},
     "SELECT c.key_id, c.version FROM key_attestation_changes c WHERE c.applied = 0 AND NOT "
     "EXISTS (SELECT 1 FROM key_attestation_changes n WHERE n.key_id = c.key_id AND "
     "n.version > c.version)"},
    {ApprovalKind::kKeyEnable,
     "key-enable",
     "SELECT CASE WHEN enabled = 1 THEN 'enabled' WHEN enable_requested = 1 THEN 'pending' "
     "ELSE 'not requested' END FROM keys WHERE id = ?1",
     {"UPDATE keys SET enabled = 1, enable_requested = 0 WHERE id = ?1"},
     "SELECT id, 0 FROM keys WHERE enabled = 0 AND enable_requested = 1"},
    {ApprovalKind::kClientCertificate,
     "client-cert",
     KB_CREDENTIAL_STATE("client_certificates", "id", "revoked_at", "revoked"),
     {"UPDATE client_certificates SET approved = 1 WHERE id = ?1"},
     "SELECT id, 0 FROM client_certificates WHERE approved = 0 AND revoked_at IS NULL"},
};

#undef KB_ACTIVATE_POLICY
#undef KB_CREDENTIAL_STATE

bool HasVersion(ApprovalKind kind) {
  return kind == ApprovalKind::kPolicy || kind == ApprovalKind::kPolicyActivation ||
         kind == ApprovalKind::kKeyAttestation;
}

}  // namespace

std::span<const ApprovalKindSql> ApprovalKindsSql() { return kKinds; }

const ApprovalKindSql& ApprovalSqlFor(ApprovalKind kind) {
  for (const ApprovalKindSql& k : kKinds) {
    if (k.kind == kind) return k;
  }
  return kKinds[0];  // unreachable: every enumerator has an entry (tested)
}

std::string DescribeApprovalSubject(const ApprovalSubject& s) {
  std::string out = std::string(ApprovalKindName(s.kind)) + " " + s.name;
  if (HasVersion(s.kind)) out += " version " + std::to_string(s.version);
  return out;
}

std::string_view ApprovalKindName(ApprovalKind kind) { return ApprovalSqlFor(kind).name; }

std::optional<ApprovalKind> ParseApprovalKind(std::string_view name) {
  for (const ApprovalKindSql& k : kKinds) {
    if (k.name == name) return k.kind;
  }
  return std::nullopt;
}

}  // namespace kb::storage
