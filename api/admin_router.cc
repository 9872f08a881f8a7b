#include <algorithm>
#include <array>
#include <cctype>

#include "api/admin_api.h"
#include "api/admin_handlers.h"

namespace kb::api {
namespace {

using broker::Role;
using broker::Roles;

constexpr broker::RoleSet kAdmin = Roles({Role::kAdmin});
constexpr broker::RoleSet kKeyManager = Roles({Role::kKeyManager});
constexpr broker::RoleSet kAuthor = Roles({Role::kPolicyAuthor});
constexpr broker::RoleSet kApprover = Roles({Role::kApprover});
constexpr broker::RoleSet kAuditor = Roles({Role::kAuditor});
// Every admin role; kms-user is for the KMS API only.
constexpr broker::RoleSet kAnyRole = broker::kAllRoles & ~Roles({Role::kKmsUser});
constexpr broker::RoleSet kRevokers = kAuthor | kApprover;
constexpr broker::RoleSet kPrincipalReaders = kAdmin | kAuditor;
constexpr broker::RoleSet kEvaluators = kAuthor | kApprover | kAuditor;

// Narrowing who may use a kms key needs nobody else: a grant is revoked at once.
constexpr broker::RoleSet kGrantRevokers = kKeyManager | kApprover | kAdmin;

// Identity changes that widen who can act are approved by admins; a principal's own tokens and
// client certificates are its own business (broker/admin/identity_admin.h checks who acts for
// whom).
constexpr std::array<AdminRoute, 53> kAdminRoutes = {{
    {"GET", "/v1/admin/whoami", kAnyRole, admin::WhoAmI},
    {"POST", "/v1/admin/principals", kAdmin, admin::CreatePrincipal},
    {"GET", "/v1/admin/principals", kPrincipalReaders, admin::ListPrincipals},
    {"POST", "/v1/admin/principals/{name}/approve", kAdmin, admin::ApprovePrincipal},
    {"POST", "/v1/admin/principals/{name}/tokens", kAnyRole, admin::CreateToken},
    {"POST", "/v1/admin/principals/{name}/disable", kAdmin, admin::DisablePrincipal},
    {"GET", "/v1/admin/tokens", kPrincipalReaders, admin::ListTokens},
    {"POST", "/v1/admin/tokens/{id}/approve", kAdmin, admin::ApproveToken},
    {"POST", "/v1/admin/tokens/{id}/revoke", kAnyRole, admin::RevokeToken},
    {"POST", "/v1/admin/principals/{name}/access-keys", kAdmin, admin::CreateAccessKey},
    {"GET", "/v1/admin/access-keys", kPrincipalReaders, admin::ListAccessKeys},
    {"POST", "/v1/admin/access-keys/{id}/approve", kAdmin, admin::ApproveAccessKey},
    {"POST", "/v1/admin/access-keys/{id}/revoke", kAdmin, admin::RevokeAccessKey},
    {"POST", "/v1/admin/principals/{name}/client-certificates", kAnyRole, admin::BindCertificate},
    {"GET", "/v1/admin/client-certificates", kPrincipalReaders, admin::ListCertificates},
    {"POST", "/v1/admin/client-certificates/{id}/approve", kAdmin, admin::ApproveCertificate},
    {"POST", "/v1/admin/client-certificates/{id}/revoke", kAnyRole, admin::RevokeCertificate},
    {"GET", "/v1/admin/audit", kAuditor, admin::ReadAudit},
    {"GET", "/v1/admin/audit/verify", kAuditor, admin::VerifyAudit},
    {"POST", "/v1/admin/references", kAuthor, admin::CreateReference},
    {"GET", "/v1/admin/references", kAnyRole, admin::ListReferences},
    {"GET", "/v1/admin/references/{name}", kAnyRole, admin::GetReference},
    {"POST", "/v1/admin/references/{name}/revoke", kRevokers, admin::RevokeReference},
    {"POST", "/v1/admin/references/{name}/reinstate", kAuthor, admin::ReinstateReference},
    {"POST", "/v1/admin/references/{name}/approve", kApprover, admin::ApproveReference},
    {"GET", "/v1/admin/policies", kAnyRole, admin::ListPolicies},
    {"PUT", "/v1/admin/policies/{name}", kAuthor, admin::PutPolicy},
    {"GET", "/v1/admin/policies/{name}", kAnyRole, admin::GetPolicy},
    {"GET", "/v1/admin/policies/{name}/versions", kAnyRole, admin::ListPolicyVersions},
    {"POST", "/v1/admin/policies/{name}/approve", kApprover, admin::ApprovePolicy},
    {"POST", "/v1/admin/policies/{name}/activate", kRevokers, admin::ActivatePolicy},
    {"POST", "/v1/admin/policies/{name}/deactivate", kRevokers, admin::DeactivatePolicy},
    {"POST", "/v1/admin/policies/{name}:evaluate", kEvaluators, admin::EvaluatePolicy},
    {"POST", "/v1/admin/keys", kKeyManager, admin::CreateKey},
    {"GET", "/v1/admin/keys", kAnyRole, admin::ListKeys},
    {"GET", "/v1/admin/keys/{id}", kAnyRole, admin::GetKey},
    {"POST", "/v1/admin/keys/{id}/rotate", kKeyManager, admin::RotateKey},
    {"POST", "/v1/admin/keys/{id}/enable", kKeyManager | kApprover, admin::EnableKey},
    {"POST", "/v1/admin/keys/{id}/disable", kKeyManager, admin::DisableKey},
    {"GET", "/v1/admin/keys/{id}/import-parameters", kKeyManager, admin::GetImportParameters},
    {"POST", "/v1/admin/keys/{id}/import", kKeyManager, admin::ImportKey},
    {"POST", "/v1/admin/keys/{id}/attestation", kKeyManager, admin::ProposeKeyAttestation},
    {"GET", "/v1/admin/keys/{id}/attestation", kAnyRole, admin::ListKeyAttestationChanges},
    {"POST", "/v1/admin/keys/{id}/attestation/approve", kApprover, admin::ApproveKeyAttestation},
    {"POST", "/v1/admin/grants", kKeyManager, admin::CreateGrant},
    {"GET", "/v1/admin/grants", kAnyRole, admin::ListGrants},
    {"POST", "/v1/admin/grants/{id}/approve", kApprover, admin::ApproveGrant},
    {"POST", "/v1/admin/grants/{id}/revoke", kGrantRevokers, admin::RevokeGrant},
    {"POST", "/v1/admin/attestation-keys", kAuthor, admin::RegisterAttestationKey},
    {"GET", "/v1/admin/attestation-keys", kAnyRole, admin::ListAttestationKeys},
    {"POST", "/v1/admin/attestation-keys/{id}/approve", kApprover, admin::ApproveAttestationKey},
    {"POST", "/v1/admin/attestation-keys/{id}/revoke", kRevokers, admin::RevokeAttestationKey},
    {"GET", "/v1/admin/pending", kAnyRole, admin::ListPending},
}};

std::string_view NextSegment(std::string_view& rest) {
  size_t slash = rest.find('/');
  std::string_view segment = rest.substr(0, slash);
  rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  return segment;
}

HttpResponse Fail(ErrorCode code, std::string message) {
  return admin::ErrorResponse(Error{code, std::move(message)});
}

}  // namespace

std::span<const AdminRoute> AdminRouteTable() { return kAdminRoutes; }

bool MatchAdminPath(std::string_view pattern, std::string_view path,
                    std::vector<std::string>& params) {
  params.clear();
  if (path.empty() || path[0] != '/' || pattern.empty()) return false;
  pattern.remove_prefix(1);
  path.remove_prefix(1);
  while (!pattern.empty() || !path.empty()) {
    if (pattern.empty() || path.empty()) return false;
    std::string_view want = NextSegment(pattern), have = NextSegment(path);
    if (want.empty() || want[0] != '{') {
      if (want != have) return false;
      continue;
    }
    std::string_view suffix = want.substr(want.find('}') + 1);  // e.g. ":evaluate"
    if (have.size() <= suffix.size() || !have.ends_with(suffix)) return false;
    auto decoded = admin::PercentDecode(have.substr(0, have.size() - suffix.size()));
    if (!decoded) return false;
    params.push_back(std::move(*decoded));
  }
  return true;
}

HttpResponse RouteAdmin(const HttpRequest& request, AdminServices& services, Time now) {
  constexpr std::string_view kBearer = "bearer ";  // the scheme is case-insensitive
  std::string_view auth = request.authorization;
  bool bearer = auth.size() > kBearer.size() &&
                std::equal(kBearer.begin(), kBearer.end(), auth.begin(),
                           [](char a, char b) { return a == std::tolower(uint8_t(b)); });
  if (!bearer && request.client_principal.empty()) {
    return Fail(ErrorCode::kUnauthorized,
                "a bearer token or an admin client certificate is required");
  }
  auto principal = bearer ? services.auth.Authenticate(auth.substr(kBearer.size()), now)
                          : services.auth.AuthenticateCertificate(request.client_principal,
                                                                  request.client_spki_sha256);
  if (!principal) return admin::ErrorResponse(principal.error());
  bool path_known = false;
  std::vector<std::string> params;
  for (const AdminRoute& route : kAdminRoutes) {
    if (!MatchAdminPath(route.pattern, request.target, params)) continue;
    path_known = true;
    if (route.method != request.method) continue;
    if (!principal->HasAny(route.allowed)) {
      return Fail(ErrorCode::kForbidden, "this principal's roles do not allow this call");
    }
    return route.handler(AdminCall{request, *principal, std::move(params), now, services});
  }
  if (path_known) {
    HttpResponse r = Fail(ErrorCode::kMalformedRequest, "method not allowed");
    r.status = 405;
    return r;
  }
  return Fail(ErrorCode::kNotFound, "no such route");
}

}  // namespace kb::api
