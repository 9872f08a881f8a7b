#pragma once

// The XKS proxy API v1 (../shared/research/xks.md, docs/xks.md): AWS KMS calls
// POST <uri_prefix>/kms/xks/v1/health and .../keys/<externalKeyId>/{metadata,encrypt,decrypt},
// signed with SigV4 (service kms-xks-proxy, the configured region; api/kms/sigv4.h) under an
// access key of a principal of role xks-proxy, one per external key store. With mutual TLS
// configured, the connection must also have presented the configured client certificate.
// Operations go to broker::XksService; answers are JSON, errors
// {"errorName", "errorMessage"} with the specification's HTTP statuses.

#include <string>

#include "api/http_types.h"
#include "api/xks/xks_request.h"
#include "broker/admin/access_keys.h"
#include "broker/xks/xks_service.h"

namespace kb::api::xks {

// The path every XKS route starts with, after the configured prefix.
inline constexpr std::string_view kApiPath = "/kms/xks/v1";

struct XksServices {
  broker::XksService& xks;
  broker::AccessKeys& access_keys;
  std::string uri_prefix;  // "" or "/<segments>": the routes are under uri_prefix + kApiPath
  std::string region;
  int fleet_size = 1;
  std::string proxy_model;  // "keybroker <version>"
  // Mutual TLS: XKS requests need HttpRequest::xks_client_certificate.
  bool require_client_certificate = false;
};

// True for requests under uri_prefix + kApiPath (the API answers every one of them, 404
// InvalidUriPathException for an unknown path).
bool IsXksRequest(const HttpRequest& request, const XksServices& services);

HttpResponse RouteXks(const HttpRequest& request, XksServices& services, Time now);

// One authenticated call; the operation decodes the body.
struct Call {
  const HttpRequest& request;
  XksServices& services;
  std::string key_id;    // from the path; empty for health
  std::string keystore;  // the authenticated principal
  Time now{};
};

// The operations, bound to their paths in the route table (routes.cc).
HttpResponse GetHealthStatus(Call& c);
HttpResponse GetKeyMetadata(Call& c);
HttpResponse Encrypt(Call& c);
HttpResponse Decrypt(Call& c);

}  // namespace kb::api::xks
