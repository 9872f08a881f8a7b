#pragma once

// The admin route handlers, grouped by resource (admin_*_handlers.cc), and the helpers they
// share. Each returns the response, success or error, in the error contract's shape.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "api/admin_api.h"

namespace kb::api::admin {

HttpResponse JsonResponse(int status, const boost::json::value& body);
HttpResponse ErrorResponse(const Error& error);
// The request body as a JSON object (bounded size and depth), or the error response.
Result<boost::json::object> JsonBody(const AdminCall& call, size_t max_size);
// The same, bounded by the route's body limit (routes.cc).
inline Result<boost::json::object> JsonBody(const AdminCall& call) {
  return JsonBody(call, call.body_limit);
}
// Percent-decodes a path segment or query value; nullopt for a bad escape or an empty result.
std::optional<std::string> PercentDecode(std::string_view text);
// The percent-decoded value of `key` in the query string, or nullopt (absent or undecodable).
std::optional<std::string> QueryParam(std::string_view query, std::string_view key);
// A decimal query parameter in [0, max], or `fallback` when absent; kMalformedRequest otherwise.
Result<uint64_t> QueryNumber(std::string_view query, std::string_view key, uint64_t fallback,
                             uint64_t max);
// text/yaml, application/yaml or application/x-yaml (parameters allowed).
bool IsYamlContentType(std::string_view content_type);
boost::json::object ApprovalJson(const broker::ApprovalStatus& status);
// `body` with its "approval" member, or the error response.
HttpResponse WithApprovals(int status, boost::json::object body,
                           const Result<broker::ApprovalStatus>& approvals);

// Principals, tokens, audit.
HttpResponse WhoAmI(const AdminCall& call);
HttpResponse CreatePrincipal(const AdminCall& call);
HttpResponse ListPrincipals(const AdminCall& call);
HttpResponse ApprovePrincipal(const AdminCall& call);
HttpResponse DisablePrincipal(const AdminCall& call);
HttpResponse CreateToken(const AdminCall& call);
HttpResponse ListTokens(const AdminCall& call);
HttpResponse ApproveToken(const AdminCall& call);
HttpResponse RevokeToken(const AdminCall& call);
HttpResponse CreateAccessKey(const AdminCall& call);
HttpResponse ListAccessKeys(const AdminCall& call);
HttpResponse ApproveAccessKey(const AdminCall& call);
HttpResponse RevokeAccessKey(const AdminCall& call);
HttpResponse ReadAudit(const AdminCall& call);
HttpResponse VerifyAudit(const AdminCall& call);

// Client certificates bound to their principals (mutual TLS).
HttpResponse BindCertificate(const AdminCall& call);
HttpResponse ListCertificates(const AdminCall& call);
HttpResponse ApproveCertificate(const AdminCall& call);
HttpResponse RevokeCertificate(const AdminCall& call);

// References, attestation keys, pending approvals.
HttpResponse CreateReference(const AdminCall& call);
HttpResponse ListReferences(const AdminCall& call);
HttpResponse GetReference(const AdminCall& call);
HttpResponse RevokeReference(const AdminCall& call);
HttpResponse ReinstateReference(const AdminCall& call);
HttpResponse ApproveReference(const AdminCall& call);
HttpResponse RegisterAttestationKey(const AdminCall& call);
HttpResponse ListAttestationKeys(const AdminCall& call);
HttpResponse ApproveAttestationKey(const AdminCall& call);
HttpResponse RevokeAttestationKey(const AdminCall& call);
HttpResponse ListPending(const AdminCall& call);

// Policies.
HttpResponse PutPolicy(const AdminCall& call);
HttpResponse ListPolicies(const AdminCall& call);
HttpResponse GetPolicy(const AdminCall& call);
HttpResponse ListPolicyVersions(const AdminCall& call);
HttpResponse ApprovePolicy(const AdminCall& call);
HttpResponse ActivatePolicy(const AdminCall& call);
HttpResponse DeactivatePolicy(const AdminCall& call);
HttpResponse EvaluatePolicy(const AdminCall& call);

// Keys.
HttpResponse CreateKey(const AdminCall& call);
HttpResponse ListKeys(const AdminCall& call);
HttpResponse GetKey(const AdminCall& call);
HttpResponse RotateKey(const AdminCall& call);
HttpResponse EnableKey(const AdminCall& call);
HttpResponse DisableKey(const AdminCall& call);
HttpResponse GetImportParameters(const AdminCall& call);
HttpResponse ImportKey(const AdminCall& call);

// KMS governance: grants and key attestation changes.
HttpResponse CreateGrant(const AdminCall& call);
HttpResponse ListGrants(const AdminCall& call);
HttpResponse ApproveGrant(const AdminCall& call);
HttpResponse RevokeGrant(const AdminCall& call);
HttpResponse ProposeKeyAttestation(const AdminCall& call);
HttpResponse ListKeyAttestationChanges(const AdminCall& call);
HttpResponse ApproveKeyAttestation(const AdminCall& call);

}  // namespace kb::api::admin
