// The XKS proxy API as a whole broker assembles it: requests signed as AWS KMS signs them
// (tests/support/kms_request.h), each check performed as an attack, each refusal in the
// specification's shape, and every call in the audit log.

#include "api/xks/xks_api.h"

#include <gtest/gtest.h>

#include "api/router.h"
#include "broker/xks/xks_cipher.h"
#include "tests/support/admin_server.h"
#include "tests/support/kms_request.h"

namespace kb::api::xks {
namespace {

namespace json = boost::json;
using testing::kT;
using AccessKey = testing::KmsAccessKey;

const std::string kImage(96, 'a');
constexpr char kArn[] = "arn:aws:iam::111122223333:role/app";

std::string Metadata(const std::string& operation = "Encrypt", const std::string& arn = kArn,
                     const std::string& extra = "") {
  return R"("requestMetadata": {"kmsRequestId": "kms-req-1", "kmsOperation": ")" + operation +
         R"(", "awsPrincipalArn": ")" + arn +
         R"(", "kmsKeyArn": "arn:aws:kms:us-east-1:111122223333:key/k")" + extra + "}";
}

class XksApiTest : public testing::AdminServer {
 protected:
  void SetUp() override {
    config_.xks.enabled = true;
    config_.xks.uri_prefix = "/ks";
    config_.xks.region = "us-east-1";
    AdminServer::SetUp();
    AddPrincipal("ks1", {"xks-proxy"});
    AddPrincipal("ks2", {"xks-proxy"});
    AddPrincipal("app", {"kms-user"});
    ks1_ = Issue("ks1");
    ks2_ = Issue("ks2");
    app_ = Issue("app");
    CreateKmsKey("xk", /*attestation_required=*/false);
    CreateKmsKey("sealed");  // attestation required
    ASSERT_EQ(Call("key-manager", "POST", "/v1/admin/keys", R"({"id": "rk"})").status, 201);
    PutXksPolicy(
        "allow:\n"
        "  - kms_operation: [CreateKey, Encrypt, Decrypt]\n"
        "    aws_principal_arn: ['arn:aws:iam::111122223333:*']\n"
        "  - kms_operation: [Decrypt]\n"
        "    aws_principal_arn: ['arn:aws:iam::111122223333:*']\n"
        "    recipient: {image_sha384: " +
        kImage +
        "}\n"
        "deny:\n"
        "  - aws_principal_arn: ['arn:aws:iam::111122223333:user/mallory']\n");
  }
  AccessKey Issue(const std::string& principal) {
    auto issued = broker_.access_keys->Issue(principal, "test", kT, /*approved=*/true);
    EXPECT_TRUE(issued);
    return issued ? AccessKey{issued->id, issued->secret} : AccessKey{};
  }
  void PutXksPolicy(const std::string& rules) {
    std::string yaml =
        "name: s3\nkind: xks\nkeystores: [ks1]\nkeys: [xk, sealed, rk, gone]\n" + rules;
    auto put = Call("policy-author", "PUT", "/v1/admin/policies/s3", yaml, "text/yaml");
    ASSERT_EQ(put.status, 201) << put.body;
    auto approved = Call("approver", "POST", "/v1/admin/policies/s3/approve",
                         R"({"version": )" + std::to_string(Json(put)["version"].as_int64()) + "}");
    ASSERT_EQ(approved.status, 200) << approved.body;
  }
  HttpResponse Xks(const std::string& path, const std::string& body,
                   std::optional<AccessKey> key = std::nullopt,
                   const std::string& region = "us-east-1") {
    HttpRequest r =
        testing::SignedXksRequest("/ks/kms/xks/v1/" + path, body, key.value_or(ks1_), region);
    return Route(r, Services(), kT);
  }
  api::Services& Services() {
    services_->xks = broker_.xks_api.get();
    return *services_;
  }
  static std::string Name(const HttpResponse& r) {
    auto v = json::parse(r.body).as_object();
    return v.contains("errorName") ? std::string(v.at("errorName").as_string()) : "";
  }
  json::object Encrypted(const std::string& key, const std::string& aad = "YWFk") {
    auto r =
        Xks("keys/" + key + "/encrypt",
            "{" + Metadata() + R"(, "plaintext": "aGVsbG8=", "encryptionAlgorithm": "AES_GCM", )" +
                R"("additionalAuthenticatedData": ")" + aad +
                R"(", "ciphertextDataIntegrityValueAlgorithm": "SHA_256"})");
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body).as_object();
  }
  std::string DecryptBody(const json::object& e, const std::string& operation = "Decrypt",
                          const std::string& extra = "", const std::string& aad = "YWFk") {
    json::object body = json::parse("{" + Metadata(operation, kArn, extra) + "}").as_object();
    body["encryptionAlgorithm"] = "AES_GCM";
    body["additionalAuthenticatedData"] = aad;
    for (const char* f :
         {"ciphertext", "initializationVector", "authenticationTag", "ciphertextMetadata"}) {
      body[f] = e.at(f);
    }
    return json::serialize(body);
  }

  AccessKey ks1_, ks2_, app_;
};

TEST_F(XksApiTest, RoundTripsWithTheIntegrityValueComputedOverTheAnswer) {
  json::object e = Encrypted("xk");
  auto field = [&](const char* f) { return *Base64Decode(e.at(f).as_string()); };
  EXPECT_EQ(field("ciphertext").size(), 5u);
  EXPECT_EQ(field("initializationVector").size(), 12u);
  EXPECT_EQ(field("authenticationTag").size(), 16u);
  EXPECT_EQ(*broker::xks::DecodeCiphertextMetadata(field("ciphertextMetadata")), 1u);
  Sha256Digest cdiv = broker::xks::IntegrityValue(
      *Base64Decode("YWFk"), field("ciphertextMetadata"), field("initializationVector"),
      field("ciphertext"), field("authenticationTag"));
  EXPECT_EQ(e.at("ciphertextDataIntegrityValue").as_string(), Base64Encode(cdiv));
  auto r = Xks("keys/xk/decrypt", DecryptBody(e));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(json::parse(r.body).at("plaintext"), "aGVsbG8=");
}

TEST_F(XksApiTest, EveryCallIsAnAuditRowWithTheKmsRequestId) {
  Encrypted("xk");
  Xks("keys/xk/metadata", "{" + Metadata("CreateKey", "arn:aws:iam::1:role/other") + "}");
  auto rows = broker_.audit->Read(0, 1000);
  ASSERT_TRUE(rows);
  int allowed = 0, denied = 0;
  for (const auto& row : *rows) {
    if (row.action == "xks.Encrypt" && row.decision == "allow") {
      ++allowed;
      EXPECT_EQ(row.actor, "xks:ks1");
      EXPECT_EQ(row.request_id, "kms-req-1");
      EXPECT_EQ(row.key_id, "xk");
      EXPECT_NE(row.reasons.find(std::string("awsPrincipalArn=") + kArn), std::string::npos);
      EXPECT_NE(row.reasons.find("kmsOperation=Encrypt"), std::string::npos);
    }
    if (row.action == "xks.GetKeyMetadata" && row.decision == "deny") ++denied;
  }
  EXPECT_EQ(allowed, 1);
  EXPECT_EQ(denied, 1);
}

TEST_F(XksApiTest, OnlyAnXksProxySignatureForThisServiceRegionAndPathAuthenticates) {
  std::string body = "{" + Metadata("CreateKey") + "}";
  auto refused = [&](const HttpResponse& r, const char* what) {
    EXPECT_EQ(r.status, 401) << what << ": " << r.body;
    EXPECT_EQ(Name(r), "AuthenticationFailedException") << what;
  };
  ASSERT_EQ(Xks("keys/xk/metadata", body).status, 200);
  refused(Xks("keys/xk/metadata", body, app_), "a kms-user's key");
  refused(Xks("keys/xk/metadata", body, AccessKey{ks1_.id, app_.secret}), "a wrong secret");
  refused(Xks("keys/xk/metadata", body, AccessKey{"AKIAUNKNOWNUNKNOWN23", ks1_.secret}),
          "an unknown key id");
  refused(Xks("keys/xk/metadata", body, std::nullopt, "eu-west-1"), "another region");
  HttpRequest kms_scope =
      testing::SignedXksRequest("/ks/kms/xks/v1/keys/xk/metadata", body, ks1_, "us-east-1", "kms");
  refused(Route(kms_scope, Services(), kT), "the KMS service's scope");
  // Signed for the path without the prefix, sent with it: the prefix is part of the signature.
  HttpRequest unprefixed = testing::SignedXksRequest("/kms/xks/v1/keys/xk/metadata", body, ks1_);
  unprefixed.target = "/ks/kms/xks/v1/keys/xk/metadata";
  refused(Route(unprefixed, Services(), kT), "a signature over another path");
  HttpRequest altered = testing::SignedXksRequest("/ks/kms/xks/v1/keys/xk/metadata", body, ks1_);
  altered.body = "{" + Metadata("CreateKey", "arn:aws:iam::111122223333:root") + "}";
  refused(Route(altered, Services(), kT), "a body the signature does not cover");
  HttpRequest late = testing::SignedXksRequest("/ks/kms/xks/v1/keys/xk/metadata", body, ks1_);
  refused(Route(late, Services(), kT + std::chrono::minutes(6)), "six minutes late");
  ASSERT_TRUE(broker_.access_keys->Revoke(ks1_.id, "test", kT));
  refused(Xks("keys/xk/metadata", body), "a revoked key");
}

TEST_F(XksApiTest, MutualTlsMakesTheClientCertificateNecessary) {
  broker_.xks_api->require_client_certificate = true;
  std::string body = "{" + Metadata("CreateKey") + "}";
  HttpResponse without = Xks("keys/xk/metadata", body);
  EXPECT_EQ(without.status, 401) << without.body;
  HttpRequest with = testing::SignedXksRequest("/ks/kms/xks/v1/keys/xk/metadata", body, ks1_);
  with.xks_client_certificate = true;
  EXPECT_EQ(Route(with, Services(), kT).status, 200);
}

TEST_F(XksApiTest, SecondaryAuthorizationDecidesBeforeAnythingIsRevealed) {
  auto denied = [&](const HttpResponse& r, const char* what) {
    EXPECT_EQ(r.status, 403) << what << ": " << r.body;
    EXPECT_EQ(Name(r), "AccessDeniedException") << what;
  };
  std::string enc_tail = R"(, "plaintext": "aGVsbG8=", "encryptionAlgorithm": "AES_GCM"})";
  denied(Xks("keys/xk/encrypt",
             "{" + Metadata("Encrypt", "arn:aws:iam::444455556666:root") + enc_tail),
         "another account");
  denied(Xks("keys/xk/encrypt",
             "{" + Metadata("Encrypt", "arn:aws:iam::111122223333:user/mallory") + enc_tail),
         "a deny rule");
  denied(Xks("keys/xk/encrypt", "{" + Metadata("GenerateMac") + enc_tail),
         "an operation not listed");
  denied(Xks("keys/xk/encrypt", "{" + Metadata() + enc_tail, ks2_), "a key store no policy names");
  // A key no policy names: denied, whether or not it exists.
  denied(Xks("keys/nothing/metadata", "{" + Metadata("CreateKey") + "}"), "an unnamed key");
  auto gone = Xks("keys/gone/metadata", "{" + Metadata("CreateKey") + "}");
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(Name(gone), "KeyNotFoundException");
  auto release_key = Xks("keys/rk/metadata", "{" + Metadata("CreateKey") + "}");
  EXPECT_EQ(Name(release_key), "InvalidKeyUsageException") << release_key.body;
}

TEST_F(XksApiTest, AKeyThatRequiresAttestationDecryptsOnlyForTheNamedEnclaveAndOnlyForKms) {
  json::object e = Encrypted("sealed");  // encrypting returns no plaintext: allowed
  std::string named_image = R"(, "kmsRecipientAttestationImageSha384": ")" + kImage + "\"";
  std::string path = "/ks/kms/xks/v1/keys/sealed/decrypt";
  auto from_kms = [&](const std::string& body, bool kms_certificate) {
    HttpRequest r = testing::SignedXksRequest(path, body, ks1_);
    r.xks_client_certificate = kms_certificate;
    return Route(r, Services(), kT);
  };
  // Without mutual TLS, whoever holds the key store's secret could claim any enclave.
  EXPECT_EQ(from_kms(DecryptBody(e, "Decrypt", named_image), false).status, 403);
  broker_.xks_api->require_client_certificate = true;
  EXPECT_EQ(from_kms(DecryptBody(e), true).status, 403);  // no recipient
  auto other = from_kms(
      DecryptBody(e, "Decrypt",
                  R"(, "kmsRecipientAttestationImageSha384": ")" + std::string(96, 'b') + "\""),
      true);
  EXPECT_EQ(other.status, 403) << other.body;
  auto attested = from_kms(DecryptBody(e, "Decrypt", named_image), true);
  ASSERT_EQ(attested.status, 200) << attested.body;
  EXPECT_EQ(json::parse(attested.body).at("plaintext"), "aGVsbG8=");
}

TEST_F(XksApiTest, ADisabledKeyReportsItsStatusAndDecryptsNothing) {
  json::object e = Encrypted("xk");
  ASSERT_EQ(Call("key-manager", "POST", "/v1/admin/keys/xk/disable").status, 200);
  auto metadata = Xks("keys/xk/metadata", "{" + Metadata("CreateKey") + "}");
  ASSERT_EQ(metadata.status, 200) << metadata.body;
  EXPECT_EQ(json::parse(metadata.body).at("keyStatus"), "DISABLED");
  auto decrypted = Xks("keys/xk/decrypt", DecryptBody(e));
  EXPECT_EQ(decrypted.status, 400);
  EXPECT_EQ(Name(decrypted), "InvalidStateException");
}

TEST_F(XksApiTest, TamperedInputsAreInvalidCiphertext) {
  json::object e = Encrypted("xk");
  auto flipped = [&](const char* field) {
    json::object copy = e;
    Bytes b = *Base64Decode(copy.at(field).as_string());
    b[0] ^= 1;
    copy[field] = Base64Encode(b);
    return copy;
  };
  for (const char* field :
       {"ciphertext", "initializationVector", "authenticationTag", "ciphertextMetadata"}) {
    auto r = Xks("keys/xk/decrypt", DecryptBody(flipped(field)));
    EXPECT_EQ(Name(r), "InvalidCiphertextException") << field << ": " << r.body;
  }
  auto other_aad = Xks("keys/xk/decrypt", DecryptBody(e, "Decrypt", "", "YWFl"));
  EXPECT_EQ(Name(other_aad), "InvalidCiphertextException");
  json::object later_version = e;
  later_version["ciphertextMetadata"] = Base64Encode(broker::xks::EncodeCiphertextMetadata(9));
  EXPECT_EQ(Name(Xks("keys/xk/decrypt", DecryptBody(later_version))), "InvalidCiphertextException");
}

TEST_F(XksApiTest, RotatedKeysStillOpenWhatEarlierVersionsSealed) {
  json::object v1 = Encrypted("xk");
  ASSERT_EQ(Call("key-manager", "POST", "/v1/admin/keys/xk/rotate").status, 200);
  json::object v2 = Encrypted("xk");
  EXPECT_EQ(*broker::xks::DecodeCiphertextMetadata(
                *Base64Decode(v2.at("ciphertextMetadata").as_string())),
            2u);
  EXPECT_EQ(Xks("keys/xk/decrypt", DecryptBody(v1)).status, 200);
  EXPECT_EQ(Xks("keys/xk/decrypt", DecryptBody(v2)).status, 200);
}

TEST_F(XksApiTest, PathsMethodsAndHealth) {
  auto health = Xks(
      "health", R"({"requestMetadata": {"kmsRequestId": "h", "kmsOperation": "KmsHealthCheck"}})");
  ASSERT_EQ(health.status, 200) << health.body;
  auto h = json::parse(health.body).as_object();
  EXPECT_EQ(h.at("xksProxyFleetSize"), 1);
  EXPECT_EQ(h.at("ekmFleetDetails").as_array().at(0).at("healthStatus"), "ACTIVE");
  // Health is exempt from secondary authorization: ks2 has no policy.
  EXPECT_EQ(
      Xks("health", R"({"requestMetadata": {"kmsRequestId": "h", "kmsOperation": "X"}})", ks2_)
          .status,
      200);
  EXPECT_EQ(Name(Xks("keys/xk/unknown", "{}")), "InvalidUriPathException");
  EXPECT_EQ(Name(Xks("keys/x%2Fk/metadata", "{}")), "InvalidUriPathException");
  HttpRequest get = testing::SignedXksRequest("/ks/kms/xks/v1/health", "", ks1_);
  get.method = "GET";
  EXPECT_EQ(Route(get, Services(), kT).status, 405);
  // Outside the prefix: not the XKS API at all.
  HttpRequest elsewhere = testing::SignedXksRequest("/kms/xks/v1/health", "{}", ks1_);
  EXPECT_EQ(Route(elsewhere, Services(), kT).status, 404);
  EXPECT_EQ(Name(Route(elsewhere, Services(), kT)), "");
}

TEST_F(XksApiTest, TheDryRunExplainsXksDecisions) {
  auto run = [&](const std::string& arn) {
    auto r = Call("auditor", "POST", "/v1/admin/policies/s3:evaluate",
                  R"({"xks": {"keystore": "ks1", "key_id": "xk", "requestMetadata": {)"
                  R"("kmsOperation": "Encrypt", "awsPrincipalArn": ")" +
                      arn + R"("}}})");
    EXPECT_EQ(r.status, 200) << r.body;
    return Json(r);
  };
  auto allowed = run(kArn);
  EXPECT_TRUE(allowed["allow"].as_bool());
  EXPECT_EQ(allowed["matched_rule"], "allow[0]");
  auto denied = run("arn:aws:iam::111122223333:user/mallory");
  EXPECT_FALSE(denied["allow"].as_bool());
  EXPECT_EQ(denied["matched_rule"], "deny[0]");
  auto evidence_for_xks = Call("auditor", "POST", "/v1/admin/policies/s3:evaluate",
                               R"({"evidence": {"type": "auto", "document": "AA=="}})");
  EXPECT_EQ(evidence_for_xks.status, 400) << evidence_for_xks.body;
}

}  // namespace
}  // namespace kb::api::xks
