// libFuzzer target: the KMS-compatible API over a real broker on a real SQLite file: SigV4
// parsing of arbitrary Authorization headers, and every operation's body decoding (JSON,
// base64 blobs, EncryptionContext, Recipient documents through the verifiers) for a correctly
// signed kms-user request.
//
// Input: byte 0 picks the operation; byte 1 the mode: even → the rest is a body, signed;
// odd → the rest is an Authorization header sent with an empty JSON body.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "api/kms/kms_api.h"
#include "api/kms/sigv4.h"
#include "fuzz/broker_harness.h"

namespace {

struct Harness : kb::fuzzing::BrokerHarness {
  Harness() : BrokerHarness(/*approvals_required=*/1) {
    if (!broker.authenticator->CreatePrincipal(
            "app", kb::broker::Roles({kb::broker::Role::kKmsUser}), "fuzz", now, true) ||
        !broker.manager->CreateGenerated("fuzz-key", "fuzz", now,
                                         {kb::storage::KeyPurpose::kKms, false})) {
      std::abort();
    }
    // One approval is the quorum here: the grant is active at once.
    kb::broker::Principal manager{"fuzz", kb::broker::kAllRoles};
    if (!broker.kms_governance->CreateGrant(
            {"app", "fuzz-key", kb::broker::GrantableKmsOperations()}, manager, now)) {
      std::abort();
    }
    auto issued = broker.access_keys->Issue("app", "fuzz", now, /*approved=*/true);
    if (!issued) std::abort();
    key_id = issued->id;
    secret = issued->secret;
  }
  std::string key_id, secret;
};

constexpr const char* kOperations[] = {
    "Encrypt",        "Decrypt",  "GenerateDataKey", "GenerateDataKeyWithoutPlaintext",
    "GenerateRandom", "ListKeys", "ListAliases",     "DescribeKey",
    "CreateKey"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Harness h;
  if (size < 2) return 0;
  std::string rest(reinterpret_cast<const char*>(data) + 2, size - 2);
  bool signed_body = data[1] % 2 == 0;
  kb::api::HttpRequest r;
  r.method = "POST";
  r.target = "/";
  r.content_type = "application/x-amz-json-1.1";
  r.body = signed_body ? rest : "{}";
  r.request_id = "fuzz";
  r.headers = {{"host", "127.0.0.1"},
               {"content-type", r.content_type},
               {"x-amz-date", "20260528T202640Z"},
               {"x-amz-target",
                std::string("TrentService.") + kOperations[data[0] % std::size(kOperations)]}};
  std::string authorization = rest;
  if (signed_body) {
    kb::api::kms::Credential c{h.key_id,
                               "20260528",
                               "us-east-1",
                               "kms",
                               {"content-type", "host", "x-amz-date", "x-amz-target"},
                               ""};
    authorization = "AWS4-HMAC-SHA256 Credential=" + h.key_id +
                    "/20260528/us-east-1/kms/aws4_request, SignedHeaders=content-type;host;"
                    "x-amz-date;x-amz-target, Signature=" +
                    kb::api::kms::Sign({r.method, r.target, r.query, r.headers, r.body}, c,
                                       kb::AsBytes(h.secret), "20260528T202640Z");
  }
  r.headers.emplace_back("authorization", authorization);
  kb::api::HttpResponse response = kb::api::kms::RouteKms(r, *h.broker.kms_api, h.now);
  if (response.status != 200 && response.status != 400) std::abort();  // 500 is a bug here
  if (response.body.empty()) std::abort();
  return 0;
}
