// Policies: versions, approvals, activation and rollback, and the dry run.

#include <boost/json.hpp>

#include "api/admin_handlers.h"
#include "api/json_input.h"
#include "broker/evidence/claims_json.h"
#include "policy/evaluation_json.h"
#include "policy/policy_parser.h"

namespace kb::api::admin {
namespace {

namespace json = boost::json;

json::object VersionJson(const storage::PolicyVersion& v, bool with_source) {
  json::object o{{"name", v.name},
                 {"version", v.version},
                 {"active", v.active},
                 {"created_at", FormatRfc3339(v.created_at)},
                 {"created_by", v.created_by}};
  if (with_source) o["source"] = v.source;
  return o;
}

// {"version": N} of approve and activate.
Result<int> VersionBody(const AdminCall& call) {
  auto body = JsonBody(call);
  if (!body) return std::move(body).error();
  if (auto s = OnlyMembers(*body, {"version"}); !s) return std::move(s).error();
  auto version = OptionalInt(*body, "version", 1, INT32_MAX);
  if (!version) return std::move(version).error();
  if (!*version) return Malformed("version is required");
  return int(**version);
}

// The YAML of a PUT: the body itself (text/yaml) or {"source": "<yaml>"}.
Result<std::string> PolicySource(const AdminCall& call) {
  if (IsYamlContentType(call.request.content_type)) return call.request.body;
  auto body = JsonBody(call);  // the route's limit: the YAML's, twice (JSON escaping)
  if (!body) return std::move(body).error();
  if (auto s = OnlyMembers(*body, {"source"}); !s) return std::move(s).error();
  auto source = StringMember(*body, "source");
  if (!source) return std::move(source).error();
  return std::string(*source);
}

// {"keystore", "key_id", "requestMetadata": {string members}} of an XKS dry run.
Result<broker::XksEvaluateRequest> XksCallBody(const json::value& v) {
  if (!v.is_object()) return Malformed("xks must be an object");
  const json::object& o = v.as_object();
  if (auto s = OnlyMembers(o, {"keystore", "key_id", "requestMetadata"}); !s) {
    return std::move(s).error();
  }
  auto keystore = StringMember(o, "keystore");
  if (!keystore) return std::move(keystore).error();
  auto key_id = StringMember(o, "key_id");
  if (!key_id) return std::move(key_id).error();
  broker::XksEvaluateRequest out{std::string(*keystore), std::string(*key_id), {}};
  const json::value* metadata = o.if_contains("requestMetadata");
  if (metadata == nullptr || !metadata->is_object()) {
    return Malformed("xks.requestMetadata must be an object of strings");
  }
  for (const auto& [name, value] : metadata->as_object()) {
    if (!value.is_string()) return Malformed("xks.requestMetadata values must be strings");
    out.metadata.emplace(std::string(name), std::string(value.as_string()));
  }
  return out;
}

Result<broker::EvaluateRequest> EvaluateBody(const AdminCall& call) {
  auto body = JsonBody(call);
  if (!body) return std::move(body).error();
  if (auto s = OnlyMembers(*body, {"evidence", "version", "at", "xks"}); !s) {
    return std::move(s).error();
  }
  broker::EvaluateRequest request;
  auto version = OptionalInt(*body, "version", 1, INT32_MAX);
  if (!version) return std::move(version).error();
  if (*version) request.version = int(**version);
  if (const json::value* xks = body->if_contains("xks")) {
    if (body->contains("evidence") || body->contains("at")) {
      return Malformed("give xks (an XKS policy) or evidence (a release policy), not both");
    }
    auto call_body = XksCallBody(*xks);
    if (!call_body) return std::move(call_body).error();
    request.xks = std::move(*call_body);
    return request;
  }
  auto evidence = ReadEvidence(body->if_contains("evidence"));
  if (!evidence) return std::move(evidence).error();
  request.evidence_type = std::move(evidence->type);
  request.document = std::move(evidence->document);
  auto at = OptionalString(*body, "at");
  if (!at) return std::move(at).error();
  if (*at) {
    request.at = ParseRfc3339(**at);
    if (!request.at) return Malformed("at must be an RFC 3339 time");
  }
  return request;
}

}  // namespace

HttpResponse PutPolicy(const AdminCall& call) {
  auto source = PolicySource(call);
  if (!source) return ErrorResponse(source.error());
  auto put = call.services.admin.PutPolicy(call.params[0], *source, call.principal, call.now);
  if (!put) return ErrorResponse(put.error());
  json::object out{{"name", call.params[0]}, {"version", put->version}};
  out["approval"] = ApprovalJson(put->approval);
  out["warnings"] = json::array(put->warnings.begin(), put->warnings.end());
  return JsonResponse(201, out);
}

HttpResponse ListPolicies(const AdminCall& call) {
  auto all = call.services.admin.ListPolicies();
  if (!all) return ErrorResponse(all.error());
  json::array out;
  for (const auto& v : *all) out.push_back(VersionJson(v, false));
  return JsonResponse(200, json::object{{"policies", std::move(out)}});
}

HttpResponse GetPolicy(const AdminCall& call) {
  bool given = QueryParam(call.request.query, "version").has_value();
  auto version = QueryNumber(call.request.query, "version", 0, INT32_MAX);
  if (!version) return ErrorResponse(version.error());
  if (given && *version == 0) return ErrorResponse(Malformed("version must be a positive integer"));
  auto v = given ? call.services.admin.GetPolicyVersion(call.params[0], int(*version))
                 : call.services.admin.CurrentPolicy(call.params[0]);
  if (!v) return ErrorResponse(v.error());
  json::object out = VersionJson(*v, true);
  auto approvals = call.services.admin.PolicyApprovals(v->name, v->version);
  if (!approvals) return ErrorResponse(approvals.error());
  out["approval"] = ApprovalJson(*approvals);
  return JsonResponse(200, out);
}

HttpResponse ListPolicyVersions(const AdminCall& call) {
  auto versions = call.services.admin.PolicyVersions(call.params[0]);
  if (!versions) return ErrorResponse(versions.error());
  json::array out;
  for (const auto& v : *versions) {
    json::object o = VersionJson(v, false);
    auto approvals = call.services.admin.PolicyApprovals(v.name, v.version);
    if (!approvals) return ErrorResponse(approvals.error());
    o["approval"] = ApprovalJson(*approvals);
    out.push_back(std::move(o));
  }
  return JsonResponse(200, json::object{{"versions", std::move(out)}});
}

HttpResponse ApprovePolicy(const AdminCall& call) {
  auto version = VersionBody(call);
  if (!version) return ErrorResponse(version.error());
  auto approvals =
      call.services.admin.ApprovePolicy(call.params[0], *version, call.principal, call.now);
  if (!approvals) return ErrorResponse(approvals.error());
  json::object out{{"name", call.params[0]}, {"version", *version}};
  out["approval"] = ApprovalJson(*approvals);
  return JsonResponse(200, out);
}

HttpResponse ActivatePolicy(const AdminCall& call) {
  auto version = VersionBody(call);
  if (!version) return ErrorResponse(version.error());
  auto approvals =
      call.services.admin.ActivatePolicy(call.params[0], *version, call.principal, call.now);
  return WithApprovals(200, json::object{{"name", call.params[0]}, {"version", *version}},
                       approvals);
}

HttpResponse DeactivatePolicy(const AdminCall& call) {
  if (!call.request.body.empty()) {
    auto body = JsonBody(call);
    if (!body) return ErrorResponse(body.error());
    if (auto s = OnlyMembers(*body, {}); !s) return ErrorResponse(s.error());
  }
  auto s = call.services.admin.DeactivatePolicy(call.params[0], call.principal, call.now);
  if (!s) return ErrorResponse(s.error());
  return JsonResponse(200, json::object{{"name", call.params[0]}, {"active", false}});
}

HttpResponse EvaluatePolicy(const AdminCall& call) {
  auto request = EvaluateBody(call);
  if (!request) return ErrorResponse(request.error());
  auto run = call.services.admin.Evaluate(call.params[0], *request, call.now);
  if (!run) return ErrorResponse(run.error());
  if (run->xks) {
    return JsonResponse(200, json::object{{"allow", run->xks->allow},
                                          {"policy", run->xks->policy},
                                          {"version", run->version},
                                          {"matched_rule", run->xks->matched_rule},
                                          {"recipient_bound", run->xks->recipient_bound},
                                          {"reason", run->xks->reason}});
  }
  json::object out = policy::EvaluationToJson(run->decision);
  out["version"] = run->version;
  out["claims"] = broker::ClaimsToJson(run->claims);
  out["warnings"] = json::array(run->warnings.begin(), run->warnings.end());
  return JsonResponse(200, out);
}

}  // namespace kb::api::admin
