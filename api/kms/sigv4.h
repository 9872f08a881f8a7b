#pragma once

// AWS Signature Version 4 (AWS4-HMAC-SHA256 in the Authorization header), verified exactly as
// AWS does: the canonical request is rebuilt from the request as received (method, path, query,
// the headers the client chose to sign, the SHA-256 of the body), the credential scope must be
// <date>/<configured region>/<service>/aws4_request, x-amz-date must be within five minutes of
// now, and the signature is compared in constant time. One verifier for both callers: the KMS
// API (service "kms") and the XKS proxy API (service "kms-xks-proxy"), which differ only in the
// service name and the headers that must be signed (Scope). Pure: the secret comes from a
// lookup, the time from the caller.

#include <chrono>
#include <functional>
#include <optional>
#include <span>
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

// The secret of an access key id: kUnauthorized if the id is unknown or revoked, kInternal if the
// broker cannot tell (passed on as it is).
using SecretLookup = std::function<Result<SecretBytes>(const std::string& access_key_id)>;

struct Verified {
  std::string access_key_id;
};

// What a signature must be made for.
struct Scope {
  std::string_view region;
  std::string_view service;
  // Headers the signature must cover, besides x-amz-content-sha256 and x-amz-security-token,
  // which must be signed whenever they are sent. Sorted is not required.
  std::span<const std::string_view> required_signed_headers;
};

// The KMS API's: service "kms", with host, x-amz-date, x-amz-target and content-type signed (so
// a captured request cannot be replayed to another host, as another operation or with another
// body encoding). The AWS SDKs and the AWS CLI sign all of these.
Scope KmsScope(std::string_view region);
// The XKS proxy API's: service "kms-xks-proxy", with host and x-amz-date signed, which is all
// AWS KMS signs on its calls to a proxy. The operation is in the path, which is always signed,
// and the body is covered by the payload hash.
Scope XksScope(std::string_view region);

// Verifies the Authorization header of `request`. Errors, and the KMS __type each becomes:
//   kMalformedRequest  IncompleteSignatureException: no or a malformed Authorization header,
//                      a signed header missing from the request
//   kUnauthorized      UnrecognizedClientException: an unknown or revoked access key id;
//                      temporary credentials (x-amz-security-token), which keybroker does not
//                      issue
//   kForbidden         InvalidSignatureException: a header of the scope's
//                      required_signed_headers not among SignedHeaders, nor
//                      x-amz-content-sha256 or x-amz-security-token when sent (the message
//                      names the header); the signature does not match, the scope is not
//                      <date>/<region>/<service>/aws4_request, x-amz-date is more than five
//                      minutes from now, x-amz-content-sha256 is not the body's hash
// (The XKS API answers all three with AuthenticationFailedException.)
Result<Verified> Verify(const SignedRequest& request, const Scope& scope, Time now,
                        const SecretLookup& lookup);
// The KMS API's: Verify(request, KmsScope(region), now, lookup).
Result<Verified> Verify(const SignedRequest& request, std::string_view region, Time now,
                        const SecretLookup& lookup);

}  // namespace kb::api::kms
