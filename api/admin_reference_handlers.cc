// Reference measurements, TPM attestation keys and the list of pending approvals.

#include <boost/json.hpp>

#include "api/admin_handlers.h"
#include "api/json_input.h"
#include "broker/evidence/attestation_keys.h"
#include "common/encoding.h"
#include "policy/reference_import.h"

namespace kb::api::admin {
namespace {

namespace json = boost::json;

json::object ReferenceJson(const policy::Reference& r) {
  json::object pcrs;
  for (const auto& [index, value] : r.pcrs) pcrs[std::to_string(index)] = HexEncode(value);
  return {{"name", r.name},
          {"platform", policy::PlatformName(r.platform)},
          {"pcrs", std::move(pcrs)},
          {"source", r.source},
          {"status", policy::ReferenceStatusName(r.status)},
          {"created_at", FormatRfc3339(r.created_at)},
          {"created_by", r.created_by}};
}

// Our reference (YAML, or the same as JSON), or the JSON of nitro-cli build-enclave /
// nitro-tpm-pcr-compute named by ?name= (and described by ?source=).
Result<policy::Reference> ParseReferenceBody(const HttpRequest& request, size_t limit) {
  if (request.body.size() > limit) {
    return Error{ErrorCode::kPayloadTooLarge,
                 "a reference is at most " + std::to_string(limit / 1024) + " KiB"};
  }
  if (IsYamlContentType(request.content_type)) return policy::ParseReferenceYaml(request.body);
  if (request.content_type.rfind("application/json", 0) != 0) {
    return Malformed("Content-Type must be application/json or text/yaml");
  }
  auto object = ParseObject(request.body, limit, 8);
  if (!object) return std::move(object).error();
  if (!object->contains("Measurements")) return policy::ParseReferenceYaml(request.body);
  auto name = QueryParam(request.query, "name");
  if (!name) return Malformed("measurements JSON needs the reference name in ?name=");
  std::string source = QueryParam(request.query, "source").value_or("");
  return policy::ParseMeasurementsJson(request.body, *name, source);
}

}  // namespace

HttpResponse CreateReference(const AdminCall& call) {
  auto reference = ParseReferenceBody(call.request, call.body_limit);
  if (!reference) {
    Error e = reference.error();
    if (e.code != ErrorCode::kPayloadTooLarge) e.code = ErrorCode::kMalformedRequest;
    return ErrorResponse(e);
  }
  json::object body = ReferenceJson(*reference);
  auto approvals = call.services.admin.CreateReference(*reference, call.principal, call.now);
  if (approvals) body["status"] = approvals->effective ? "active" : "pending";
  body["created_by"] = call.principal.name;
  body["created_at"] = FormatRfc3339(call.now);
  return WithApprovals(201, std::move(body), approvals);
}

HttpResponse ListReferences(const AdminCall& call) {
  auto all = call.services.admin.ListReferences();
  if (!all) return ErrorResponse(all.error());
  json::array out;
  for (const auto& r : *all) out.push_back(ReferenceJson(r));
  return JsonResponse(200, json::object{{"references", std::move(out)}});
}

HttpResponse GetReference(const AdminCall& call) {
  auto r = call.services.admin.GetReference(call.params[0]);
  if (!r) return ErrorResponse(r.error());
  return WithApprovals(200, ReferenceJson(*r),
                       call.services.admin.ReferenceApprovals(call.params[0]));
}

HttpResponse RevokeReference(const AdminCall& call) {
  auto s = call.services.admin.RevokeReference(call.params[0], call.principal, call.now);
  if (!s) return ErrorResponse(s.error());
  return JsonResponse(200, json::object{{"name", call.params[0]}, {"status", "revoked"}});
}

HttpResponse ReinstateReference(const AdminCall& call) {
  auto approvals = call.services.admin.ReinstateReference(call.params[0], call.principal, call.now);
  return WithApprovals(200, json::object{{"name", call.params[0]}}, approvals);
}

HttpResponse ApproveReference(const AdminCall& call) {
  auto approvals = call.services.admin.ApproveReference(call.params[0], call.principal, call.now);
  return WithApprovals(200, json::object{{"name", call.params[0]}}, approvals);
}

HttpResponse RegisterAttestationKey(const AdminCall& call) {
  auto body = JsonBody(call);
  if (!body) return ErrorResponse(body.error());
  if (auto s = OnlyMembers(*body, {"public_key", "description"}); !s) {
    return ErrorResponse(s.error());
  }
  auto key = StringMember(*body, "public_key");
  if (!key) return ErrorResponse(key.error());
  auto description = OptionalString(*body, "description");
  if (!description) return ErrorResponse(description.error());
  // A TPM2B_PUBLIC as base64; PEM text as it is, for the service to refuse with its reason.
  Bytes bytes(key->begin(), key->end());
  if (key->find("-----BEGIN") == std::string_view::npos) {
    auto decoded = Base64Decode(*key);
    if (!decoded) return ErrorResponse(Malformed("public_key is neither PEM nor base64"));
    bytes = std::move(*decoded);
  }
  auto registered = call.services.admin.RegisterAttestationKey(
      bytes, std::string(description->value_or("")), call.principal, call.now);
  if (!registered) return ErrorResponse(registered.error());
  json::object out{{"id", registered->first}};
  out["approval"] = ApprovalJson(registered->second);
  return JsonResponse(201, out);
}

HttpResponse ListAttestationKeys(const AdminCall& call) {
  auto all = call.services.admin.ListAttestationKeys();
  if (!all) return ErrorResponse(all.error());
  json::array out;
  for (const auto& k : *all) {
    // Nothing shows that a PEM key is restricted: it may sign forged quotes (see
    // broker::AttestationKeyForm).
    bool pem = broker::AttestationKeys::IsPem(k.public_key);
    out.push_back(json::object{{"id", k.id},
                               {"status", k.status},
                               {"form", pem ? "pem" : "tpm2b_public"},
                               {"restricted", pem ? "unproven" : "checked"},
                               {"description", k.description},
                               {"created_at", FormatRfc3339(k.created_at)},
                               {"created_by", k.created_by}});
  }
  return JsonResponse(200, json::object{{"attestation_keys", std::move(out)}});
}

HttpResponse ApproveAttestationKey(const AdminCall& call) {
  auto approvals =
      call.services.admin.ApproveAttestationKey(call.params[0], call.principal, call.now);
  return WithApprovals(200, json::object{{"id", call.params[0]}}, approvals);
}

HttpResponse RevokeAttestationKey(const AdminCall& call) {
  auto s = call.services.admin.RevokeAttestationKey(call.params[0], call.principal, call.now);
  if (!s) return ErrorResponse(s.error());
  return JsonResponse(200, json::object{{"id", call.params[0]}, {"status", "revoked"}});
}

HttpResponse ListPending(const AdminCall& call) {
  auto pending = call.services.admin.Pending();
  if (!pending) return ErrorResponse(pending.error());
  json::array out;
  for (const auto& item : *pending) {
    json::object o{{"kind", storage::ApprovalKindName(item.subject.kind)},
                   {"name", item.subject.name}};
    if (item.subject.version != 0) o["version"] = item.subject.version;
    json::array approvers;
    for (const auto& a : item.approvers) approvers.emplace_back(a);
    o["approvals"] = std::move(approvers);
    out.push_back(std::move(o));
  }
  return JsonResponse(200, json::object{{"pending", std::move(out)},
                                        {"required", call.services.admin.approvals_required()}});
}

}  // namespace kb::api::admin
