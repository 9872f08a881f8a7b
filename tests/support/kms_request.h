#pragma once

// A KMS API request as the AWS SDK sends it, signed with SigV4 (api/kms/sigv4's Sign, checked
// against botocore in sigv4_test) at kT, for the broker's default region.

#include <string>
#include <vector>

#include "api/http_types.h"
#include "api/kms/sigv4.h"
#include "common/bytes.h"
#include "common/encoding.h"

namespace kb::testing {

struct KmsAccessKey {
  std::string id, secret;
};

// Signed over `signed_headers` (sorted; the SDK's set by default).
inline api::HttpRequest SignedKmsRequest(const std::string& target, const std::string& body,
                                         const KmsAccessKey& key,
                                         const std::vector<std::string>& signed_headers = {
                                             "content-type", "host", "x-amz-date",
                                             "x-amz-target"}) {
  api::HttpRequest r;
  r.method = "POST";
  r.target = "/";
  r.content_type = "application/x-amz-json-1.1";
  r.body = body;
  r.request_id = "t1";
  r.headers = {{"host", "127.0.0.1:8443"},
               {"content-type", r.content_type},
               {"x-amz-date", "20260501T120000Z"},  // kT
               {"x-amz-target", target}};
  api::kms::Credential c{key.id, "20260501", "us-east-1", "kms", signed_headers, ""};
  std::string signature = api::kms::Sign({r.method, r.target, r.query, r.headers, r.body}, c,
                                         AsBytes(key.secret), "20260501T120000Z");
  std::string names;
  for (const auto& name : signed_headers) names += (names.empty() ? "" : ";") + name;
  r.headers.emplace_back("authorization", "AWS4-HMAC-SHA256 Credential=" + key.id +
                                              "/20260501/us-east-1/kms/aws4_request, "
                                              "SignedHeaders=" +
                                              names + ", Signature=" + signature);
  return r;
}

// An XKS proxy API request as AWS KMS sends it: POST `path` (with the prefix), signed over host
// and x-amz-date only, at kT, with `service` and `region` in the scope.
inline api::HttpRequest SignedXksRequest(const std::string& path, const std::string& body,
                                         const KmsAccessKey& key,
                                         const std::string& region = "us-east-1",
                                         const std::string& service = "kms-xks-proxy") {
  api::HttpRequest r;
  r.method = "POST";
  r.target = path;
  r.content_type = "application/json";
  r.body = body;
  r.request_id = "t1";
  r.headers = {{"host", "xks.example.com"},
               {"content-type", r.content_type},
               {"x-amz-date", "20260501T120000Z"}};  // kT
  api::kms::Credential c{key.id, "20260501", region, service, {"host", "x-amz-date"}, ""};
  std::string signature = api::kms::Sign({r.method, r.target, r.query, r.headers, r.body}, c,
                                         AsBytes(key.secret), "20260501T120000Z");
  r.headers.emplace_back("authorization", "AWS4-HMAC-SHA256 Credential=" + key.id + "/20260501/" +
                                              region + "/" + service +
                                              "/aws4_request, SignedHeaders=host;x-amz-date, "
                                              "Signature=" +
                                              signature);
  return r;
}

}  // namespace kb::testing
