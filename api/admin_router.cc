#include <algorithm>
#include <cctype>

#include "api/admin_api.h"
#include "api/admin_handlers.h"

namespace kb::api {
namespace {

std::string_view NextSegment(std::string_view& rest) {
  size_t slash = rest.find('/');
  std::string_view segment = rest.substr(0, slash);
  rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  return segment;
}

HttpResponse Fail(ErrorCode code, std::string message) {
  return admin::ErrorResponse(Error{code, std::move(message)});
}

// Which role the call needs and which the caller has, from the route table.
std::string RoleMissing(const RouteEntry& route, const broker::Principal& caller) {
  std::string has = caller.roles == 0 ? "none" : broker::JoinRoleNames(caller.roles);
  return "this call needs one of the roles " + broker::JoinRoleNames(route.allowed) + "; " +
         caller.name + " has " + has;
}

}  // namespace

std::vector<AdminRoute> AdminRouteTable() {
  std::vector<AdminRoute> admin;
  for (const RouteEntry& route : RouteTable()) {
    if (route.surface == Surface::kAdmin) admin.push_back(route);
  }
  return admin;
}

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
  for (const RouteEntry& route : RouteTable()) {
    if (route.surface != Surface::kAdmin) continue;
    if (!MatchAdminPath(route.pattern, request.target, params)) continue;
    path_known = true;
    if (route.method != request.method) continue;
    if (!principal->HasAny(route.allowed)) {
      return Fail(ErrorCode::kForbidden, RoleMissing(route, *principal));
    }
    return route.on_admin(
        AdminCall{request, *principal, std::move(params), now, services, route.body_limit});
  }
  if (path_known) {
    HttpResponse r = Fail(ErrorCode::kMalformedRequest, "method not allowed");
    r.status = 405;
    return r;
  }
  return Fail(ErrorCode::kNotFound, "no such route");
}

}  // namespace kb::api
