#pragma once

// The admin REST API under /v1/admin/ (docs/openapi.yaml): authentication by bearer token,
// authorization by role per route, then a handler that calls the broker's admin services.
//
//   no or bad token → 401 unauthorized (before anything else, so routes are not probed); a
//   verified admin client certificate (mutual TLS) stands in for a token: its subject CN names
//   the principal, and its key must be bound to that principal (an approved binding). A bearer
//   token, when sent, is what counts.
//   unknown path    → 404 not_found; known path, other method → 405
//   role missing    → 403 forbidden

#include <string>
#include <string_view>
#include <vector>

#include "api/http_types.h"
#include "api/routes.h"
#include "broker/admin/access_keys.h"
#include "broker/admin/admin_service.h"
#include "broker/admin/authenticator.h"
#include "broker/admin/identity_admin.h"
#include "broker/admin/key_admin.h"
#include "broker/admin/kms_governance.h"

namespace kb::api {

struct AdminServices {
  broker::Authenticator& auth;
  broker::IdentityAdmin& identity;
  broker::AdminService& admin;
  broker::KeyAdmin& keys;
  broker::AccessKeys& access_keys;
  broker::KmsGovernance& kms;
};

// One authenticated, authorized call, as a handler sees it.
struct AdminCall {
  const HttpRequest& request;
  const broker::Principal& principal;
  std::vector<std::string> params;  // path parameters in order, percent-decoded
  Time now;
  AdminServices& services;
  size_t body_limit;  // the route's (routes.h): JsonBody(call) reads at most this
};

// The admin routes are the entries of the route table (routes.h) of Surface::kAdmin.
using AdminRoute = RouteEntry;

// Every admin route, in the table's order: for the role-matrix test.
std::vector<AdminRoute> AdminRouteTable();

// REQUIRES: request.target starts with "/v1/admin/".
HttpResponse RouteAdmin(const HttpRequest& request, AdminServices& services, Time now);

// Matches `path` against a route pattern, filling `params`. Exposed for tests.
bool MatchAdminPath(std::string_view pattern, std::string_view path,
                    std::vector<std::string>& params);

}  // namespace kb::api
