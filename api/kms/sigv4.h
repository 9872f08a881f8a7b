#pragma once

// AWS Signature Version 4 (AWS4-HMAC-SHA256 in the Authorization header), verified exactly as
// AWS does for an awsJson service such as KMS: the canonical request is rebuilt from the
// request as received (method, path, query, the headers the client chose to sign, the SHA-256
// of the body), the credential scope must be <date>/<configured region>/kms/aws4_request,
// x-amz-date must be within five minutes of now, and the signature is compared in constant
// time. Pure: the secret comes from a lookup, the time from the caller.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/bytes.h"
#include "common/result.h"
#include "common/time.h"

namespace kb::api::kms {

// Header names in lowercase, values as received; a name may repeat.
using Headers = std::vector<std::pair<std::string, std::string>>;

struct SignedRequest {
  std::string_view method;
  std::string_view path;   // as received, without the query
  std::string_view query;  // after '?', as received
  const Headers& headers;
  std::string_view body;
};

struct Credential {
  std::string access_key_id;
  std::string date;  // YYYYMMDD
  std::string region;
  std::string service;
  std::vector<std::string> signed_headers;
  std::string signature;  // 64 lowercase hex
};

// Parses "AWS4-HMAC-SHA256 Credential=AKID/20261127/us-east-1/kms/aws4_request,
// SignedHeaders=a;b;c, Signature=<hex>".
Result<Credential> ParseAuthorization(std::string_view header);

// The hex signature of `request` under `secret` for `credential` (its scope and signed
// headers) and the request's x-amz-date. Exposed for the tests and for a client.
std::string Sign(const SignedRequest& request, const Credential& credential, ByteSpan secret,
                 std::string_view amz_date);

// The secret of an access key id, or nullopt if the id is unknown or revoked.
using SecretLookup = std::function<std::optional<SecretBytes>(const std::string& access_key_id)>;

struct Verified {
  std::string access_key_id;
};

// Verifies the Authorization header of `request`. Errors, and the KMS __type each becomes:
//   kMalformedRequest  IncompleteSignatureException: no or a malformed Authorization header,
//                      a signed header missing from the request
//   kUnauthorized      UnrecognizedClientException: an unknown or revoked access key id;
//                      temporary credentials (x-amz-security-token), which keybroker does not
//                      issue
//   kForbidden         InvalidSignatureException: host, x-amz-date, x-amz-target or
//                      content-type not among SignedHeaders, nor x-amz-content-sha256 or
//                      x-amz-security-token when sent (the message names the header); the
//                      signature does not match, the scope is
//                      not <date>/<region>/kms/aws4_request, x-amz-date is more than five
//                      minutes from now, x-amz-content-sha256 is not the body's hash
Result<Verified> Verify(const SignedRequest& request, std::string_view region, Time now,
                        const SecretLookup& lookup);

}  // namespace kb::api::kms
