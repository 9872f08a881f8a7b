#pragma once

// Requests and responses as the handlers see them: plain data, so that routing and every
// handler are tested without sockets. The server (transport, TLS, limits) fills and sends them.

#include <string>
#include <utility>
#include <vector>

#include "crypto/digest.h"

namespace kb::api {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path, without the query string
  std::string content_type;
  std::string body;
  std::string request_id;     // assigned by the server, echoed into audit rows
  std::string query;          // after '?', without it; empty if none
  std::string authorization;  // the Authorization header: a credential, never logged
  // The subject CN of a verified admin client certificate (mutual TLS); empty without one.
  std::string client_principal;
  // With client_principal: the SHA-256 of that certificate's SubjectPublicKeyInfo DER, which
  // must be bound to the principal (broker::Authenticator::AuthenticateCertificate).
  Sha256Digest client_spki_sha256{};
  // The connection presented a client certificate that chains to xks.client_ca and names
  // xks.client_subject (mutual TLS for the XKS API); false without xks.client_ca.
  bool xks_client_certificate = false;
  // The client's IPv4 address or IPv6 /64 prefix: the key of per-address rate limits.
  std::string remote_address;
  // Every header, names in lowercase, for the SigV4 check of the KMS and XKS APIs (filled for
  // POST requests outside /v1/ only: the other routes read the fields above).
  std::vector<std::pair<std::string, std::string>> headers;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  int retry_after_seconds = 0;  // > 0: sent as Retry-After (rate_limited; /readyz not ready)
  // For the server log only, never sent: what an `internal` answer hides from the client.
  std::string log_detail;
  std::vector<std::pair<std::string, std::string>> headers;  // sent besides the usual ones
};

}  // namespace kb::api
