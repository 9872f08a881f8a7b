// Principals, their tokens and KMS access keys, and the audit log.

#include <boost/json.hpp>

#include "api/admin_handlers.h"
#include "api/json_input.h"
#include "common/duration.h"
#include "common/encoding.h"

namespace kb::api::admin {
namespace {

namespace json = boost::json;

json::array RoleArray(const std::vector<std::string>& roles) {
  json::array out;
  for (const auto& r : roles) out.emplace_back(r);
  return out;
}

json::value OptionalTime(const std::optional<Time>& t) {
  return t ? json::value(FormatRfc3339(*t)) : json::value(nullptr);
}

json::object AuditJson(const storage::AuditRecord& r) {
  return {{"seq", std::to_string(r.seq)},
          {"time", FormatRfc3339(r.time)},
          {"actor", r.actor},
          {"action", r.action},
          {"key_id", r.key_id},
          {"key_version", r.key_version},
          {"policy", r.policy},
          {"policy_version", r.policy_version},
          {"evidence_type", r.evidence_type},
          {"evidence_sha256", HexEncode(r.evidence_sha256)},
          {"claims_sha256", HexEncode(r.claims_sha256)},
          {"decision", r.decision},
          {"reasons", r.reasons},
          {"request_id", r.request_id},
          {"hash", HexEncode(r.hash)}};
}

}  // namespace

HttpResponse WhoAmI(const AdminCall& call) {
  return JsonResponse(200,
                      json::object{{"principal", call.principal.name},
                                   {"roles", RoleArray(broker::RoleNames(call.principal.roles))}});
}

HttpResponse CreatePrincipal(const AdminCall& call) {
  auto body = JsonBody(call);
  if (!body) return ErrorResponse(body.error());
  if (auto s = OnlyMembers(*body, {"name", "roles"}); !s) return ErrorResponse(s.error());
  auto name = StringMember(*body, "name");
  if (!name) return ErrorResponse(name.error());
  const json::value* roles = body->if_contains("roles");
  if (roles == nullptr || !roles->is_array()) {
    return ErrorResponse(Malformed("roles must be an array of role names"));
  }
  std::vector<std::string> names;
  for (const json::value& r : roles->as_array()) {
    if (!r.is_string()) return ErrorResponse(Malformed("roles must be an array of role names"));
    names.emplace_back(r.as_string());
  }
  std::string unknown;
  auto set = broker::ParseRoles(names, &unknown);
  if (!set) {
    return ErrorResponse(Malformed("unknown role " + unknown + "; the roles are " +
                                   broker::JoinRoleNames(broker::kAllRoles)));
  }
  auto approvals = call.services.identity.CreatePrincipal(*name, *set, call.principal, call.now);
  return WithApprovals(
      201, json::object{{"name", *name}, {"roles", RoleArray(broker::RoleNames(*set))}}, approvals);
}

HttpResponse ApprovePrincipal(const AdminCall& call) {
  auto approvals =
      call.services.identity.ApprovePrincipal(call.params[0], call.principal, call.now);
  return WithApprovals(200, json::object{{"name", call.params[0]}}, approvals);
}

HttpResponse ListPrincipals(const AdminCall& call) {
  auto all = call.services.auth.store().ListPrincipals();
  if (!all) return ErrorResponse(all.error());
  json::array out;
  for (const auto& p : *all) {
    out.push_back(json::object{{"name", p.name},
                               {"roles", RoleArray(p.roles)},
                               {"created_at", FormatRfc3339(p.created_at)},
                               {"created_by", p.created_by},
                               {"disabled_at", OptionalTime(p.disabled_at)},
                               {"approved", p.approved}});
  }
  return JsonResponse(200, json::object{{"principals", std::move(out)}});
}

HttpResponse DisablePrincipal(const AdminCall& call) {
  auto s = call.services.auth.DisablePrincipal(call.params[0], call.principal.name, call.now);
  if (!s) return ErrorResponse(s.error());
  return JsonResponse(200, json::object{{"name", call.params[0]}, {"disabled", true}});
}

HttpResponse CreateToken(const AdminCall& call) {
  std::optional<std::chrono::seconds> ttl;
  if (!call.request.body.empty()) {
    auto body = JsonBody(call);
    if (!body) return ErrorResponse(body.error());
    if (auto s = OnlyMembers(*body, {"ttl"}); !s) return ErrorResponse(s.error());
    auto text = OptionalString(*body, "ttl");
    if (!text) return ErrorResponse(text.error());
    if (*text) {
      ttl = ParseDuration(**text);
      if (!ttl || ttl->count() <= 0) {
        return ErrorResponse(Malformed("ttl must be a duration such as 3600s, 90m or 24h"));
      }
    }
  }
  auto issued = call.services.identity.IssueToken(call.params[0], ttl, call.principal, call.now);
  if (!issued) return ErrorResponse(issued.error());
  const broker::IssuedToken& token = issued->credential;
  return WithApprovals(201,
                       json::object{{"id", token.id},
                                    {"principal", call.params[0]},
                                    {"token", token.token},
                                    {"expires_at", OptionalTime(token.expires_at)}},
                       issued->approval);
}

HttpResponse ApproveToken(const AdminCall& call) {
  auto approvals = call.services.identity.ApproveToken(call.params[0], call.principal, call.now);
  return WithApprovals(200, json::object{{"id", call.params[0]}}, approvals);
}

HttpResponse ListTokens(const AdminCall& call) {
  auto all = call.services.auth.store().ListTokens();
  if (!all) return ErrorResponse(all.error());
  json::array out;
  for (const auto& t : *all) {
    out.push_back(json::object{{"id", t.id},
                               {"principal", t.principal},
                               {"created_at", FormatRfc3339(t.created_at)},
                               {"expires_at", OptionalTime(t.expires_at)},
                               {"revoked_at", OptionalTime(t.revoked_at)},
                               {"approved", t.approved}});
  }
  return JsonResponse(200, json::object{{"tokens", std::move(out)}});
}

HttpResponse RevokeToken(const AdminCall& call) {
  auto s = call.services.identity.RevokeToken(call.params[0], call.principal, call.now);
  if (!s) return ErrorResponse(s.error());
  return JsonResponse(200, json::object{{"id", call.params[0]}, {"revoked", true}});
}

HttpResponse CreateAccessKey(const AdminCall& call) {
  if (!call.request.body.empty()) {
    auto body = JsonBody(call);
    if (!body) return ErrorResponse(body.error());
    if (auto s = OnlyMembers(*body, {}); !s) return ErrorResponse(s.error());
  }
  auto issued = call.services.identity.IssueAccessKey(call.params[0], call.principal, call.now);
  if (!issued) return ErrorResponse(issued.error());
  return WithApprovals(201,
                       json::object{{"access_key_id", issued->credential.id},
                                    {"principal", call.params[0]},
                                    {"secret_access_key", issued->credential.secret}},
                       issued->approval);
}

HttpResponse ApproveAccessKey(const AdminCall& call) {
  auto approvals =
      call.services.identity.ApproveAccessKey(call.params[0], call.principal, call.now);
  return WithApprovals(200, json::object{{"access_key_id", call.params[0]}}, approvals);
}

HttpResponse ListAccessKeys(const AdminCall& call) {
  auto all = call.services.access_keys.List();
  if (!all) return ErrorResponse(all.error());
  json::array out;
  for (const auto& k : *all) {
    out.push_back(json::object{{"access_key_id", k.id},
                               {"principal", k.principal},
                               {"created_at", FormatRfc3339(k.created_at)},
                               {"revoked_at", OptionalTime(k.revoked_at)},
                               {"approved", k.approved}});
  }
  return JsonResponse(200, json::object{{"access_keys", std::move(out)}});
}

HttpResponse RevokeAccessKey(const AdminCall& call) {
  auto s = call.services.access_keys.Revoke(call.params[0], call.principal.name, call.now);
  if (!s) return ErrorResponse(s.error());
  return JsonResponse(200, json::object{{"access_key_id", call.params[0]}, {"revoked", true}});
}

HttpResponse ReadAudit(const AdminCall& call) {
  auto after = QueryNumber(call.request.query, "after", 0, uint64_t(1) << 62);
  if (!after) return ErrorResponse(after.error());
  auto limit = QueryNumber(call.request.query, "limit", 100, 1000);
  if (!limit) return ErrorResponse(limit.error());
  auto rows = call.services.admin.ReadAudit(*after, size_t(*limit));
  if (!rows) return ErrorResponse(rows.error());
  json::array out;
  for (const auto& r : *rows) out.push_back(AuditJson(r));
  return JsonResponse(200, json::object{{"rows", std::move(out)}});
}

HttpResponse VerifyAudit(const AdminCall& call) {
  auto v = call.services.admin.VerifyAudit();
  if (!v) return ErrorResponse(v.error());
  // The shape of `keybroker audit verify`.
  json::object out{{"ok", v->ok}, {"rows", v->rows}, {"head", HexEncode(v->head)}};
  if (!v->ok) {
    out["broken_at"] = v->broken_at;
    out["reason"] = v->reason;
  }
  return JsonResponse(200, out);
}

}  // namespace kb::api::admin
