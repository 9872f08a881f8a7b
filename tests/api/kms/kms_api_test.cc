// The KMS endpoint as a whole broker assembles it: requests signed with SigV4 (api/kms/sigv4's
// Sign, checked against botocore in sigv4_test), each refusal in KMS's shape.

#include "api/kms/kms_api.h"

#include <gtest/gtest.h>

#include "api/kms/sigv4.h"
#include "api/router.h"
#include "tests/support/admin_server.h"
#include "tests/support/kms_request.h"

namespace kb::api::kms {
namespace {

namespace json = boost::json;
using testing::kT;

using AccessKey = testing::KmsAccessKey;

class KmsApiTest : public testing::AdminServer {
 protected:
  void SetUp() override {
    AdminServer::SetUp();
    AddPrincipal("app", {"kms-user"});
    app_ = Issue("app");
    auditor_ = Issue("auditor");
    CreateKmsKey("free-key", /*attestation_required=*/false);  // no policy names it
    GrantKms("app", "free-key", broker::GrantableKmsOperations());
  }
  AccessKey Issue(const std::string& principal) {
    auto issued = broker_.access_keys->Issue(principal, "test", kT, /*approved=*/true);
    EXPECT_TRUE(issued);
    return issued ? AccessKey{issued->id, issued->secret} : AccessKey{};
  }
  HttpRequest Signed(const std::string& target, const std::string& body, const AccessKey& key) {
    return testing::SignedKmsRequest(target, body, key);
  }
  HttpResponse Kms(const std::string& operation, const std::string& body,
                   std::optional<AccessKey> key = std::nullopt) {
    return RouteKms(Signed("TrentService." + operation, body, key.value_or(app_)), *broker_.kms_api,
                    kT);
  }
  static std::string Type(const HttpResponse& r) {
    auto v = json::parse(r.body);
    return v.as_object().contains("__type") ? std::string(v.at("__type").as_string()) : "";
  }
  std::string Blob(const std::string& key, const std::string& context = "{}") {
    auto r = Kms("Encrypt", R"({"KeyId": ")" + key + R"(", "Plaintext": "aGVsbG8=", )" +
                                R"("EncryptionContext": )" + context + "}");
    EXPECT_EQ(r.status, 200) << r.body;
    return std::string(json::parse(r.body).at("CiphertextBlob").as_string());
  }

  AccessKey app_, auditor_;
};

TEST_F(KmsApiTest, AnswersInKmsShape) {
  HttpResponse r = Kms("DescribeKey", R"({"KeyId": "alias/free-key"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "application/x-amz-json-1.1");
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "x-amzn-RequestId");
  EXPECT_EQ(json::parse(r.body).at("KeyMetadata").at("KeyId"), "free-key");
  HttpResponse missing = Kms("DescribeKey", R"({"KeyId": "alias/none"})");
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(Type(missing), "AccessDeniedException");  // not granted: whether it exists is hidden
  EXPECT_FALSE(json::parse(missing.body).at("message").as_string().empty());
}

TEST_F(KmsApiTest, EveryRefusalHasItsKmsException) {
  std::string blob = Blob("free-key", R"({"a": "1"})");
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      {"CreateKey", "{}", "UnsupportedOperationException"},
      {"Encrypt", "{", "ValidationException"},
      {"Encrypt", R"({"KeyId": "free-key"})", "ValidationException"},
      {"Encrypt", R"({"KeyId": "free-key", "Plaintext": "!!"})", "ValidationException"},
      {"Encrypt", R"({"KeyId": "free-key", "Plaintext": "aA==", "Extra": 1})",
       "ValidationException"},
      {"Encrypt", R"({"KeyId": "free-key", "Plaintext": "aA==", "GrantTokens": ["g"]})",
       "AccessDeniedException"},
      {"Encrypt", R"({"KeyId": "free-key", "Plaintext": "aA==", "DryRun": true})",
       "ValidationException"},
      {"Encrypt",
       R"({"KeyId": "free-key", "Plaintext": "aA==", "EncryptionAlgorithm": "RSAES_OAEP_SHA_1"})",
       "ValidationException"},
      {"Encrypt", R"({"KeyId": "free-key", "Plaintext": "aA==", "EncryptionContext": {"a": 1}})",
       "ValidationException"},
      {"Decrypt", R"({"CiphertextBlob": ")" + blob + R"("})", "InvalidCiphertextException"},
      {"Decrypt",
       R"({"CiphertextBlob": ")" + blob + R"(", "KeyId": "example", )" +
           R"("EncryptionContext": {"a": "1"}})",
       "IncorrectKeyException"},
      {"Decrypt", R"({"CiphertextBlob": "aGVsbG8="})", "InvalidCiphertextException"},
      {"Decrypt",
       R"({"CiphertextBlob": ")" + blob +
           R"(", "EncryptionContext": {"a": "1"}, "Recipient": {"KeyEncryptionAlgorithm": "RSAES_OAEP_SHA_1", "AttestationDocument": "AA=="}})",
       "ValidationException"},
      {"Decrypt",
       R"({"CiphertextBlob": ")" + blob +
           R"(", "EncryptionContext": {"a": "1"}, "Recipient": {"AttestationDocument": "AAAA"}})",
       "ValidationException"},
      {"GenerateDataKey", R"({"KeyId": "free-key", "KeySpec": "AES_512"})", "ValidationException"},
      {"GenerateDataKey", R"({"KeyId": "free-key", "KeySpec": "AES_256", "NumberOfBytes": 32})",
       "ValidationException"},
      {"GenerateDataKey", R"({"KeyId": "free-key"})", "ValidationException"},
      {"GenerateDataKey", R"({"KeyId": "free-key", "NumberOfBytes": 2000})", "ValidationException"},
      {"GenerateDataKeyWithoutPlaintext",
       R"({"KeyId": "free-key", "NumberOfBytes": 32, "Recipient": {"AttestationDocument": "AA=="}})",
       "ValidationException"},
      {"GenerateRandom", "{}", "ValidationException"},
      {"GenerateRandom", R"({"NumberOfBytes": 8, "CustomKeyStoreId": "c"})",
       "UnsupportedOperationException"},
  };
  for (const auto& [operation, body, expected] : cases) {
    HttpResponse r = Kms(operation, body);
    EXPECT_EQ(r.status, 400) << operation << " " << body;
    EXPECT_EQ(Type(r), expected) << operation << " " << body << " → " << r.body;
  }
  ASSERT_TRUE(broker_.manager->SetEnabled("free-key", false, "test", kT));
  EXPECT_EQ(Type(Kms("Decrypt",
                     R"({"CiphertextBlob": ")" + blob + R"(", "EncryptionContext": {"a": "1"}})")),
            "DisabledException");
}

TEST_F(KmsApiTest, OnlySignedRequestsOfKmsUsersAreServed) {
  HttpRequest unsigned_request = Signed("TrentService.ListKeys", "{}", app_);
  unsigned_request.headers.pop_back();  // the Authorization header
  EXPECT_EQ(Type(RouteKms(unsigned_request, *broker_.kms_api, kT)), "IncompleteSignatureException");
  HttpRequest tampered = Signed("TrentService.ListKeys", "{}", app_);
  tampered.body = R"({"Limit": 1})";
  EXPECT_EQ(Type(RouteKms(tampered, *broker_.kms_api, kT)), "InvalidSignatureException");
  EXPECT_EQ(Type(Kms("ListKeys", "{}", AccessKey{"KBAKUNKNOWN", "x"})),
            "UnrecognizedClientException");
  EXPECT_EQ(Type(Kms("ListKeys", "{}", auditor_)), "AccessDeniedException");
  EXPECT_EQ(Type(Kms("NoSuchThing", "{}", auditor_)), "AccessDeniedException");  // auth first
  HttpRequest wrong_type = Signed("TrentService.ListKeys", "{}", app_);
  wrong_type.content_type = "application/json";
  EXPECT_EQ(Type(RouteKms(wrong_type, *broker_.kms_api, kT)), "ValidationException");
  EXPECT_EQ(Type(RouteKms(Signed("Other.ListKeys", "{}", app_), *broker_.kms_api, kT)),
            "UnknownOperationException");

  EXPECT_EQ(Kms("ListKeys", "{}").status, 200);
  ASSERT_TRUE(broker_.access_keys->Revoke(app_.id, "test", kT));
  EXPECT_EQ(Type(Kms("ListKeys", "{}")), "UnrecognizedClientException");
  AccessKey fresh = Issue("app");
  EXPECT_EQ(Kms("ListKeys", "{}", fresh).status, 200);
  ASSERT_TRUE(broker_.authenticator->DisablePrincipal("app", "admin", kT));
  EXPECT_EQ(Type(Kms("ListKeys", "{}", fresh)), "UnrecognizedClientException");
}

TEST_F(KmsApiTest, KmsUsersHaveNoAdminRoute) {
  for (const char* target : {"/v1/admin/whoami", "/v1/admin/keys", "/v1/admin/policies",
                             "/v1/admin/references", "/v1/admin/pending"}) {
    HttpResponse r = Call("app", "GET", target);  // "app" holds kms-user and a bearer token
    EXPECT_EQ(r.status, 403) << target << " " << r.body;
  }
}

TEST_F(KmsApiTest, OnlyPostSlashWithATargetIsKms) {
  HttpRequest r = Signed("TrentService.ListKeys", "{}", app_);
  EXPECT_TRUE(IsKmsRequest(r));
  r.method = "GET";
  EXPECT_FALSE(IsKmsRequest(r));
  r = Signed("TrentService.ListKeys", "{}", app_);
  r.headers.erase(r.headers.begin() + 3);  // x-amz-target
  EXPECT_FALSE(IsKmsRequest(r));
  r = Signed("TrentService.ListKeys", "{}", app_);
  r.target = "/v1/release";
  EXPECT_FALSE(IsKmsRequest(r));
}

TEST_F(KmsApiTest, AnAddressOverItsLimitIsThrottled) {
  RateLimiters limits{RateLimit{0.5, 1}, RateLimit{}, RateLimit{}};
  Services services{*broker_.release,     false, nullptr, nullptr, nullptr, &limits,
                    broker_.kms_api.get()};
  HttpRequest r = Signed("TrentService.ListKeys", "{}", app_);
  r.remote_address = "192.0.2.7";
  EXPECT_EQ(Route(r, services, kT).status, 200);
  HttpResponse throttled = Route(r, services, kT);
  EXPECT_EQ(Type(throttled), "ThrottlingException");
  EXPECT_EQ(throttled.retry_after_seconds, 2);
}

}  // namespace
}  // namespace kb::api::kms
