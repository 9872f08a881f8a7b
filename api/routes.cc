#include "api/routes.h"

#include <algorithm>
#include <array>
#include <string>

#include "api/admin_handlers.h"
#include "api/kms/kms_api.h"
#include "api/release_codec.h"
#include "api/route_handlers.h"
#include "api/xks/xks_api.h"
#include "policy/policy_parser.h"

namespace kb::api {
namespace {

using broker::Role;
using broker::Roles;
using broker::RoleSet;

constexpr RoleSet kAdmin = Roles({Role::kAdmin});
constexpr RoleSet kKeyManager = Roles({Role::kKeyManager});
constexpr RoleSet kAuthor = Roles({Role::kPolicyAuthor});
constexpr RoleSet kApprover = Roles({Role::kApprover});
constexpr RoleSet kAuditor = Roles({Role::kAuditor});
// Every admin role; kms-user and xks-proxy are for the KMS and XKS APIs only.
constexpr RoleSet kAnyRole = broker::kAllRoles & ~broker::kApiRoles;
constexpr RoleSet kRevokers = kAuthor | kApprover;
constexpr RoleSet kPrincipalReaders = kAdmin | kAuditor;
constexpr RoleSet kEvaluators = kAuthor | kApprover | kAuditor;
// Narrowing who may use a kms key needs nobody else: a grant is revoked at once.
constexpr RoleSet kGrantRevokers = kKeyManager | kApprover | kAdmin;

// A policy's YAML inside a JSON string: escaping may double it.
constexpr size_t kPolicyJsonLimit = 2 * policy::kMaxPolicySize;
// A dry run carries an attestation document in base64, as a release does.
constexpr size_t kEvaluateBodyLimit = 400 * 1024;

constexpr RouteEntry Public(std::string_view method, std::string_view path, PublicHandler handler,
                            size_t body_limit, std::string_view summary) {
  return {.method = method,
          .pattern = path,
          .surface = Surface::kPublic,
          .allowed = 0,
          .body_limit = body_limit,
          .summary = summary,
          .on_public = handler};
}

// GET routes read no body; the others read a JSON object of up to kAdminBodyLimit.
constexpr RouteEntry Admin(std::string_view method, std::string_view pattern, RoleSet allowed,
                           AdminHandler handler, std::string_view cli_words,
                           std::string_view cli_arg, std::string_view summary) {
  return {.method = method,
          .pattern = pattern,
          .surface = Surface::kAdmin,
          .allowed = allowed,
          .body_limit = method == "GET" ? 0 : kAdminBodyLimit,
          .cli_words = cli_words,
          .cli_arg = cli_arg,
          .summary = summary,
          .on_admin = handler};
}

constexpr RouteEntry WithBodyLimit(RouteEntry entry, size_t body_limit) {
  entry.body_limit = body_limit;
  return entry;
}

// Every XKS operation is a POST under the configured prefix, for the xks-proxy role.
constexpr RouteEntry Xks(std::string_view path, XksOperation handler, std::string_view summary) {
  return {.method = "POST",
          .pattern = path,
          .surface = Surface::kXks,
          .allowed = Roles({Role::kXksProxy}),
          .body_limit = kXksBodyLimit,
          .summary = summary,
          .on_xks = handler};
}

// Every operation is POST / with its X-Amz-Target, for the kms-user role.
constexpr RouteEntry Kms(std::string_view operation, KmsOperation handler,
                         std::string_view summary) {
  return {.method = "POST",
          .pattern = "/",
          .kms_operation = operation,
          .surface = Surface::kKms,
          .allowed = Roles({Role::kKmsUser}),
          .body_limit = kKmsBodyLimit,
          .summary = summary,
          .on_kms = handler};
}

// Identity changes that widen who can act are approved by admins; a principal's own tokens and
// client certificates are its own business (broker/admin/identity_admin.h checks who acts for
// whom).
constexpr std::array kRoutes = {
    Public("GET", "/healthz", Healthz, 0,
           "liveness; warns when attestation is weaker than it should be"),
    Public("GET", "/metrics", GetMetrics, 0, "Prometheus text format"),
    Public("GET", "/readyz", Readyz, 0, "readiness"),
    Public("POST", "/v1/challenge", PostChallenge, 0,
           "a fresh nonce to put in the attestation document"),
    Public("POST", "/v1/release", PostRelease, kReleaseBodyLimit,
           "release a key wrapped to the public key inside the verified document"),

    Admin("GET", "/v1/admin/whoami", kAnyRole, admin::WhoAmI, "whoami", "",
          "the caller's principal and roles"),
    Admin("POST", "/v1/admin/principals", kAdmin, admin::CreatePrincipal, "principals create",
          "NAME", "create a principal (--roles LIST), pending until admins approve it"),
    Admin("GET", "/v1/admin/principals", kPrincipalReaders, admin::ListPrincipals,
          "principals list", "", "list principals"),
    Admin("POST", "/v1/admin/principals/{name}/approve", kAdmin, admin::ApprovePrincipal,
          "principals approve", "NAME", "approve a pending principal"),
    Admin("POST", "/v1/admin/principals/{name}/tokens", kAnyRole, admin::CreateToken,
          "tokens create", "PRINCIPAL", "issue a token; its text is shown once"),
    Admin("POST", "/v1/admin/principals/{name}/disable", kAdmin, admin::DisablePrincipal,
          "principals disable", "NAME", "disable a principal and revoke its credentials"),
    Admin("GET", "/v1/admin/tokens", kPrincipalReaders, admin::ListTokens, "tokens list", "",
          "list tokens, without their text"),
    Admin("POST", "/v1/admin/tokens/{id}/approve", kAdmin, admin::ApproveToken, "tokens approve",
          "ID", "approve a token issued for another principal"),
    Admin("POST", "/v1/admin/tokens/{id}/revoke", kAnyRole, admin::RevokeToken, "tokens revoke",
          "ID", "revoke a token, immediately"),
    Admin("POST", "/v1/admin/principals/{name}/access-keys", kAdmin, admin::CreateAccessKey,
          "access-keys create", "PRINCIPAL",
          "a KMS access key (SigV4 credentials); the secret is shown once"),
    Admin("GET", "/v1/admin/access-keys", kPrincipalReaders, admin::ListAccessKeys,
          "access-keys list", "", "list KMS access keys, without their secrets"),
    Admin("POST", "/v1/admin/access-keys/{id}/approve", kAdmin, admin::ApproveAccessKey,
          "access-keys approve", "ID", "approve an access key issued for another principal"),
    Admin("POST", "/v1/admin/access-keys/{id}/revoke", kAdmin, admin::RevokeAccessKey,
          "access-keys revoke", "ID", "revoke a KMS access key, immediately"),
    Admin("POST", "/v1/admin/principals/{name}/client-certificates", kAnyRole,
          admin::BindCertificate, "client-certs add", "PRINCIPAL",
          "bind a client certificate (--file CERT.pem) to a principal, for mutual TLS"),
    Admin("GET", "/v1/admin/client-certificates", kPrincipalReaders, admin::ListCertificates,
          "client-certs list", "", "list client certificate bindings"),
    Admin("POST", "/v1/admin/client-certificates/{id}/approve", kAdmin, admin::ApproveCertificate,
          "client-certs approve", "ID", "approve a client certificate bound for another principal"),
    Admin("POST", "/v1/admin/client-certificates/{id}/revoke", kAnyRole, admin::RevokeCertificate,
          "client-certs revoke", "ID", "revoke a client certificate binding, immediately"),
    Admin("GET", "/v1/admin/audit", kAuditor, admin::ReadAudit, "audit list", "",
          "audit rows [--after N] [--limit N]"),
    Admin("GET", "/v1/admin/audit/verify", kAuditor, admin::VerifyAudit, "audit verify", "",
          "check the audit log's keyed chain"),
    Admin("POST", "/v1/admin/references", kAuthor, admin::CreateReference, "references create", "",
          "propose a reference (--file F [--name N] [--source S]); pending until approved"),
    Admin("GET", "/v1/admin/references", kAnyRole, admin::ListReferences, "references list", "",
          "list references"),
    Admin("GET", "/v1/admin/references/{name}", kAnyRole, admin::GetReference, "references get",
          "NAME", "one reference with its approvals"),
    Admin("POST", "/v1/admin/references/{name}/revoke", kRevokers, admin::RevokeReference,
          "references revoke", "NAME", "revoke a reference, immediately"),
    Admin("POST", "/v1/admin/references/{name}/reinstate", kAuthor, admin::ReinstateReference,
          "references reinstate", "NAME", "reverse a revocation; pending until approved again"),
    Admin("POST", "/v1/admin/references/{name}/approve", kApprover, admin::ApproveReference,
          "references approve", "NAME", "approve a pending reference"),
    Admin("GET", "/v1/admin/policies", kAnyRole, admin::ListPolicies, "policies list", "",
          "the active and the newest version of every policy"),
    WithBodyLimit(
        Admin("PUT", "/v1/admin/policies/{name}", kAuthor, admin::PutPolicy, "policies put", "",
              "a new policy version (--file F); active once approved"),
        kPolicyJsonLimit),
    Admin("GET", "/v1/admin/policies/{name}", kAnyRole, admin::GetPolicy, "policies get", "NAME",
          "a policy's active (else newest) version [--version V], with its YAML"),
    Admin("GET", "/v1/admin/policies/{name}/versions", kAnyRole, admin::ListPolicyVersions,
          "policies versions", "NAME", "every version of a policy with its approvals"),
    Admin("POST", "/v1/admin/policies/{name}/approve", kApprover, admin::ApprovePolicy,
          "policies approve", "NAME", "approve a version (--version V)"),
    Admin("POST", "/v1/admin/policies/{name}/activate", kRevokers, admin::ActivatePolicy,
          "policies activate", "NAME", "request or approve making a version active (--version V)"),
    Admin("POST", "/v1/admin/policies/{name}/deactivate", kRevokers, admin::DeactivatePolicy,
          "policies deactivate", "NAME", "leave no version of a policy active, immediately"),
    WithBodyLimit(Admin("POST", "/v1/admin/policies/{name}:evaluate", kEvaluators,
                        admin::EvaluatePolicy, "policies evaluate", "NAME",
                        "dry run of a document (--evidence F [--version V] [--at T])"),
                  kEvaluateBodyLimit),
    Admin("POST", "/v1/admin/keys", kKeyManager, admin::CreateKey, "keys create", "ID",
          "create a key of 256 random bits [--purpose release|kms]"),
    Admin("GET", "/v1/admin/keys", kAnyRole, admin::ListKeys, "keys list", "",
          "list keys' metadata"),
    Admin("GET", "/v1/admin/keys/{id}", kAnyRole, admin::GetKey, "keys get", "ID",
          "one key's metadata"),
    Admin("POST", "/v1/admin/keys/{id}/rotate", kKeyManager, admin::RotateKey, "keys rotate", "ID",
          "a new current version of a generated key"),
    Admin("POST", "/v1/admin/keys/{id}/enable", kKeyManager | kApprover, admin::EnableKey,
          "keys enable", "ID", "request or approve enabling a disabled key"),
    Admin("POST", "/v1/admin/keys/{id}/disable", kKeyManager, admin::DisableKey, "keys disable",
          "ID", "disable a key; releases answer key_disabled"),
    Admin("GET", "/v1/admin/keys/{id}/import-parameters", kKeyManager, admin::GetImportParameters,
          "keys import-parameters", "ID", "a one-time wrapping key and token, for importers"),
    Admin("POST", "/v1/admin/keys/{id}/import", kKeyManager, admin::ImportKey, "keys import", "ID",
          "import a key (--file F), wrapped here to one-time import parameters"),
    Admin("POST", "/v1/admin/keys/{id}/attestation", kKeyManager, admin::ProposeKeyAttestation,
          "keys set-attestation", "ID",
          "propose a kms key's attestation_required (--attestation-required true|false)"),
    Admin("GET", "/v1/admin/keys/{id}/attestation", kAnyRole, admin::ListKeyAttestationChanges,
          "keys attestation", "ID", "a key's attestation changes"),
    Admin("POST", "/v1/admin/keys/{id}/attestation/approve", kApprover,
          admin::ApproveKeyAttestation, "keys approve-attestation", "ID",
          "approve a pending attestation change (--version V)"),
    Admin("POST", "/v1/admin/grants", kKeyManager, admin::CreateGrant, "grants create", "PRINCIPAL",
          "propose a KMS grant (--key-id K --operations LIST)"),
    Admin("GET", "/v1/admin/grants", kAnyRole, admin::ListGrants, "grants list", "",
          "list KMS grants"),
    Admin("POST", "/v1/admin/grants/{id}/approve", kApprover, admin::ApproveGrant, "grants approve",
          "ID", "approve a pending grant"),
    Admin("POST", "/v1/admin/grants/{id}/revoke", kGrantRevokers, admin::RevokeGrant,
          "grants revoke", "ID", "revoke a grant, immediately"),
    Admin("POST", "/v1/admin/attestation-keys", kAuthor, admin::RegisterAttestationKey,
          "aks register", "", "propose a TPM attestation key (--file F [--description D])"),
    Admin("GET", "/v1/admin/attestation-keys", kAnyRole, admin::ListAttestationKeys, "aks list", "",
          "list attestation keys"),
    Admin("POST", "/v1/admin/attestation-keys/{id}/approve", kApprover,
          admin::ApproveAttestationKey, "aks approve", "ID", "approve a pending attestation key"),
    Admin("POST", "/v1/admin/attestation-keys/{id}/revoke", kRevokers, admin::RevokeAttestationKey,
          "aks revoke", "ID", "revoke an attestation key, immediately"),
    Admin("GET", "/v1/admin/pending", kAnyRole, admin::ListPending, "pending", "",
          "everything awaiting approvals"),

    Kms("DescribeKey", kms::DescribeKey, "a key's metadata"),
    Kms("ListKeys", kms::ListKeys, "the keys the caller may use"),
    Kms("ListAliases", kms::ListAliases, "alias/<id> of every key the caller may use"),
    Kms("Encrypt", kms::Encrypt, "encrypt under a key"),
    Kms("Decrypt", kms::Decrypt, "decrypt, or re-wrap to an attested Recipient"),
    Kms("GenerateDataKey", kms::GenerateDataKey, "a data key, in plaintext and encrypted"),
    Kms("GenerateDataKeyWithoutPlaintext", kms::GenerateDataKeyWithoutPlaintext,
        "a data key, encrypted only"),
    Kms("GenerateRandom", kms::GenerateRandom, "random bytes"),

    Xks("/kms/xks/v1/health", xks::GetHealthStatus, "GetHealthStatus: the proxy and its keystore"),
    Xks("/kms/xks/v1/keys/{id}/metadata", xks::GetKeyMetadata,
        "GetKeyMetadata: an external key's spec, usage and status"),
    Xks("/kms/xks/v1/keys/{id}/encrypt", xks::Encrypt,
        "Encrypt: AES-256-GCM under an external key"),
    Xks("/kms/xks/v1/keys/{id}/decrypt", xks::Decrypt,
        "Decrypt: AES-256-GCM under an external key"),
};

// Checked when compiled: every route has a summary, and none reads more than the server reads
// by default. (tests/api/routes_test.cc checks each has the handler of its surface: comparing a
// function's address with null is no constant expression under the sanitizers.)
constexpr bool WellFormed(const RouteEntry& e) {
  return e.body_limit <= kServerBodyLimit && !e.summary.empty();
}
static_assert(std::all_of(kRoutes.begin(), kRoutes.end(), WellFormed));

}  // namespace

std::span<const RouteEntry> RouteTable() { return kRoutes; }

const RouteEntry* FindCliCommand(std::string_view words) {
  for (const RouteEntry& route : kRoutes) {
    if (route.surface == Surface::kAdmin && route.cli_words == words) return &route;
  }
  return nullptr;
}

const RouteEntry* FindKmsOperation(std::string_view operation) {
  for (const RouteEntry& route : kRoutes) {
    if (route.surface == Surface::kKms && route.kms_operation == operation) return &route;
  }
  return nullptr;
}

std::string FillPattern(std::string_view pattern, std::string_view segment) {
  size_t open = pattern.find('{');
  if (open == std::string_view::npos) return std::string(pattern);
  size_t close = pattern.find('}', open);
  return std::string(pattern.substr(0, open)) + std::string(segment) +
         std::string(pattern.substr(close + 1));
}

}  // namespace kb::api
