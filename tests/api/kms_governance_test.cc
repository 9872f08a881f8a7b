// Issue 16, paths 4 and 5: the KMS API fails closed. Each attack is tried by one principal over
// the real interfaces of a whole broker (admin API over TLS, /v1/release, the KMS endpoint with
// SigV4), with the two-person rule at 2.

#include <gtest/gtest.h>

#include "api/kms/kms_api.h"
#include "broker/keys/keystore.h"
#include "broker/kms/ciphertext_blob.h"
#include "crypto/keyed_sha256.h"
#include "tests/support/admin_server.h"
#include "tests/support/kms_request.h"

namespace kb::api {
namespace {

// The blob key that a sealed key's material gives (broker::SealedKeystore::KmsKey).
broker::SoftwareGcmKey BlobKeyOf(const SecretBytes& material) {
  return broker::SoftwareGcmKey(
      HkdfSha256(material.span(), broker::KmsUseLabel(broker::KmsUse::kBlob), 32).value());
}

namespace json = boost::json;
using testing::kT;

class KmsGovernance : public testing::AdminServer {
 protected:
  void SetUp() override {
    AdminServer::SetUp();
    AddPrincipal("app", {"kms-user"});
    app_ = Issue("app");
    ASSERT_TRUE(broker_.manager->CreateGenerated("model-weights", "test", kT));  // release
    CreateKmsKey("sealed");  // attestation required, the default
  }
  testing::KmsAccessKey Issue(const std::string& principal) {
    auto issued = broker_.access_keys->Issue(principal, "test", kT, /*approved=*/true);
    EXPECT_TRUE(issued);
    return issued ? testing::KmsAccessKey{issued->id, issued->secret} : testing::KmsAccessKey{};
  }
  HttpResponse Kms(const std::string& operation, const json::object& body,
                   std::optional<testing::KmsAccessKey> key = std::nullopt) {
    return kms::RouteKms(testing::SignedKmsRequest("TrentService." + operation,
                                                   json::serialize(body), key.value_or(app_)),
                         *broker_.kms_api, kT);
  }
  static std::string Type(const HttpResponse& r) {
    auto v = json::parse(r.body);
    return v.as_object().contains("__type") ? std::string(v.at("__type").as_string()) : "";
  }
  static std::string Message(const HttpResponse& r) {
    auto v = json::parse(r.body);
    return v.as_object().contains("message") ? std::string(v.at("message").as_string()) : "";
  }
  json::object WithRecipient(json::object body) {
    body["Recipient"] = json::object{{"KeyEncryptionAlgorithm", "RSAES_OAEP_SHA_256"},
                                     {"AttestationDocument", Base64Encode(Document(Nonce()))}};
    return body;
  }
  Bytes Nonce() {
    auto challenge = Json(Call("", "POST", "/v1/challenge"));
    return HexDecode(std::string(challenge["nonce"].as_string())).value();
  }
  // policy-author proposes, approver approves: the next version of `name` is active.
  void ActivatePolicy(const std::string& name, const std::string& keys,
                      const std::string& extra = "") {
    auto put = Call("policy-author", "PUT", "/v1/admin/policies/" + name, Policy(name, keys, extra),
                    "text/yaml");
    ASSERT_EQ(put.status, 201) << put.body;
    auto approved = Call("approver", "POST", "/v1/admin/policies/" + name + "/approve",
                         json::serialize(json::object{{"version", Json(put)["version"]}}));
    ASSERT_EQ(approved.status, 200) << approved.body;
  }
  static std::string Policy(const std::string& name, const std::string& keys,
                            const std::string& extra) {
    return "name: " + name + "\nkeys: [" + keys + "]\nplatform: nitro-enclave\n" + extra +
           "allow:\n  - pcrs: {0: \"" + HexEncode(Bytes(48, 0xaa)) + "\"}\n";
  }
  json::object KeyJson(const std::string& id) {
    return Json(Call("auditor", "GET", "/v1/admin/keys/" + id));
  }

  testing::KmsAccessKey app_;
};

const json::object kDataKey{{"KeyId", "sealed"}, {"NumberOfBytes", 32}};

// A key released to an enclave through /v1/release is held by that enclave; were it the root of
// KMS ciphertexts too, the enclave could decrypt or forge every one of them.
TEST_F(KmsGovernance, AnEnclaveHoldingAReleaseKeyCannotForgeOrOpenKmsCiphertextsWithIt) {
  ActivatePolicy("weights", "model-weights");
  auto released = Release("model-weights");
  ASSERT_EQ(released.status, 200) << released.body;
  Bytes wrapped = Base64Decode(Json(released)["ciphertext_for_recipient"].as_string()).value();
  SecretBytes material(testing::CmsDecrypt(wrapped, instance_key_.get()));
  auto forged = broker::SealBlob({"model-weights", 1}, BlobKeyOf(material), AsBytes("forged"), {},
                                 broker_.random);
  ASSERT_TRUE(forged);

  // No grant can name it ...
  auto grant = Call("key-manager", "POST", "/v1/admin/grants",
                    R"({"principal": "app", "key": "model-weights", "operations": ["Decrypt"]})");
  EXPECT_EQ(grant.status, 403) << grant.body;
  EXPECT_EQ(Code(grant), "wrong_key_purpose");
  // ... and even a grant written into the database (from before the purposes existed) does
  // not make the KMS API use a release key.
  ASSERT_TRUE(broker_.unit_of_work->Run([&](storage::Tx& tx) {
    return broker_.grants->Add(
        tx, {"g-legacy", "app", "model-weights", broker::GrantableKmsOperations(), "pending", kT,
             "test", std::nullopt});
  }));
  ASSERT_TRUE(broker_.db->Exec("UPDATE kms_grants SET status = 'active' WHERE id = 'g-legacy'"));
  auto opened = Kms("Decrypt", {{"CiphertextBlob", Base64Encode(*forged)}});
  EXPECT_EQ(opened.status, 400);
  EXPECT_EQ(Type(opened), "InvalidKeyUsageException") << opened.body;
  EXPECT_NE(Message(opened).find("purpose release"), std::string::npos) << opened.body;
  auto encrypted = Kms("Encrypt", {{"KeyId", "model-weights"}, {"Plaintext", "aGVsbG8="}});
  EXPECT_EQ(Type(encrypted), "InvalidKeyUsageException") << encrypted.body;
}

TEST_F(KmsGovernance, AKmsKeyIsNeverReleasedThroughRelease) {
  ActivatePolicy("weights", "sealed");  // a policy that would allow it
  auto r = Release("sealed");
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(Code(r), "wrong_key_purpose");
  auto rows = broker_.audit->Read(0, 1000);
  ASSERT_TRUE(rows);
  EXPECT_EQ(rows->back().action, "release");
  EXPECT_EQ(rows->back().decision, "deny");
  EXPECT_NE(rows->back().reasons.find("purpose kms"), std::string::npos) << rows->back().reasons;
  EXPECT_EQ(KeyJson("sealed")["purpose"], "kms");
  EXPECT_EQ(KeyJson("model-weights")["purpose"], "release");
}

TEST_F(KmsGovernance, APurposeIsChosenAtCreationAndShownInListings) {
  auto created = Call("key-manager", "POST", "/v1/admin/keys", R"({"id": "plain"})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(Json(created)["purpose"], "release");  // the default
  EXPECT_EQ(Json(created)["attestation_required"], true);
  created = Call("key-manager", "POST", "/v1/admin/keys",
                 R"({"id": "dev", "purpose": "kms", "attestation_required": false})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(Json(created)["attestation_required"], false);
  // A release key is always for attested workloads; purposes are a closed set.
  for (const char* body :
       {R"({"id": "x", "attestation_required": false})", R"({"id": "x", "purpose": "both"})"}) {
    EXPECT_EQ(Call("key-manager", "POST", "/v1/admin/keys", body).status, 400) << body;
  }
  auto listed = Json(Call("auditor", "GET", "/v1/admin/keys"))["keys"].as_array();
  ASSERT_FALSE(listed.empty());
  for (const auto& key : listed) EXPECT_TRUE(key.as_object().contains("purpose")) << key;
}

// Attestation is the key's: no policy state (none, pending, waiving it) yields plaintext in the
// clear, and without an active policy allowing a Recipient, nobody gets the key.
TEST_F(KmsGovernance, AnAttestationRequiredKeyReturnsNoPlaintextWithoutAnActivePolicy) {
  GrantKms("app", "sealed", broker::GrantableKmsOperations());
  auto expect_denied = [&](const json::object& body, const std::string& when) {
    auto r = Kms("GenerateDataKey", body);
    EXPECT_EQ(Type(r), "AccessDeniedException") << when << ": " << r.body;
    EXPECT_FALSE(json::parse(r.body).as_object().contains("Plaintext")) << when;
  };
  expect_denied(kDataKey, "no policy");
  expect_denied(WithRecipient(kDataKey), "no policy, Recipient");
  auto blob = Kms("GenerateDataKeyWithoutPlaintext", kDataKey);  // no plaintext leaves
  ASSERT_EQ(blob.status, 200) << blob.body;
  EXPECT_EQ(Kms("Encrypt", {{"KeyId", "sealed"}, {"Plaintext", "aGVsbG8="}}).status, 200);

  // A policy waiving attestation, proposed by one author and not approved.
  auto put = Call("policy-author", "PUT", "/v1/admin/policies/loose",
                  Policy("loose", "sealed", "require_attestation: false\n"), "text/yaml");
  ASSERT_EQ(put.status, 201) << put.body;
  expect_denied(kDataKey, "pending policy");
  expect_denied(WithRecipient(kDataKey), "pending policy, Recipient");
  json::object decrypt{{"CiphertextBlob", Json(blob)["CiphertextBlob"]}};
  EXPECT_EQ(Type(Kms("Decrypt", decrypt)), "AccessDeniedException");

  // Approved and active, it still cannot waive the key's attestation; a Recipient it allows
  // gets the key, wrapped.
  auto approved = Call("approver", "POST", "/v1/admin/policies/loose/approve", R"({"version": 1})");
  ASSERT_EQ(approved.status, 200) << approved.body;
  expect_denied(kDataKey, "active policy waiving attestation");
  auto wrapped = Kms("GenerateDataKey", WithRecipient(kDataKey));
  ASSERT_EQ(wrapped.status, 200) << wrapped.body;
  EXPECT_TRUE(Json(wrapped).contains("CiphertextForRecipient"));
  EXPECT_FALSE(Json(wrapped).contains("Plaintext"));
}

TEST_F(KmsGovernance, OnePrincipalCannotTurnOffAKeysAttestation) {
  GrantKms("app", "sealed", {"GenerateDataKey"});
  AddPrincipal("both", {"key-manager", "approver"});
  auto proposed = Call("both", "POST", "/v1/admin/keys/sealed/attestation",
                       R"({"attestation_required": false})");
  ASSERT_EQ(proposed.status, 201) << proposed.body;
  EXPECT_EQ(Json(proposed)["approval"].at("effective"), false);
  EXPECT_EQ(KeyJson("sealed")["attestation_required"], true);
  EXPECT_EQ(Type(Kms("GenerateDataKey", kDataKey)), "AccessDeniedException");
  // Its own second approval does not count; key-manager alone cannot approve at all.
  EXPECT_EQ(
      Call("both", "POST", "/v1/admin/keys/sealed/attestation/approve", R"({"version": 1})").status,
      409);
  EXPECT_EQ(
      Call("key-manager", "POST", "/v1/admin/keys/sealed/attestation/approve", R"({"version": 1})")
          .status,
      403);
  EXPECT_EQ(Type(Kms("GenerateDataKey", kDataKey)), "AccessDeniedException");

  auto approved =
      Call("approver", "POST", "/v1/admin/keys/sealed/attestation/approve", R"({"version": 1})");
  ASSERT_EQ(approved.status, 200) << approved.body;
  EXPECT_EQ(Json(approved)["approval"].at("effective"), true);
  EXPECT_EQ(KeyJson("sealed")["attestation_required"], false);
  auto clear = Kms("GenerateDataKey", kDataKey);
  ASSERT_EQ(clear.status, 200) << clear.body;
  EXPECT_TRUE(Json(clear).contains("Plaintext"));
}

TEST_F(KmsGovernance, AKmsUserWithoutAGrantIsDeniedBeforeLearningAnythingAboutTheKey) {
  CreateKmsKey("open", /*attestation_required=*/false);
  for (const char* key : {"open", "alias/open", "no-such-key"}) {
    auto r = Kms("Encrypt", {{"KeyId", key}, {"Plaintext", "aGVsbG8="}});
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(Type(r), "AccessDeniedException") << key << ": " << r.body;
    EXPECT_EQ(Type(Kms("DescribeKey", {{"KeyId", key}})), "AccessDeniedException") << key;
  }
  auto listed = Kms("ListKeys", json::object{});
  ASSERT_EQ(listed.status, 200);
  EXPECT_TRUE(Json(listed)["Keys"].as_array().empty()) << listed.body;

  GrantKms("app", "alias/open", {"Encrypt"});  // Encrypt only
  auto sealed = Kms("Encrypt", {{"KeyId", "alias/open"}, {"Plaintext", "aGVsbG8="}});
  ASSERT_EQ(sealed.status, 200) << sealed.body;
  EXPECT_EQ(Type(Kms("Decrypt", {{"CiphertextBlob", Json(sealed)["CiphertextBlob"]}})),
            "AccessDeniedException");
  EXPECT_EQ(Type(Kms("GenerateDataKey", {{"KeyId", "open"}, {"NumberOfBytes", 16}})),
            "AccessDeniedException");
}

TEST_F(KmsGovernance, AGrantTakesEffectOnlyWhenApprovedAndEndsWhenRevoked) {
  CreateKmsKey("open", /*attestation_required=*/false);
  AddPrincipal("both", {"key-manager", "approver"});
  json::object encrypt{{"KeyId", "open"}, {"Plaintext", "aGVsbG8="}};
  auto created = Call("both", "POST", "/v1/admin/grants",
                      R"({"principal": "app", "key": "open", "operations": ["Encrypt"]})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(Json(created)["status"], "pending");
  std::string id(Json(created)["id"].as_string());
  EXPECT_EQ(Type(Kms("Encrypt", encrypt)), "AccessDeniedException");
  EXPECT_EQ(Call("both", "POST", "/v1/admin/grants/" + id + "/approve").status, 409);
  EXPECT_EQ(Call("key-manager", "POST", "/v1/admin/grants/" + id + "/approve").status, 403);
  EXPECT_EQ(Type(Kms("Encrypt", encrypt)), "AccessDeniedException");

  auto approved = Call("approver", "POST", "/v1/admin/grants/" + id + "/approve");
  ASSERT_EQ(approved.status, 200) << approved.body;
  EXPECT_EQ(Json(approved)["status"], "active");
  EXPECT_EQ(Kms("Encrypt", encrypt).status, 200);

  auto revoked = Call("key-manager", "POST", "/v1/admin/grants/" + id + "/revoke");
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_EQ(Type(Kms("Encrypt", encrypt)), "AccessDeniedException");
  EXPECT_EQ(Call("approver", "POST", "/v1/admin/grants/" + id + "/approve").status, 409);
}

// A captured request whose signature leaves x-amz-target out, replayed within the skew window
// as another operation.
TEST_F(KmsGovernance, ARequestWithItsTargetUnsignedIsRefused) {
  GrantKms("app", "sealed", broker::GrantableKmsOperations());
  HttpRequest captured = testing::SignedKmsRequest("TrentService.GenerateDataKeyWithoutPlaintext",
                                                   json::serialize(kDataKey), app_,
                                                   {"content-type", "host", "x-amz-date"});
  for (auto& [name, value] : captured.headers) {
    if (name == "x-amz-target") value = "TrentService.GenerateDataKey";
  }
  auto replayed = kms::RouteKms(captured, *broker_.kms_api, kT);
  EXPECT_EQ(replayed.status, 400);
  EXPECT_EQ(Type(replayed), "InvalidSignatureException") << replayed.body;
  EXPECT_NE(Message(replayed).find("x-amz-target"), std::string::npos) << replayed.body;
}

}  // namespace
}  // namespace kb::api
