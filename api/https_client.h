#pragma once

// A small synchronous HTTPS client for the command line (`keybroker release`, `challenge`) and
// the tests: one request per connection, the server verified against a given CA file.

#include <chrono>
#include <string>

#include "api/http_types.h"
#include "common/result.h"

namespace kb::api {

struct ClientOptions {
  std::string ca_file;  // PEM; empty: the system's trust store
  std::chrono::seconds timeout{30};
  std::string bearer_token;                       // sent as "Authorization: Bearer ..." if set
  std::string content_type = "application/json";  // of the request body
  std::string client_certificate_file;            // PEM; with client_key_file: mutual TLS (admins)
  std::string client_key_file;
};

// `url` is "https://HOST:PORT" (no path). kUntrustedChain when the server's certificate does not
// verify against the CA file; kInternal for other connection or TLS failures.
Result<HttpResponse> HttpsRequest(const std::string& url, const std::string& method,
                                  const std::string& target, const std::string& body,
                                  const ClientOptions& options);

}  // namespace kb::api
