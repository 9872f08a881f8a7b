#include "storage/sqlite_approval_store.h"

#include <algorithm>
#include <array>
#include <tuple>

#include "storage/internal/statement.h"
#include "storage/sqlite_unit_of_work.h"

namespace kb::storage {

using internal::Statement;

namespace {

// What the store needs to know about one kind of subject. Every statement binds ?1 = name and
// ?2 = version, and may ignore either.
struct KindSql {
  ApprovalKind kind;
  const char* name;
  // One row: "pending", another state word ("active", "revoked", ...), or NULL when the subject
  // does not exist.
  const char* state;
  // Run in order when the quorum is reached.
  std::array<const char*, 4> activate;
  // Every pending subject: (name, version). ?1 = the quorum, where a statement uses it.
  const char* pending;
};

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

constexpr KindSql kKinds[] = {
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

const KindSql& SqlFor(ApprovalKind kind) {
  for (const KindSql& k : kKinds) {
    if (k.kind == kind) return k;
  }
  return kKinds[0];  // unreachable: every enumerator has an entry (tested)
}

bool HasVersion(ApprovalKind kind) {
  return kind == ApprovalKind::kPolicy || kind == ApprovalKind::kPolicyActivation ||
         kind == ApprovalKind::kKeyAttestation;
}

std::string Describe(const ApprovalSubject& s) {
  std::string out = std::string(ApprovalKindName(s.kind)) + " " + s.name;
  if (HasVersion(s.kind)) out += " version " + std::to_string(s.version);
  return out;
}

// Binds ?1 = name and ?2 = version where the statement has them.
void BindSubject(Statement& row, sqlite3_stmt* raw, const ApprovalSubject& subject) {
  int count = sqlite3_bind_parameter_count(raw);
  if (count >= 1) row.Bind(1, subject.name);
  if (count >= 2) row.Bind(2, int64_t(subject.version));
}

}  // namespace

std::string_view ApprovalKindName(ApprovalKind kind) { return SqlFor(kind).name; }

std::optional<ApprovalKind> ParseApprovalKind(std::string_view name) {
  for (const KindSql& k : kKinds) {
    if (k.name == name) return k.kind;
  }
  return std::nullopt;
}

Status SqliteApprovalStore::CheckPending(const ApprovalSubject& subject) {
  auto query = db_.Prepare(SqlFor(subject.kind).state);
  if (!query) return std::move(query).error();
  sqlite3_stmt* raw = query->get();
  Statement row(std::move(*query));
  BindSubject(row, raw, subject);
  int rc = row.Step();
  if (rc == SQLITE_DONE) return Error{ErrorCode::kNotFound, "no " + Describe(subject)};
  if (rc != SQLITE_ROW) return db_.LastError("approval state");
  std::string state = row.Text(0);
  if (state != "pending") return Error{ErrorCode::kConflict, Describe(subject) + " is " + state};
  return Ok();
}

Status SqliteApprovalStore::Activate(const ApprovalSubject& subject) {
  for (const char* sql : SqlFor(subject.kind).activate) {
    if (sql == nullptr) break;
    auto update = db_.Prepare(sql);
    if (!update) return std::move(update).error();
    sqlite3_stmt* raw = update->get();
    Statement row(std::move(*update));
    BindSubject(row, raw, subject);
    if (row.Step() != SQLITE_DONE) return db_.LastError("activate " + Describe(subject));
  }
  return Ok();
}

Result<ApprovalResult> SqliteApprovalStore::Approve(Tx& tx, const ApprovalSubject& subject,
                                                    std::string_view principal, int required,
                                                    Time now, AuditRecord audit) {
  ApprovalResult result;
  auto change = [&](AuditRecord& row) -> Status {
    if (auto s = CheckPending(subject); !s) return s;
    auto insert = db_.Prepare(
        "INSERT INTO approvals (kind, name, version, principal, at) VALUES (?1, ?2, ?3, ?4, ?5) "
        "ON CONFLICT DO NOTHING");
    if (!insert) return std::move(insert).error();
    Statement ins(std::move(*insert));
    ins.Bind(1, ApprovalKindName(subject.kind)).Bind(2, subject.name);
    ins.Bind(3, int64_t(subject.version)).Bind(4, principal).Bind(5, now);
    if (ins.Step() != SQLITE_DONE) return db_.LastError("insert approval");
    if (sqlite3_changes(db_.handle()) == 0) {
      return Error{ErrorCode::kConflict,
                   std::string(principal) + " already approved " + Describe(subject)};
    }
    auto approvers = ApproversLocked(subject);
    if (!approvers) return std::move(approvers).error();
    result.approvals = int(approvers->size());
    result.activated = result.approvals >= required;
    result.approvers = std::move(*approvers);
    if (result.activated) {
      if (auto s = Activate(subject); !s) return s;
    }
    row.reasons = Describe(subject) + ": approvals " + std::to_string(result.approvals) + "/" +
                  std::to_string(required) + (result.activated ? ", now effective" : "");
    return Ok();
  };
  if (auto s = AuditedWrite(tx, db_, audit_, std::move(audit), change); !s) {
    return std::move(s).error();
  }
  return result;
}

Result<std::vector<std::string>> SqliteApprovalStore::ApproversLocked(
    const ApprovalSubject& subject) {
  auto query = db_.Prepare(
      "SELECT principal FROM approvals WHERE kind = ?1 AND name = ?2 AND version = ?3 "
      "ORDER BY at, principal");
  if (!query) return std::move(query).error();
  Statement rows(std::move(*query));
  rows.Bind(1, ApprovalKindName(subject.kind)).Bind(2, subject.name);
  rows.Bind(3, int64_t(subject.version));
  std::vector<std::string> out;
  int rc;
  while ((rc = rows.Step()) == SQLITE_ROW) out.push_back(rows.Text(0));
  if (rc != SQLITE_DONE) return db_.LastError("load approvals");
  return out;
}

Result<std::vector<std::string>> SqliteApprovalStore::Approvers(const ApprovalSubject& subject) {
  auto lock = db_.lock();
  return ApproversLocked(subject);
}

Result<std::vector<PendingItem>> SqliteApprovalStore::Pending(int required) {
  auto lock = db_.lock();
  std::vector<PendingItem> out;
  for (const KindSql& kind : kKinds) {
    auto query = db_.Prepare(kind.pending);
    if (!query) return std::move(query).error();
    sqlite3_stmt* raw = query->get();
    Statement rows(std::move(*query));
    if (sqlite3_bind_parameter_count(raw) >= 1) rows.Bind(1, int64_t(required));
    int rc;
    while ((rc = rows.Step()) == SQLITE_ROW) {
      out.push_back({{kind.kind, rows.Text(0), int(rows.Int(1))}, {}});
    }
    if (rc != SQLITE_DONE) return db_.LastError("load pending approvals");
  }
  std::sort(out.begin(), out.end(), [](const PendingItem& a, const PendingItem& b) {
    return std::tuple(ApprovalKindName(a.subject.kind), a.subject.name, a.subject.version) <
           std::tuple(ApprovalKindName(b.subject.kind), b.subject.name, b.subject.version);
  });
  for (PendingItem& item : out) {
    auto approvers = ApproversLocked(item.subject);
    if (!approvers) return std::move(approvers).error();
    item.approvers = std::move(*approvers);
  }
  return out;
}

}  // namespace kb::storage
