// Client certificates bound to their principals: what makes an admin client certificate
// authenticate (broker::Authenticator::AuthenticateCertificate).

#include <boost/json.hpp>

#include "api/admin_handlers.h"
#include "api/json_input.h"
#include "common/encoding.h"

namespace kb::api::admin {
namespace {

namespace json = boost::json;

json::value OptionalTime(const std::optional<Time>& t) {
  return t ? json::value(FormatRfc3339(*t)) : json::value(nullptr);
}

}  // namespace

HttpResponse BindCertificate(const AdminCall& call) {
  // An empty body goes on as an empty certificate, so that a caller without the right to bind
  // for this principal hears "forbidden" before anything about the body.
  std::string pem;
  if (!call.request.body.empty()) {
    auto body = JsonBody(call);
    if (!body) return ErrorResponse(body.error());
    if (auto s = OnlyMembers(*body, {"certificate"}); !s) return ErrorResponse(s.error());
    auto text = StringMember(*body, "certificate");
    if (!text) return ErrorResponse(text.error());
    pem = std::string(*text);
  }
  auto bound =
      call.services.identity.BindCertificate(call.params[0], pem, call.principal, call.now);
  if (!bound) return ErrorResponse(bound.error());
  return WithApprovals(
      201,
      json::object{{"id", bound->credential.id},
                   {"principal", call.params[0]},
                   {"spki_sha256", HexEncode(bound->credential.identity.spki_sha256)}},
      bound->approval);
}

HttpResponse ListCertificates(const AdminCall& call) {
  auto all = call.services.auth.store().ListClientCertificates();
  if (!all) return ErrorResponse(all.error());
  json::array out;
  for (const auto& c : *all) {
    out.push_back(json::object{{"id", c.id},
                               {"principal", c.principal},
                               {"spki_sha256", HexEncode(c.spki_sha256)},
                               {"created_at", FormatRfc3339(c.created_at)},
                               {"created_by", c.created_by},
                               {"revoked_at", OptionalTime(c.revoked_at)},
                               {"approved", c.approved}});
  }
  return JsonResponse(200, json::object{{"client_certificates", std::move(out)}});
}

HttpResponse ApproveCertificate(const AdminCall& call) {
  auto approvals =
      call.services.identity.ApproveCertificate(call.params[0], call.principal, call.now);
  return WithApprovals(200, json::object{{"id", call.params[0]}}, approvals);
}

HttpResponse RevokeCertificate(const AdminCall& call) {
  auto s = call.services.identity.RevokeCertificate(call.params[0], call.principal, call.now);
  if (!s) return ErrorResponse(s.error());
  return JsonResponse(200, json::object{{"id", call.params[0]}, {"revoked", true}});
}

}  // namespace kb::api::admin
