// KMS governance: grants of KMS operations on kms keys to kms-users, and changes of a kms key's
// attestation_required; both take effect under the two-person rule.

#include <boost/json.hpp>

#include "api/admin_handlers.h"
#include "api/json_input.h"

namespace kb::api::admin {
namespace {

namespace json = boost::json;

json::object GrantJson(const storage::KmsGrant& g) {
  json::array operations;
  for (const auto& op : g.operations) operations.emplace_back(op);
  json::object out{{"id", g.id},
                   {"principal", g.principal},
                   {"key_id", g.key_id},
                   {"operations", std::move(operations)},
                   {"status", g.status},
                   {"created_at", FormatRfc3339(g.created_at)},
                   {"created_by", g.created_by}};
  if (g.revoked_at) out["revoked_at"] = FormatRfc3339(*g.revoked_at);
  return out;
}

json::object ChangeJson(const storage::KeyAttestationChange& c) {
  return {{"version", c.version},
          {"attestation_required", c.attestation_required},
          {"created_at", FormatRfc3339(c.created_at)},
          {"created_by", c.created_by},
          {"status", c.applied      ? "applied"
                     : c.superseded ? "superseded"
                                    : "pending"}};
}

// {"principal": P, "key": K, "operations": ["Decrypt", ...]}
Result<broker::GrantRequest> ReadGrant(const json::object& body) {
  if (auto s = OnlyMembers(body, {"principal", "key", "operations"}); !s) {
    return std::move(s).error();
  }
  auto principal = StringMember(body, "principal");
  if (!principal) return std::move(principal).error();
  auto key = StringMember(body, "key");
  if (!key) return std::move(key).error();
  const json::value* ops = body.if_contains("operations");
  if (ops == nullptr || !ops->is_array()) return Malformed("operations must be an array");
  broker::GrantRequest request{std::string(*principal), std::string(*key), {}};
  for (const auto& op : ops->as_array()) {
    if (!op.is_string()) return Malformed("operations must be strings");
    request.operations.emplace_back(op.as_string());
  }
  return request;
}

}  // namespace

HttpResponse CreateGrant(const AdminCall& call) {
  auto body = JsonBody(call);
  if (!body) return ErrorResponse(body.error());
  auto request = ReadGrant(*body);
  if (!request) return ErrorResponse(request.error());
  auto created = call.services.kms.CreateGrant(*request, call.principal, call.now);
  if (!created) return ErrorResponse(created.error());
  json::object out = GrantJson(created->first);
  out["approval"] = ApprovalJson(created->second);
  return JsonResponse(201, out);
}

HttpResponse ListGrants(const AdminCall& call) {
  auto all = call.services.kms.ListGrants();
  if (!all) return ErrorResponse(all.error());
  json::array out;
  for (const auto& g : *all) out.push_back(GrantJson(g));
  return JsonResponse(200, json::object{{"grants", std::move(out)}});
}

HttpResponse ApproveGrant(const AdminCall& call) {
  auto approval = call.services.kms.ApproveGrant(call.params[0], call.principal, call.now);
  if (!approval) return ErrorResponse(approval.error());
  auto grant = call.services.kms.GetGrant(call.params[0]);
  if (!grant) return ErrorResponse(grant.error());
  json::object out = GrantJson(*grant);
  out["approval"] = ApprovalJson(*approval);
  return JsonResponse(200, out);
}

HttpResponse RevokeGrant(const AdminCall& call) {
  if (auto s = call.services.kms.RevokeGrant(call.params[0], call.principal, call.now); !s) {
    return ErrorResponse(s.error());
  }
  auto grant = call.services.kms.GetGrant(call.params[0]);
  if (!grant) return ErrorResponse(grant.error());
  return JsonResponse(200, GrantJson(*grant));
}

// {"attestation_required": bool}: a proposal, effective once approved.
HttpResponse ProposeKeyAttestation(const AdminCall& call) {
  auto body = JsonBody(call);
  if (!body) return ErrorResponse(body.error());
  if (auto s = OnlyMembers(*body, {"attestation_required"}); !s) return ErrorResponse(s.error());
  const json::value* required = body->if_contains("attestation_required");
  if (required == nullptr || !required->is_bool()) {
    return ErrorResponse(Malformed("attestation_required must be true or false"));
  }
  auto change = call.services.kms.ProposeAttestation(call.params[0], required->as_bool(),
                                                     call.principal, call.now);
  if (!change) return ErrorResponse(change.error());
  json::object out{{"key_id", call.params[0]},
                   {"version", change->version},
                   {"attestation_required", required->as_bool()}};
  out["approval"] = ApprovalJson(change->approval);
  return JsonResponse(201, out);
}

HttpResponse ListKeyAttestationChanges(const AdminCall& call) {
  auto changes = call.services.kms.AttestationChanges(call.params[0]);
  if (!changes) return ErrorResponse(changes.error());
  json::array out;
  for (const auto& c : *changes) out.push_back(ChangeJson(c));
  return JsonResponse(200, json::object{{"key_id", call.params[0]}, {"changes", std::move(out)}});
}

// {"version": N}
HttpResponse ApproveKeyAttestation(const AdminCall& call) {
  auto body = JsonBody(call);
  if (!body) return ErrorResponse(body.error());
  if (auto s = OnlyMembers(*body, {"version"}); !s) return ErrorResponse(s.error());
  auto version = OptionalInt(*body, "version", 1, INT32_MAX);
  if (!version) return ErrorResponse(version.error());
  if (!*version) return ErrorResponse(Malformed("version is required"));
  auto approval = call.services.kms.ApproveAttestation(call.params[0], int(**version),
                                                       call.principal, call.now);
  if (!approval) return ErrorResponse(approval.error());
  json::object out{{"key_id", call.params[0]}, {"version", **version}};
  out["approval"] = ApprovalJson(*approval);
  return JsonResponse(200, out);
}

}  // namespace kb::api::admin
